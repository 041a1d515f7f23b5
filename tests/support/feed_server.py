"""A real HTTP server on 127.0.0.1 (port 0, in a thread) serving feeds and scripted behaviours.

Usage (a test module's fixture is `with serve_feeds() as server: yield server`)::

    with serve_feeds() as server:              # FeedServer() plus the scripted routes
        url = server.add("/a.xml", RSS_BYTES)  # 200, with an ETag; returns the full URL
        server.url_for("/feeds/rss20.xml")    # files under tests/data/feeds/ are served as-is
        server.count("/a.xml")                # how many requests reached that path

`server.add(path, body, *, status=200, headers=None, content_type=..., etag=True,
last_modified=None, delay_s=0.0, chunked=False)` adds or replaces a route at run time:

- `etag=True` derives an ETag from the body (`etag="..."` sets one, `etag=None` sends none);
  a request whose If-None-Match / If-Modified-Since matches gets 304 with no body.
- `delay_s` sleeps before answering (for timeouts); `chunked=True` streams the body with
  chunked transfer encoding and no Content-Length (for the size cap while streaming).
- `server.redirect(path, target, status=301)` answers with a redirect to `target` (a path or
  a full URL). `server.remove(path)` makes the path 404 again.

Files of `tests/data/feeds/` are served under `/feeds/<name>`, and article pages of
`tests/data/articles/` under `/articles/<name>`, with an ETag and a content type guessed from
the extension, so `server.url_for("/feeds/atom10.xml")` works at once.
`server.requests` lists `(path, headers)` of every request, in order; `server.max_in_flight`
is the most requests it was ever answering at once (for concurrency limits).
Ready-made scripted routes (added by `add_scripted_routes`): `/status/404`, `/status/410`,
`/status/500`, `/status/429` (Retry-After: 120), `/status/503` (Retry-After: 30), `/slow`
(answers after 3 s), `/big` (6 MB, with Content-Length), `/big-chunked` (6 MB, streamed),
`/redirect/301|302|307|308` (to `/feeds/rss20.xml`), `/redirect/loop`.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from aiohttp.abc import AbstractResolver, ResolveResult

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "feeds"
ARTICLES_DIR = DATA_DIR.parent / "articles"
_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".rdf": "application/rdf+xml",
}


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay_s: float = 0.0
    chunked: bool = False


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 with routes that tests add at run time."""

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._times: dict[str, list[float]] = {}  # path → monotonic time of each request
        self._counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests ever being answered at the same time
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._load_files(data_dir, "/feeds")
        self._load_files(ARTICLES_DIR, "/articles")

    def __enter__(self) -> FeedServer:
        """Start serving."""
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop serving."""
        self.close()

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def close(self) -> None:
        """Stop the server and close its socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def url_for(self, path: str) -> str:
        """The full URL of `path`."""
        return self.url + path

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/rss+xml",
        etag: str | bool | None = True,
        last_modified: str | None = None,
        delay_s: float = 0.0,
        chunked: bool = False,
    ) -> str:
        """Add or replace the route at `path`; return its full URL."""
        data = body.encode() if isinstance(body, str) else body
        if etag is True:
            etag = '"' + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16] + '"'
        all_headers = {"Content-Type": content_type, **(headers or {})}
        route = Route(data, status, all_headers, etag or None, last_modified, delay_s, chunked)
        with self._lock:
            self.routes[path] = route
        return self.url_for(path)

    def redirect(self, path: str, target: str, status: int = 301) -> str:
        """Make `path` redirect to `target` (a path or a URL); return the full URL of `path`."""
        return self.add(path, b"", status=status, headers={"Location": target}, etag=None)

    def remove(self, path: str) -> None:
        """Forget the route at `path` (it answers 404 afterwards)."""
        with self._lock:
            self.routes.pop(path, None)

    def count(self, path: str) -> int:
        """How many requests reached `path`."""
        with self._lock:
            return self._counts[path]

    def times_of(self, path: str) -> list[float]:
        """When each request to `path` arrived (`time.monotonic()`), oldest first."""
        with self._lock:
            return list(self._times.get(path, []))

    def headers_of(self, path: str) -> list[dict[str, str]]:
        """The headers of each request to `path`, oldest first."""
        with self._lock:
            return [h for p, h in self.requests if p == path]

    def add_scripted_routes(self) -> None:
        """Add the ready-made routes listed in the module docstring."""
        for code in (404, 410, 500):
            self.add(f"/status/{code}", f"status {code}", status=code, etag=None)
        self.add("/status/429", "slow down", status=429, headers={"Retry-After": "120"})
        self.add("/status/503", "busy", status=503, headers={"Retry-After": "30"})
        self.add("/slow", self.routes["/feeds/rss20.xml"].body, delay_s=3.0)
        self.add("/big", b"<rss>" + b"x" * 6_000_000)
        self.add("/big-chunked", b"<rss>" + b"x" * 6_000_000, chunked=True)
        for code in (301, 302, 307, 308):
            self.redirect(f"/redirect/{code}", "/feeds/rss20.xml", code)
        self.redirect("/redirect/loop", "/redirect/loop", 302)

    def _load_files(self, data_dir: Path, prefix: str) -> None:
        if not data_dir.is_dir():
            return
        for file in sorted(data_dir.iterdir()):
            if file.is_file():
                kind = _TYPES.get(file.suffix, "application/octet-stream")
                self.add(f"{prefix}/{file.name}", file.read_bytes(), content_type=kind)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _lookup(self, path: str, headers: dict[str, str]) -> Route | None:
        with self._lock:
            self.requests.append((path, headers))
            self._times.setdefault(path, []).append(time.monotonic())
            self._counts[path] += 1
            return self.routes.get(path)


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server._enter()
            try:
                self._answer()
            finally:
                server._leave()

        def _answer(self) -> None:
            path = self.path.split("?", 1)[0]
            route = server._lookup(path, {k.lower(): v for k, v in self.headers.items()})
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            if route.delay_s:
                time.sleep(route.delay_s)
            if route.status == 200 and self._not_modified(route):
                self._send(304, self._validators(route), b"")
                return
            headers = {**route.headers, **self._validators(route)}
            if route.chunked:
                self._send_chunked(route.status, headers, route.body)
            else:
                self._send(route.status, headers, route.body)

        def _not_modified(self, route: Route) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm and route.etag:
                return route.etag in [t.strip() for t in inm.split(",")]
            ims = self.headers.get("If-Modified-Since")
            return bool(ims and route.last_modified and ims == route.last_modified)

        def _validators(self, route: Route) -> dict[str, str]:
            found = {"ETag": route.etag, "Last-Modified": route.last_modified}
            return {k: v for k, v in found.items() if v}

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send_chunked(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for start in range(0, len(body), 65536):
                    chunk = body[start : start + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def serve_feeds() -> Iterator[FeedServer]:
    """A started `FeedServer` with the scripted routes, closed on exit."""
    with FeedServer() as server:
        server.add_scripted_routes()
        yield server


class LoopbackOnlyResolver(AbstractResolver):
    """An aiohttp resolver that answers only `localhost`, so a test can never reach the Internet.

    Pass it as `HttpFetcher(config, resolver=LoopbackOnlyResolver())`: a stray host name
    (say, a fixture item linking to example.org) fails as "host name not found" instead of
    sending a DNS query.
    """

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """127.0.0.1 for localhost; an error for every other name."""
        if host.rstrip(".").lower() != "localhost":
            raise OSError(f"test resolver refuses {host!r}")
        return loopback_answer(host, port)

    async def close(self) -> None:
        """Nothing to close."""


def loopback_answer(host: str, port: int) -> list[ResolveResult]:
    """A resolver's answer that `host` is 127.0.0.1."""
    return [
        ResolveResult(
            hostname=host,
            host="127.0.0.1",
            port=port,
            family=socket.AF_INET,
            proto=0,
            flags=socket.AI_NUMERICHOST,
        )
    ]
