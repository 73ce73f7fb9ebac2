"""Fleet scale: the policy packs exported to the inventory engines organisations run (osquery,
Fleet, phone device management), and their results read back as AppWarden's findings per host."""
