"""AppWarden's window: presentation only. Every scan, report and history call goes through core."""
