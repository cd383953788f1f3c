"""Domain rules and writes, one package per aggregate and the pieces they share; no GraphQL here."""
