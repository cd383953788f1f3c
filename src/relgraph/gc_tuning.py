"""Garbage-collector settings for a serving process.

A big organisation card allocates some 100,000 objects (ORM rows, GraphQL objects,
resolver frames), nearly all of which die with the request and are freed by reference
counting alone. With Python's default threshold of 700 allocations, the cyclic collector
ran ~130 times per card and every tenth run also walked the older generations, i.e. the
whole schema and ORM metadata: measured in-process on PostgreSQL, 40% of the card's time
went to collections that found almost nothing (bench/card.py, issue 10).

So a served process, once started, moves everything it has built so far (schema, mappers,
compiled statements) out of the collector's sight with `gc.freeze()` and collects the
young generation every `threshold` allocations instead of every 700. Cycles are still
collected; they only live a little longer.
"""

from __future__ import annotations

import gc

__all__ = ["tune_for_serving"]


def tune_for_serving(threshold: int) -> None:
    """Freeze what startup built and collect every `threshold` allocations (0: keep the default)."""
    gc.collect()
    gc.freeze()
    if threshold > 0:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(threshold, older, oldest)
