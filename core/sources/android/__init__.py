"""Android phones: parsers of what a phone's own commands print (pm, dumpsys, getprop, ps) and
of the captures people send (a bugreport zip, an AndroidQF folder), shared by a live phone and a
capture file. Nothing here talks to a phone.
"""
