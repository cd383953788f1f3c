"""Mutations of memberships: add, update, end and delete; bulk relinking; new business relations."""
