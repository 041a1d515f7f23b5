"""Imported by the worker pool's fork server: loads the text stack and its models there once.

Every worker is forked from the fork server, so the modules and models loaded here (about
130 MB: sumy, NLTK, trafilatura, the language model) are pages the workers share with it
instead of each loading its own copy. Importing this module is the warm-up; nothing else
imports it. A warm-up that fails must not take the fork server down with it (only an
ImportError is forgiven there): `warm_up()`'s failure is written to the fork server's stderr,
and each worker warms up on its own instead.
"""

import logging

from bot.services.story_work import warm_up

try:
    warm_up()
except Exception:  # the workers' own warm-up (the pool's initializer) tries again
    logging.getLogger(__name__).exception("the fork server could not warm up the models")
