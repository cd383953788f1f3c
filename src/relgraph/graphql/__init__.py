"""The GraphQL API: types, queries, mutations and the per-request loaders."""
