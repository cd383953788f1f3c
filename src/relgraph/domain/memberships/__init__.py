"""Memberships (persoon in organisatie): who works where; business relations; bulk relinking."""
