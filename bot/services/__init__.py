"""The use cases: polling, enrichment, matching, delivery and what commands do.

Services call the core and the store, and reach the outside only through `ports`; they never
import `bot.net`, `bot.tg`, `bot.proc` or `bot.cli`.
"""
