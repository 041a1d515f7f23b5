"""The address guard as pure functions over addresses and URLs."""

from __future__ import annotations

import pytest

from bot.core.netguard import (
    block_reason,
    check_address,
    check_hostname,
    check_target,
    check_url,
    is_blocked_address,
    url_host,
)
from bot.errors import BlockedAddressError, FetchError
from tests.support.address_spellings import LOOPBACK_SPELLINGS, PRIVATE_SPELLINGS

BLOCKED = [
    ("127.0.0.1", "loopback"),
    ("127.1.2.3", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private network"),
    ("172.16.5.4", "private network"),
    ("192.168.1.1", "private network"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified address"),
    ("::", "unspecified address"),
    ("100.64.0.1", "shared address space"),
    ("100.127.255.254", "shared address space"),
    ("240.0.0.1", "reserved address"),
    ("255.255.255.255", "reserved address"),
    ("fc00::1", "private network"),
    ("192.0.2.1", "private network"),  # documentation (TEST-NET-1)
    ("198.18.0.1", "private network"),  # benchmarking
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.1.2.3", "private network"),
    ("64:ff9b::a00:1", "private network"),  # NAT64 of 10.0.0.1
    ("2002:a00:1::", "private network"),  # 6to4 of 10.0.0.1
    ("[::1]", "loopback"),
    ("2130706433", "loopback"),  # 127.0.0.1 written as one number
    ("0x7f.1", "loopback"),
    ("017700000001", "loopback"),
    ("10.1", "private network"),
    ("0177.0.0.1", "loopback"),
    ("192.168.257", "private network"),  # 192.168.1.1
    ("not-an-ip", "not an IP address"),
]
ALLOWED = [
    "93.184.215.14",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "134744072",  # 8.8.8.8 as one number
]


@pytest.mark.parametrize("host", ["1e100.net", "0x", "1.2.3.4.5", "08.1.1.1", "256.1.1.1", "1..2"])
def test_names_that_are_not_addresses(host: str) -> None:
    assert block_reason(host) == "not an IP address"


@pytest.mark.parametrize(("ip", "reason"), BLOCKED)
def test_blocked_addresses(ip: str, reason: str) -> None:
    assert is_blocked_address(ip)
    assert block_reason(ip) == reason


@pytest.mark.parametrize("ip", ALLOWED)
def test_public_addresses_pass(ip: str) -> None:
    assert not is_blocked_address(ip)
    check_address(ip)


def test_check_address_names_the_address_and_reason() -> None:
    with pytest.raises(
        BlockedAddressError, match=r"^blocked address 10\.0\.0\.1 \(private network\)$"
    ):
        check_address("10.0.0.1")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("http:///nohost", "no host name"),
        ("https://user:pw@example.org/", "user name or password"),
        ("http://example.org:99999/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_check_url_refuses(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_url(url)


@pytest.mark.parametrize("url", ["http://example.org/feed.xml", "https://EXAMPLE.org:8443/a?b#c"])
def test_check_url_accepts(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "db.localhost", "printer.local"])
def test_local_host_names_are_blocked(host: str) -> None:
    with pytest.raises(BlockedAddressError, match="local host name"):
        check_hostname(host)


def test_public_host_name_passes() -> None:
    check_hostname("news.example.org")


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + PRIVATE_SPELLINGS)
def test_every_spelling_of_a_local_address_is_refused(host: str) -> None:
    with pytest.raises(BlockedAddressError, match=r"^blocked address .+ \(.+\)$"):
        check_target(f"http://{host}:8080/secret")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127。0。0。1:81/x", "127.0.0.1"),
        ("http://①②⑦.0.0.1/x", "127.0.0.1"),
        ("http://ＬＯＣＡＬＨＯＳＴ./x", "localhost"),
        ("http://[::FFFF:127.0.0.1]/x", "::ffff:7f00:1"),
        ("https://Bücher.Example/x", "xn--bcher-kva.example"),
        ("https://news.example.org./x", "news.example.org"),
    ],
)
def test_url_host_reads_the_host_as_the_http_client_does(url: str, host: str) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.org/a",
        "https://bücher.example/",
        "http://8.8.8.8/",
        "http://[2606:4700:4700::1111]/",
    ],
)
def test_public_targets_pass(url: str) -> None:
    check_target(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://[::1", "not a valid URL"),
        ("https://exa\u200bmple.org/", "not a valid URL"),
        ("https://example.org/" + "a" * 2001, "longer than 2,000 characters"),
        ("https://example.org/\x00", "control characters"),
        ("https://example.org\n.evil/", "control characters"),
        ("http://%31%32%37.0.0.1/", "invalid characters"),
    ],
)
def test_malformed_urls_are_refused_with_one_sentence(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_target(url)
