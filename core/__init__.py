"""AppWarden's shared engine: reads a device, matches it against policy packs, reports.

Nothing here imports Qt; the command line and the window are both clients of this package.
"""
