"""Matching inventory items against policy rules through an index built once per scan."""
