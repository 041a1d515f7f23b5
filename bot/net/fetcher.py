"""`HttpFetcher`: one shared aiohttp client that fetches feeds and pages politely and safely.

Conditional GET (ETag / If-Modified-Since), gzip/deflate (brotli when installed), redirects
followed by hand (at most `fetch.max_redirects`; a 301/308 chain sets `permanent_url`),
connect/read/total timeouts, a size cap enforced while streaming, a global concurrency limit
and a per-host limit, and an identifying User-Agent.

The address guard (`bot.core.netguard`) runs on every hop unless `fetch.allow_private_networks`,
three times: on the URL's host as aiohttp reads it (IDNA-mapped, so `127。0。0。1` is an IP
literal here too); inside the resolver, on the very addresses a host name resolves to (so a DNS
answer cannot change between the check and the connection: DNS rebinding); and in the socket
factory, on the peer address of every socket just before it connects, IP literals included
(aiohttp skips the resolver for them). The last one holds whatever spelling slips past the
first.

aiohttp rather than httpx: with 50 concurrent requests httpx.AsyncClient degraded badly while
aiohttp kept 3,000+ requests/s on one core (see benchmarks/ingest.py).
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from types import TracebackType
from urllib.parse import urljoin

import aiohttp
from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bot.config import FetchConfig
from bot.core.netguard import (
    block_reason,
    check_address,
    check_hostname,
    check_target,
    check_url,
    url_host,
)
from bot.errors import BlockedAddressError, FetchError, RetryLaterError
from bot.services.ports import FEED_ACCEPT, FetchResult

_PERMANENT = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class BlockedSocketError(OSError):
    """The socket factory refused a peer address (aiohttp wraps it in ClientConnectorError)."""


def guarded_socket(addr_info: AddrInfoType) -> socket.socket:
    """A socket for `addr_info`, unless its peer address is blocked: the check at connect time."""
    family, type_, proto, _, address = addr_info
    reason = block_reason(str(address[0]))
    if reason is not None:
        raise BlockedSocketError(f"blocked address {address[0]} ({reason})")
    return socket.socket(family=family, type=type_, proto=proto)


class GuardedResolver(AbstractResolver):
    """A resolver that refuses host names resolving to local or private addresses."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve `host`, then check every address it gave."""
        check_hostname(host)
        results = await self._inner.resolve(host, port, family)
        for result in results:
            check_address(result["host"])
        return results

    async def close(self) -> None:
        """Close the underlying resolver."""
        await self._inner.close()


class _HostLimiter:
    """One semaphore per host, dropped when nobody uses it."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, _HostSlot] = {}

    async def acquire(self, host: str) -> None:
        """Wait for one of the host's slots; pair with `release(host)`."""
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = _HostSlot(self._limit)
        slot.users += 1
        try:
            await slot.acquire()
        except BaseException:
            self._leave(host, slot)
            raise

    def release(self, host: str) -> None:
        """Give back a slot taken by `acquire(host)`."""
        slot = self._slots[host]
        slot.release()
        self._leave(host, slot)

    def _leave(self, host: str, slot: _HostSlot) -> None:
        slot.users -= 1
        if slot.users == 0:
            del self._slots[host]


