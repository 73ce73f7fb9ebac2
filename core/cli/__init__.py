"""The `appwarden` command line: a client of the core like the window is."""
