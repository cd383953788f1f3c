"""Organisations (organisaties): search and writes, the hierarchy, and merging duplicates."""
