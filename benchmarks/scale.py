"""The whole pipeline at scale: build, first poll, enrichment, steady poll, fan-out, digest slot.

Run (from the repository root): `.venv/bin/python benchmarks/scale.py [--full] ...`; what it
measures and its options are in `scale_stages.py`. This entry imports nothing more at its top:
each worker of the fork server runs the main script again (as `__mp_main__`), and the stages'
imports would cost every worker about 45 MB that `digest-bot`'s own small script does not.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale_stages import main

    raise SystemExit(main())
