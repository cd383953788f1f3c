"""Mutations of organisations: create and update, the hierarchy, merges."""
