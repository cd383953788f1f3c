"""Compiled reads: a read operation the compiler knows, answered by one SQL statement per
request that builds the response's JSON in the database (see the README, "Two execution
paths"). Everything else is answered by the resolvers."""

from relgraph.graphql.compiled.execution import CompiledReads

__all__ = ["CompiledReads"]
