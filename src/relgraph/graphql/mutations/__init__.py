"""Mutation fields, one module per aggregate; each takes one `input` and returns a payload."""
