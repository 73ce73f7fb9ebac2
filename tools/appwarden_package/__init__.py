"""AppWarden: finds applications that government directives prohibit, explains why, and guides
their removal. `appwarden.core` does the work; `appwarden.gui` is the window; `appwarden.assets`
holds the shipped policy packs, translations and icons."""
