"""Keep the cyclic garbage collector off the objects that live as long as the process.

A full (generation 2) collection walks every tracked object: with the modules, SQLAlchemy's
metadata and PTB loaded, the event loop stood still for about 100 ms each time, every 0.65 s
of a steady poll of 10,000 feeds (`benchmarks/scale.py`). What exists once start-up is done
lives until the process ends, so it is moved out of the collector's sight; whatever is
created later is collected as usual.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect what start-up left behind, then freeze the rest (call once, after start-up)."""
    gc.collect()
    gc.freeze()
