"""Mutations of party data: addresses, contact means, bank accounts, party types, customer groups."""
