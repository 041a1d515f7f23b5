"""Spellings of local addresses an attacker may put in a URL's host (all must be refused).

Each `{port}`-free host here names this machine or a private network once the HTTP client
(yarl's IDNA/UTS-46 mapping, then the C resolver's inet_aton rules) has read it.
"""

from __future__ import annotations

# Hosts that reach 127.0.0.1 (or 0.0.0.0, which Linux routes to it) when connected to.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127。0。0。1",  # ideographic full stop
    "127．0．0．1",  # fullwidth full stop
    "127｡0｡0｡1",  # halfwidth ideographic full stop
    "①②⑦.0.0.1",  # circled digits
    "１２７.０.０.１",  # fullwidth digits
    "𝟏𝟐𝟕.0.0.1",  # mathematical bold digits
    "127.0.0.1.",  # trailing dot
    "127.0.0.1。",  # trailing ideographic full stop
    "127.1",
    "127.0.1",
    "2130706433",  # one decimal number
    "0x7f000001",
    "0x7f.0.0.1",
    "0x7F.1",
    "0177.0.0.1",  # octal
    "0177.0.0.01",
    "017700000001",
    "0000177.0.0.1",
    "127.000.000.001",
    "⁰.⁰.⁰.⁰",  # superscript zeros: 0.0.0.0
    "0.0.0.0",
    "0",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::1]",
    "[0::1]",
    "[0000:0000:0000:0000:0000:0000:0000:0001]",
    "[::]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::7f00:1]",  # NAT64
    "[2002:7f00:1::]",  # 6to4
    "localhost",
    "LOCALHOST",
    "localhost.",
    "ＬＯＣＡＬＨＯＳＴ",  # fullwidth letters
    "ⓛⓞⓒⓐⓛⓗⓞⓢⓣ",  # circled letters
    "ⅼocalhost",  # small roman numeral fifty
    "lOcAlHoSt",
    "foo.localhost",
    "printer.local",
    "db.internal",
]

# Hosts in other blocked ranges (never connected to: the guard refuses them first).
PRIVATE_SPELLINGS = [
    "169。254。169。254",
    "169.254.169.254",
    "0xa9fea9fe",  # 169.254.169.254
    "2852039166",
    "10。0。0。1",
    "１０.0.0.1",
    "10.1",
    "012.0.0.1",  # octal 10.0.0.1
    "192.168.257",
    "172.16.0.1",
    "100.64.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:a9fe:a9fe]",
    "224.0.0.1",
    "255.255.255.255",
]
