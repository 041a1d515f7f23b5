"""Worker processes for CPU-bound story work, each task with a time budget (pebble)."""
