"""HttpFetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import zlib
from dataclasses import replace

import aiohttp
import pytest
from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import FetchConfig
from bot.errors import BlockedAddressError, FetchError, RetryLaterError
from bot.net.fetcher import BlockedSocketError, HttpFetcher, guarded_socket, parse_max_age
from bot.services.ports import HTML_ACCEPT
from tests.support.address_spellings import LOOPBACK_SPELLINGS
from tests.support.feed_server import FeedServer, loopback_answer
from tests.support.listener import CountingListener

CONFIG = FetchConfig(
    allow_private_networks=True, read_timeout_s=1.0, connect_timeout_s=1.0, total_timeout_s=5.0
)


async def test_fetch_ok_returns_body_validators_and_sends_user_agent(
    feed_server: FeedServer,
) -> None:
    url = feed_server.url_for("/feeds/rss20.xml")
    async with HttpFetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.body.startswith(b"<?xml")
    assert result.url == url
    assert result.etag is not None
    assert result.etag.startswith('"')
    assert result.headers["content-type"] == "application/xml"
    assert result.permanent_url is None
    assert not result.not_modified
    sent = feed_server.headers_of("/feeds/rss20.xml")[0]
    assert sent["user-agent"] == CONFIG.user_agent
    assert "application/rss+xml" in sent["accept"]
    assert "gzip" in sent["accept-encoding"]


async def test_conditional_get_with_etag_gives_304(feed_server: FeedServer) -> None:
    url = feed_server.url_for("/feeds/atom10.xml")
    async with HttpFetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url, etag=first.etag)
    assert second.not_modified
    assert second.status == 304
    assert second.body == b""
    assert feed_server.headers_of("/feeds/atom10.xml")[1]["if-none-match"] == first.etag


async def test_conditional_get_with_last_modified(feed_server: FeedServer) -> None:
    stamp = "Wed, 25 Nov 2026 07:00:00 GMT"
    url = feed_server.add("/lm.xml", b"<rss/>", etag=None, last_modified=stamp)
    async with HttpFetcher(CONFIG) as fetcher:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url, last_modified=first.last_modified)
    assert first.last_modified == stamp
    assert second.not_modified


@pytest.mark.parametrize(
    ("encoding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress)]
)
async def test_compressed_bodies_are_decoded(
    feed_server: FeedServer, encoding: str, compress: object
) -> None:
    body = b"<rss>" + b"news " * 1000 + b"</rss>"
    url = feed_server.add("/z.xml", compress(body), headers={"Content-Encoding": encoding})  # type: ignore[operator]
    async with HttpFetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url)
    assert result.body == body


@pytest.mark.parametrize(
    ("code", "permanent"), [(301, True), (308, True), (302, False), (307, False)]
)
async def test_redirects(feed_server: FeedServer, code: int, permanent: bool) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(feed_server.url_for(f"/redirect/{code}"))
    target = feed_server.url_for("/feeds/rss20.xml")
    assert result.url == target
    assert result.permanent_url == (target if permanent else None)


async def test_permanent_then_temporary_redirect_keeps_the_permanent_hop(
    feed_server: FeedServer,
) -> None:
    feed_server.redirect("/moved", "/redirect/302", 301)
    async with HttpFetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(feed_server.url_for("/moved"))
    assert result.permanent_url == feed_server.url_for("/redirect/302")
    assert result.url == feed_server.url_for("/feeds/rss20.xml")


async def test_redirect_loop_is_cut(feed_server: FeedServer) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match=r"^too many redirects$"):
            await fetcher.fetch(feed_server.url_for("/redirect/loop"))
    assert feed_server.count("/redirect/loop") == CONFIG.max_redirects + 1


async def test_redirect_to_another_scheme_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.redirect("/to-file", "file:///etc/passwd", 302)
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match="only http"):
            await fetcher.fetch(url)


async def test_slow_response_times_out(feed_server: FeedServer) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match=r"^timed out after 1 s$"):
            await fetcher.fetch(feed_server.url_for("/slow"))


async def test_total_timeout(feed_server: FeedServer) -> None:
    config = replace(CONFIG, read_timeout_s=10.0, total_timeout_s=0.5)
    async with HttpFetcher(config) as fetcher:
        with pytest.raises(FetchError, match=r"^timed out after 0\.5 s$"):
            await fetcher.fetch(feed_server.url_for("/slow"))


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
async def test_oversize_body_is_refused(feed_server: FeedServer, path: str) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match=r"^response larger than 5000000 bytes$"):
            await fetcher.fetch(feed_server.url_for(path))


async def test_decompressed_size_is_capped(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"a" * 2_000_000)
    url = feed_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"}, chunked=True)
    config = replace(CONFIG, max_bytes=1_000_000)
    async with HttpFetcher(config) as fetcher:
        with pytest.raises(FetchError, match=r"^response larger than 1000000 bytes$"):
            await fetcher.fetch(url)


@pytest.mark.parametrize("code", [404, 410, 500])
async def test_error_statuses(feed_server: FeedServer, code: int) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match=f"^HTTP {code}$") as info:
            await fetcher.fetch(feed_server.url_for(f"/status/{code}"))
    assert info.value.status == code


@pytest.mark.parametrize(("code", "seconds"), [(429, 120.0), (503, 30.0)])
async def test_retry_after(feed_server: FeedServer, code: int, seconds: float) -> None:
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(RetryLaterError) as info:
            await fetcher.fetch(feed_server.url_for(f"/status/{code}"))
    assert info.value.status == code
    assert info.value.retry_after_s == seconds


async def test_cache_control_max_age_and_accept(feed_server: FeedServer) -> None:
    url = feed_server.add(
        "/page",
        "<html></html>",
        content_type="text/html",
        headers={"Cache-Control": "public, max-age=900"},
    )
    async with HttpFetcher(CONFIG) as fetcher:
        result = await fetcher.fetch(url, accept=HTML_ACCEPT)
    assert result.max_age_s == 900
    assert feed_server.headers_of("/page")[0]["accept"] == HTML_ACCEPT


def test_parse_max_age() -> None:
    assert parse_max_age('no-cache, max-age="60"') == 60
    assert parse_max_age("no-store") is None
    assert parse_max_age(None) is None


async def test_connection_refused_is_a_short_sentence() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with HttpFetcher(CONFIG) as fetcher:
        with pytest.raises(FetchError, match=f"^cannot connect to 127.0.0.1:{port}$"):
            await fetcher.fetch(f"http://127.0.0.1:{port}/feed")


async def test_guard_blocks_loopback_literal_before_connecting(feed_server: FeedServer) -> None:
    config = replace(CONFIG, allow_private_networks=False)
    async with HttpFetcher(config) as fetcher:
        with pytest.raises(
            BlockedAddressError, match=r"^blocked address 127\.0\.0\.1 \(loopback\)$"
        ):
            await fetcher.fetch(feed_server.url_for("/feeds/rss20.xml"))
    assert feed_server.count("/feeds/rss20.xml") == 0


async def test_guard_blocks_localhost_name(feed_server: FeedServer) -> None:
    config = replace(CONFIG, allow_private_networks=False)
    async with HttpFetcher(config) as fetcher:
        with pytest.raises(BlockedAddressError, match="localhost"):
            await fetcher.fetch(f"http://localhost:{feed_server.port}/feeds/rss20.xml")
    assert feed_server.count("/feeds/rss20.xml") == 0


class StaticResolver(AbstractResolver):
    """A DNS that answers every name with 127.0.0.1 (no traffic leaves the machine)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return loopback_answer(host, port)

    async def close(self) -> None:
        return None


