"""The pure core: feeds, text, topics, rendering and pacing as functions of their inputs.

Nothing here does I/O, reads a clock or the environment, or imports the services, the store or
an adapter (tests/test_layers.py checks it).
"""
