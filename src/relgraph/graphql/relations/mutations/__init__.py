"""Mutations of relations: relation types and relations, internal relations."""