async def test_guard_checks_resolved_addresses_of_host_names(feed_server: FeedServer) -> None:
    config = replace(CONFIG, allow_private_networks=False)
    url = f"http://news.example.test:{feed_server.port}/feeds/rss20.xml"
    async with HttpFetcher(config, resolver=StaticResolver()) as fetcher:
        with pytest.raises(
            BlockedAddressError, match=r"^blocked address 127\.0\.0\.1 \(loopback\)$"
        ):
            await fetcher.fetch(url)
    assert feed_server.count("/feeds/rss20.xml") == 0


async def test_host_names_resolve_through_the_given_dns_when_allowed(
    feed_server: FeedServer,
) -> None:
    url = f"http://news.example.test:{feed_server.port}/feeds/rss20.xml"
    async with HttpFetcher(CONFIG, resolver=StaticResolver()) as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == 200
    assert feed_server.headers_of("/feeds/rss20.xml")[0]["host"].startswith("news.example.test")


@pytest.mark.parametrize(
    ("global_limit", "per_host", "expected"), [(20, 1, 1), (20, 3, 3), (2, 5, 2)]
)
async def test_concurrency_limits(
    feed_server: FeedServer, global_limit: int, per_host: int, expected: int
) -> None:
    url = feed_server.add("/wait", b"<rss/>", delay_s=0.2)
    config = replace(CONFIG, max_concurrency=global_limit, per_host_concurrency=per_host)
    async with HttpFetcher(config) as fetcher:
        await asyncio.gather(*(fetcher.fetch(url) for _ in range(4)))
    assert feed_server.max_in_flight == expected


