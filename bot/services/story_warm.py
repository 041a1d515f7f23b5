"""Imported by the worker pool's fork server: loads the text stack and its models there once.

Every worker is forked from the fork server, so the modules and models loaded here (about
150 MB: sumy, NLTK, trafilatura, the language model) are pages the workers share with it
instead of each loading its own copy. Importing this module is the warm-up; nothing else
imports it.
"""

import gc

from bot.services.story_work import warm_up

warm_up()
gc.freeze()  # the collector in the workers never walks (and so never copies) these objects
