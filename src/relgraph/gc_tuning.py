"""Garbage-collector settings for a serving process.

A big organisation card allocates some 100,000 objects (ORM rows, GraphQL objects,
resolver frames), nearly all of which die with the request and are freed by reference
counting alone. The cyclic collector's cost is not the garbage but the live objects it
walks: a collection in the middle of a card walks the card's 50,000 live objects and
took 25 ms (bench/card.py on 100,000 organisations, issue 10). With Python's default of
a collection every 700 allocations that was ~40% of the card; every 50,000, ~15%.

So a served process, once started, moves everything it has built so far (schema, mappers,
compiled statements) out of the collector's sight with `gc.freeze()`, and collects the
young generation every `threshold` allocations (default 1,000,000: about once per 40 big
cards). Cycles are still collected; they only live longer. That is affordable because a
request frees its objects by reference counting when it ends: Context.close breaks the
one cycle that held a request's rows (loaders <-> context), which with this threshold had
kept 400 MB of finished requests waiting (tests/web/test_gc_tuning.py checks it stays broken).
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