GUARDED = replace(CONFIG, allow_private_networks=False)


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_no_spelling_of_loopback_makes_a_connection(host: str) -> None:
    with CountingListener() as listener:
        async with HttpFetcher(GUARDED, resolver=StaticResolver()) as fetcher:
            with pytest.raises(BlockedAddressError, match=r"^blocked address "):
                await fetcher.fetch(f"http://{host}:{listener.port}/secret")
        assert listener.connections() == 0


async def test_socket_factory_refuses_a_blocked_peer_whatever_the_url_said() -> None:
    """The connect-time check alone: a session that skips the URL check still cannot connect."""
    with CountingListener() as listener:
        connector = aiohttp.TCPConnector(socket_factory=guarded_socket)
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(aiohttp.ClientConnectorError) as caught:
                await session.get(f"http://127.0.0.1:{listener.port}/secret")
        assert isinstance(caught.value.os_error, BlockedSocketError)
        assert str(caught.value.os_error) == "blocked address 127.0.0.1 (loopback)"
        assert listener.connections() == 0


@pytest.mark.parametrize(
    "addr_info",
    [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:127.0.0.1", 80, 0, 0)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1%1", 80, 0, 1)),
    ],
)
def test_guarded_socket_refuses_blocked_peers(addr_info: AddrInfoType) -> None:
    with pytest.raises(BlockedSocketError, match="blocked address"):
        guarded_socket(addr_info)


def test_guarded_socket_opens_for_public_peers() -> None:
    sock = guarded_socket((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 80)))
    sock.close()  # never connected


_HOST_CHARS = st.sampled_from(
    list("0123456789abcdefxlocalhostABCDEFX.:[]%@")
    + list("。．｡①②⑦０１２７⁰¹²⁷𝟎𝟏𝟐𝟕ⓛⓞⓒⓐⓗⓢⓣＬＯＣＡＨＳＴⅼ\u00ad\u200b\u2024\ufe52")
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(host=st.text(_HOST_CHARS, min_size=1, max_size=24) | st.text(min_size=1, max_size=12))
def test_random_unicode_hosts_never_reach_a_blocked_address(host: str) -> None:
    """Any host, resolved by a DNS that says 127.0.0.1 for every name, makes no connection."""

    async def attempt(port: int) -> None:
        async with HttpFetcher(GUARDED, resolver=StaticResolver()) as fetcher:
            with contextlib.suppress(FetchError):
                await fetcher.fetch(f"http://{host}:{port}/secret")

    with CountingListener() as listener:
        asyncio.run(attempt(listener.port))
        assert listener.connections() == 0
