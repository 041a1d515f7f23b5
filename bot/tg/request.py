"""`AiohttpRequest`: PTB's `BaseRequest` on aiohttp, the Bot API client of the running bot.

Why not PTB's `HTTPXRequest`: httpcore's connection pool scans every connection for every
queued request (and, past 20 connections, every connection for every idle one): with 30-100
sends in flight a message costs 2.5-5 ms of CPU, 7.5-13.6 ms in issue 19's profile. aiohttp takes
a free connection off a per-host list: 0.4-0.7 ms a message, PTB included, within 0.1-0.4 ms of
a bare aiohttp loop (`benchmarks/sends.py`).

What PTB expects of a request class, kept here:

- the timeouts: `pool_timeout` is the wait for a free connection (our own semaphore, so a
  pool timeout says the message was *not* sent, as PTB's does); `connect_timeout` bounds the
  TCP and TLS connect; `read_timeout` the wait between reads of the answer; aiohttp has no
  write timeout, so the request after its connection is found is bounded by connect + write +
  read (for the small bodies of the Bot API the write is one socket send);
- errors: every timeout becomes `TimedOut`, every other transport error `NetworkError`;
  `RetryAfter`, `Forbidden`, `BadRequest` and `ChatMigrated` are PTB's, read from the answer;
- multipart uploads (`RequestData.multipart_data`), with `media_write_timeout` for them.

The token is in every Bot API URL, and aiohttp puts the URL into some error texts
("Connection timeout to host http://.../bot<token>/sendMessage"): errors are re-raised with
the URL's path redacted and without the aiohttp exception chained, so neither a log line nor a
traceback carries it. Requests go only to the origin of the configured `api_url`, without
redirects, proxies from the environment or cookies.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.types import ODVInput  # what BaseRequest.do_request is declared with
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.config import TelegramConfig

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
POOL_TIMEOUT = (
    "Pool timeout: all {n} connections to the Bot API are busy; the request was *not* sent"
)


def _total(*parts: float | None) -> float | None:
    """The sum of the timeouts, or None (no limit) if any of them is None."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased (what requests may go to)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def redact(text: str, url: str) -> str:
    """`text` without the URL's path (`/bot<token>/<method>` becomes `/bot…/<method>`)."""
    path = urlsplit(url).path
    method = path.rsplit("/", 1)[-1]
    return text.replace(path, f"/bot…/{method}") if path else text


class AiohttpRequest(BaseRequest):
    """A Bot API client on one aiohttp session with at most `connection_pool_size`
    connections; timeouts in seconds, as PTB's `HTTPXRequest` takes them."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_origin",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        api_url: str,
        *,
        connection_pool_size: int = 32,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._origin = origin(api_url)
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to getUpdates' long-poll timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again after a shutdown)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, ttl_dns_cache=300, force_close=False
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close the session and its connections (idempotent)."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request; return the HTTP status and the body (PTB parses it)."""
        if self._session is None or self._pool is None:
            raise RuntimeError("this AiohttpRequest is not initialized")
        if origin(url) != self._origin:
            raise NetworkError(f"refusing a request outside telegram.api_url: {origin(url)}")
        body, headers = _body(request_data)
        uploading = isinstance(body, aiohttp.FormData)
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        write = _given(
            write_timeout, self._media_write_timeout if uploading else self._write_timeout
        )
        timeout = aiohttp.ClientTimeout(
            total=_total(connect, write, read), sock_connect=connect, sock_read=read
        )
        try:
            async with (
                self._connection(pool),
                self._session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    allow_redirects=False,
                ) as response,
            ):
                return response.status, await response.read()
        except TimedOut:
            raise
        except TimeoutError:  # aiohttp's ServerTimeoutError is one too
            raise TimedOut from None
        except aiohttp.ClientError as exc:
            text = redact(f"aiohttp.{type(exc).__name__}: {exc}", url)
            raise NetworkError(text) from None
        except OSError as exc:
            raise NetworkError(redact(f"{type(exc).__name__}: {exc}", url)) from None

    @contextlib.asynccontextmanager
    async def _connection(self, pool_timeout: float | None) -> AsyncIterator[None]:
        """Hold one of the pool's places, waiting at most `pool_timeout` for it."""
        assert self._pool is not None
        try:
            async with asyncio.timeout(pool_timeout):
                await self._pool.acquire()
        except TimeoutError:
            raise TimedOut(POOL_TIMEOUT.format(n=self._pool_size)) from None
        try:
            yield
        finally:
            self._pool.release()


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout passed to one call, else this request's default."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


def _body(
    request_data: RequestData | None,
) -> tuple[bytes | aiohttp.FormData | None, dict[str, str] | None]:
    """A url-encoded form (what PTB's `HTTPXRequest` sends), or multipart with the files."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        return request_data.url_encoded_parameters().encode(), _FORM
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None


def bot_api_request(config: TelegramConfig, *, long_poll_s: float = 0.0) -> AiohttpRequest:
    """The request for the bot's calls (`config.connections` at once), or with `long_poll_s`
    for getUpdates: one connection whose reads wait that much longer."""
    timeout = config.request_timeout_s
    return AiohttpRequest(
        config.api_url,
        connection_pool_size=1 if long_poll_s else config.connections,
        read_timeout=timeout + long_poll_s,
        write_timeout=timeout,
        connect_timeout=timeout,
        media_write_timeout=timeout,
    )
