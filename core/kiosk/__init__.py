"""The offline kiosk: its configuration (managed by IT) and its staff PIN. The kiosk window is a
client of the core like the others; what is here knows nothing of Qt."""
