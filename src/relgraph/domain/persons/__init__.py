"""Persons (personen): their names, search and writes, deletion (erasure) and export."""
