"""Imported last by the worker pool's fork server, once its preload is in: settle its heap.

The workers are forked from the fork server and share its pages until either side writes to
them. Collecting start-up's garbage, returning the free pages and freezing what is left
(`heap.freeze_long_lived`) before the first fork means the workers neither copy pages the
collector would touch nor inherit free memory. Importing this module is the whole act.
"""

from bot.proc.heap import freeze_long_lived

freeze_long_lived()