class _HostSlot(asyncio.Semaphore):
    """A host's semaphore and the number of tasks holding or awaiting it."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.users = 0


class HttpFetcher:
    """Fetches URLs with one shared client; use as `async with HttpFetcher(config.fetch)`."""

    def __init__(self, config: FetchConfig, *, resolver: AbstractResolver | None = None) -> None:
        self.config = config
        self._resolver = resolver  # DNS to use (tests pass a static one); always guarded
        self._session: aiohttp.ClientSession | None = None
        self._global: asyncio.Semaphore | None = None
        self._hosts = _HostLimiter(config.per_host_concurrency)

    async def __aenter__(self) -> HttpFetcher:
        """Open the shared client."""
        self.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the shared client."""
        await self.close()

    def open(self) -> None:
        """Create the client session (inside the running event loop)."""
        cfg = self.config
        resolver = self._resolver
        guard = not cfg.allow_private_networks
        if guard:
            resolver = GuardedResolver(resolver)
        connector = aiohttp.TCPConnector(
            limit=cfg.max_concurrency,
            limit_per_host=0,
            ttl_dns_cache=60,
            resolver=resolver,
            socket_factory=guarded_socket if guard else None,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=cfg.connect_timeout_s, sock_read=cfg.read_timeout_s
            ),
            headers={"User-Agent": cfg.user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        self._global = asyncio.Semaphore(cfg.max_concurrency)

    async def close(self) -> None:
        """Close the client session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `url`, following redirects; raise `FetchError` with a short sentence on failure."""
        if self._session is None or self._global is None:
            raise RuntimeError("HttpFetcher used outside `async with`")
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            return await self._follow(url, headers)
        except TimeoutError:
            raise FetchError(_timeout_text(self.config.total_timeout_s)) from None

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        assert self._global is not None
        permanent: str | None = None
        still_permanent = True
        deadline: float | None = None
        for _hop in range(self.config.max_redirects + 1):
            host = checked_host(url, self.config.allow_private_networks)
            # The host slot first, then a global one: a queue for one busy host must not hold
            # global slots that other hosts could use. Time spent queueing is not timed.
            await self._hosts.acquire(host)
            try:
                async with self._global:
                    if deadline is None:
                        deadline = asyncio.get_running_loop().time() + self.config.total_timeout_s
                    async with asyncio.timeout_at(deadline):
                        result = await self._get(url, headers, permanent)
            finally:
                self._hosts.release(host)
            if isinstance(result, FetchResult):
                return result
            status, url = result
            still_permanent = still_permanent and status in _PERMANENT
            if still_permanent:
                permanent = url
        raise FetchError("too many redirects")

    async def _get(
        self, url: str, headers: dict[str, str], permanent: str | None
    ) -> FetchResult | tuple[int, str]:
        """One hop: a `FetchResult`, or (status, next URL) for a redirect."""
        assert self._session is not None
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as resp:
                if resp.status in _REDIRECTS and "Location" in resp.headers:
                    return resp.status, urljoin(url, resp.headers["Location"])
                return await self._result(resp, url, permanent)
        except (BlockedAddressError, FetchError):
            raise
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedSocketError):
                raise BlockedAddressError(str(exc.os_error)) from None
            raise FetchError(self._client_error_text(exc)) from None
        except aiohttp.ClientError as exc:
            raise FetchError(self._client_error_text(exc)) from None

    async def _result(
        self, resp: aiohttp.ClientResponse, url: str, permanent: str | None
    ) -> FetchResult:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        retry_value = headers.get("retry-after")
        retry_after = parse_retry_after(retry_value, datetime.now(UTC)) if retry_value else None
        if resp.status in (429, 503):
            raise RetryLaterError(
                f"HTTP {resp.status}", status=resp.status, retry_after_s=retry_after
            )
        if resp.status >= 400:
            raise FetchError(f"HTTP {resp.status}", status=resp.status)
        not_modified = resp.status == 304
        body = b"" if not_modified else await self._read_capped(resp)
        return FetchResult(
            url=url,
            status=resp.status,
            body=body,
            headers=headers,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            permanent_url=permanent,
            not_modified=not_modified,
            retry_after_s=retry_after,
            max_age_s=parse_max_age(headers.get("cache-control")),
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        """Read the (decompressed) body, stopping as soon as it passes `max_bytes`."""
        cap = self.config.max_bytes
        too_big = FetchError(f"response larger than {cap} bytes", status=resp.status)
        if resp.content_length is not None and resp.content_length > cap:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _client_error_text(self, exc: aiohttp.ClientError) -> str:
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return _timeout_text(self.config.connect_timeout_s)
        if isinstance(exc, aiohttp.SocketTimeoutError):
            return _timeout_text(self.config.read_timeout_s)
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return f"host name not found: {exc.host}"
        if isinstance(exc, aiohttp.ClientConnectorError):
            return f"cannot connect to {exc.host}:{exc.port}"
        if isinstance(exc, aiohttp.InvalidURL):
            return "not a valid URL"
        if isinstance(exc, aiohttp.ClientPayloadError):
            return "the response was cut off or badly encoded"
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            return "the server closed the connection"
        return f"HTTP request failed ({exc.__class__.__name__})"


# Every feed of a large deployment and then some: a poll walks all feeds in turn, so an LRU
# smaller than the catalogue misses on every one (at 4,096, a 10,000-feed steady poll paid the
# full check, ~30 us, per feed). About 300 bytes an entry: under 10 MB when full.
CHECKED_HOSTS = 1 << 15


@lru_cache(maxsize=CHECKED_HOSTS)
def checked_host(url: str, allow_private_networks: bool) -> str:
    """Check the URL and, for an IP literal, its address; return the host.

    A pure function of its arguments, so it is cached: steady-state polls ask about the same
    URLs again and again. Refusals raise and are never cached.
    """
    if allow_private_networks:
        check_url(url)
        return url_host(url)
    return check_target(url)


def _timeout_text(seconds: float) -> str:
    return f"timed out after {seconds:g} s"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when: datetime | None = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def parse_max_age(value: str | None) -> int | None:
    """The `max-age` of a Cache-Control header, in seconds, or None."""
    if not value:
        return None
    for part in value.split(","):
        name, _, arg = part.strip().partition("=")
        if name.lower() == "max-age" and arg.strip().strip('"').isdigit():
            return int(arg.strip().strip('"'))
    return None
