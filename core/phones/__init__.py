"""Phones connected to this computer: AppWarden's ADB key, the link to a phone, listing the phones
plugged in, and one phone's session (what a check and a removal read and run through)."""
