"""What every aggregate of the API builds on: context, errors, IDs, connections, limits, executors."""
