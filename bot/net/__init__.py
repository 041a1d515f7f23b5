"""HTTP in and out, on aiohttp: the guarded fetcher and the health endpoint."""
