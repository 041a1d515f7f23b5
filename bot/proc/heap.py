"""Keep the cyclic garbage collector off the objects that live as long as the process.

A full (generation 2) collection walks every tracked object: with the modules, SQLAlchemy's
metadata and PTB loaded, the event loop stood still for about 100 ms each time, every 0.65 s
of a steady poll of 10,000 feeds (`benchmarks/scale.py`). What exists once start-up is done
lives until the process ends, so it is moved out of the collector's sight; whatever is
created later is collected as usual. Start-up's garbage also leaves free pages in the C
heap that the allocator keeps: they go back to the system (in the worker pool's fork server,
12 MB once the language model is built, which no worker then inherits).
"""

from __future__ import annotations

import gc


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's `malloc_trim`; else nothing).

    Never raises: the fork server imports this through `bot.proc.settle`, and anything but an
    ImportError there would stop it.
    """
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
        trim.argtypes = [ctypes.c_size_t]
        trim(0)
    except (ImportError, OSError, AttributeError, TypeError):  # not glibc, or no ctypes
        return


def freeze_long_lived() -> None:
    """Collect what start-up left behind, then freeze the rest (call once, after start-up)."""
    gc.collect()
    release_free_memory()
    gc.freeze()
