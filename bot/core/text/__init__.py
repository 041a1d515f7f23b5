"""The text stack behind summaries: extraction, sentences, language, keywords, signatures.

It imports nothing else of `bot`, so `digest-bot summarize` and the benchmarks use it alone.
"""
