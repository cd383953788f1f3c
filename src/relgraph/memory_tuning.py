"""Memory-allocator settings for a serving process (glibc's malloc; elsewhere nothing).

glibc gives freed memory back to the operating system as soon as more than 128 kB of it
lies free at the top of a heap, and allocates blocks of 128 kB and more with mmap, unmapped
again when freed. A compiled read on SQLite builds its answer in the database (materialised
CTEs, sorts, the JSON text: some megabytes for a neighbourhood of 400 nodes), all freed
when the statement ends; the next statement then faults each page in again. Measured on
bench/neighbourhood.py's SQLite walk: 1,600 page faults and 13.6 ms of the server's CPU a
request, against 40 and 10.4 ms with KEEP_FREE kept (the server's resident memory 7 MB larger).

So a served process keeps up to KEEP_FREE bytes free at the top of each heap, and takes
blocks below that size from its heaps too: memory a request freed serves the next one. What
stays above that is given back as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["KEEP_FREE", "keep_freed_memory"]

logger = logging.getLogger(__name__)

KEEP_FREE = 16 * 1024 * 1024
# mallopt's parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(size: int = KEEP_FREE) -> bool:
    """Let glibc's malloc keep `size` bytes freed for reuse (0: its defaults); whether it could."""
    if size <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): their own policies stand
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # Setting the first turns off glibc's own raising of the second: both are set. glibc
    # refuses an mmap threshold above 32 MB (64-bit).
    kept = mallopt(_M_TRIM_THRESHOLD, size) == 1 and mallopt(_M_MMAP_THRESHOLD, min(size, 32 << 20)) == 1
    if not kept:
        logger.debug("mallopt refused the thresholds; the allocator's defaults stand")
    return kept
