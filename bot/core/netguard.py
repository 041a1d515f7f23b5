"""Which addresses and URLs the bot may fetch: a pure guard against server-side request forgery.

URLs come from chats, so they are untrusted. Only http and https are allowed, and every address
a URL resolves to (on every redirect hop) must be a public unicast address: not loopback,
private, link-local, multicast, reserved, unspecified, shared (CGNAT 100.64/10), documentation
or benchmarking space, nor an IPv6 form that embeds one of those (IPv4-mapped, 6to4, NAT64,
Teredo). `bot.net.fetcher` calls these functions; they never touch the network.

The host is read exactly as the HTTP client reads it (`url_host`: yarl's IDNA/UTS-46 mapping),
not as `urllib` does: `127。0。0。1`, `１２７.0.0.1` and `①②⑦.0.0.1` are `127.0.0.1` to aiohttp,
which then connects without asking the resolver. `check_target` is the one check of a URL's
host; `bot.net.fetcher` also checks every socket's peer address just before it connects.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from yarl import URL

from bot.errors import BlockedAddressError, FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_BLOCKED_HOSTNAMES = ("localhost", ".localhost", ".local", ".internal", ".localdomain")
MAX_URL_CHARS = 2000
# Checked on every fetch: a regular expression, not a generator over the characters, which
# was a tenth of a 304 poll's CPU.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")  # what str.isspace() calls space, Unicode spaces included


def parse_address(ip: str) -> IPAddress | None:
    """The address `ip` names (IPv6 zone ids dropped), or None if it is not an IP literal."""
    text = ip.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    value = _legacy_ipv4(text)
    return ipaddress.IPv4Address(value) if value is not None else None


def _legacy_ipv4(text: str) -> int | None:
    """Read the IPv4 forms the C resolver (inet_aton) accepts: 2130706433, 0x7f.1, 0177.1."""
    parts = text.split(".")
    if not text or not text[0].isdigit() or len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:], 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (24 - 8 * i)
    return value


def block_reason(ip: str) -> str | None:
    """Why `ip` must not be fetched ("private network", ...), or None when it is public."""
    address = parse_address(ip)
    if address is None:
        return "not an IP address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return block_reason(str(embedded))
    return _reason(address)


def is_blocked_address(ip: str) -> bool:
    """True when `ip` is loopback, private, link-local, multicast, reserved or otherwise local."""
    return block_reason(ip) is not None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4, NAT64 or Teredo IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # IPv4-compatible (deprecated ::a.b.c.d), excluding :: and ::1 handled below.
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def _reason(address: IPAddress) -> str | None:
    checks = (
        (address.is_unspecified, "unspecified address"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "shared address space"),
        (address.is_reserved, "reserved address"),
        (address.is_private, "private network"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (not address.is_global, "not a public address"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


def check_address(ip: str) -> None:
    """Raise `BlockedAddressError` ("blocked address 10.0.0.1 (private network)") if needed."""
    reason = block_reason(ip)
    if reason is not None:
        raise BlockedAddressError(f"blocked address {ip} ({reason})")


def url_host(url: str) -> str:
    """The host `url` connects to, as aiohttp reads it: IDNA-mapped, no brackets, no final dot.

    Raises `FetchError` for a URL the HTTP client could not use either.
    """
    try:
        host = URL(url).raw_host
    except (ValueError, TypeError, UnicodeError):
        raise FetchError("not a valid URL") from None
    return (host or "").strip("[]").rstrip(".").lower()


def check_url(url: str) -> None:
    """Raise `FetchError` unless `url` is an http(s) URL with a sane host and port."""
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"the URL is longer than {MAX_URL_CHARS:,} characters")
    if _CONTROL_CHARS.search(url):
        raise FetchError("the URL contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError("not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError("only http:// and https:// URLs can be fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError("the URL has no host name")
    if parts.username is not None or parts.password is not None:
        raise FetchError("URLs with a user name or password are not fetched")
    if port == 0:
        raise FetchError("the URL has an invalid port")
    if _SPACE.search(host) or ("%" in host and ":" not in host):
        raise FetchError("the URL host contains invalid characters")
    if not url_host(url):
        raise FetchError("the URL has no host name")


def check_target(url: str) -> str:
    """Check `url` and the host it connects to (an address or a local name); return the host.

    Host names that are not addresses are checked again, on what they resolve to, by the
    fetcher's resolver.
    """
    check_url(url)
    host = url_host(url)
    if parse_address(host) is not None:
        check_address(host)
    else:
        check_hostname(host)
    return host


def check_hostname(host: str) -> None:
    """Refuse host names that only ever mean this machine or its network ("localhost", ...)."""
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(_BLOCKED_HOSTNAMES[1:]):
        raise BlockedAddressError(f"blocked address {name} (local host name)")
