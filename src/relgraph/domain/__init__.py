"""Domain rules and writes, one module per aggregate; no GraphQL here."""
