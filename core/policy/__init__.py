"""Policy packs: directives and the rules that enforce them, loaded from TOML data files."""
