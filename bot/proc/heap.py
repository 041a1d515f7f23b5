"""Keep the cyclic garbage collector off the objects that live as long as the process.

A full (generation 2) collection walks every tracked object: with the modules, SQLAlchemy's
metadata and PTB loaded, the event loop stood still for about 100 ms each time, every 0.65 s
of a steady poll of 10,000 feeds (`benchmarks/scale.py`). What exists once start-up is done
lives until the process ends, so it is moved out of the collector's sight; whatever is
created later is collected as usual. Start-up's garbage also leaves the C heap with free
pages the allocator keeps (12 MB after the language model is built): they go back to the
system, so neither this process nor the workers forked from it carry them.
"""

from __future__ import annotations

import ctypes
import gc


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's `malloc_trim`; else nothing)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: its allocator keeps what it keeps
        return
    trim(0)


def freeze_long_lived() -> None:
    """Collect what start-up left behind, then freeze the rest (call once, after start-up)."""
    gc.collect()
    release_free_memory()
    gc.freeze()
