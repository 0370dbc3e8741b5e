"""
Who one client is, for nginx's limit on what reaches the app (deploy/stack.py).

nginx's maps are tried here as nginx tries them: the first regular expression
that matches, its captures put into the value. The stack tests prove the limit
itself; these prove that one IPv6 machine, which has a whole /64 to choose
addresses from, is one client, however nginx writes its address.
"""

import ipaddress
import re

import pytest

from deploy.stack import client_address_map, ipv6_network_map


def mapped(entries: str, value: str, default: str) -> str:
    """What an nginx map of these entries gives ``value``."""
    for pattern, result in re.findall(r'"~(.*)" (\S+);', entries):
        if match := re.search(pattern.replace("(?<", "(?P<"), value):
            return re.sub(r"\$(\w+)", lambda name: match.group(to_group(name[1])), result)
    return default


def to_group(name: str) -> int | str:
    return int(name) if name.isdigit() else name


def nginx_text(address: str) -> str:
    """An address as nginx writes it: lowercase, no leading zeros, the longest zero run as ::."""
    return ipaddress.ip_address(address).compressed


def network(address: str) -> str:
    return mapped(ipv6_network_map(), nginx_text(address), nginx_text(address))


@pytest.mark.parametrize(
    "prefix",
    ["2001:db8:1:2", "2001:db8:0:0", "0:0:0:0", "2001:0:0:1", "fe80:0:0:0", "2a01:e0a:2c4:b150"],
)
def test_every_address_of_one_64_is_one_client(prefix):
    """Whatever the last 64 bits, and however nginx compresses the zeros, one key: the prefix."""
    ids = ["0:0:0:1", "0:0:0:0", "1:2:3:4", "0:0:1:0", "ffff:0:0:ffff", "0:1:0:0", "1:0:0:0"]
    keys = {network(f"{prefix}:{tail}") for tail in ids}
    assert keys == {":".join(f"{int(group, 16):x}" for group in prefix.split(":"))}


def test_two_networks_are_two_clients():
    assert network("2001:db8:1:2::5") != network("2001:db8:1:3::5")
    assert network("2001:db8::1") != network("2001:db9::1")


def test_an_ipv4_client_is_its_address():
    assert network("203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (2, "198.51.100.4", "198.51.100.4"),
        (2, "10.0.0.1, 198.51.100.4", "198.51.100.4"),
        (3, "10.0.0.1, 198.51.100.4, 192.0.2.9", "198.51.100.4"),
        (3, "198.51.100.4", "unix:"),
    ],
)
def test_behind_other_proxies_the_client_is_the_one_the_app_takes(proxies, forwarded, client):
    """The entry the app reads (comments/client.py) once nginx has appended its own."""
    assert mapped(client_address_map(proxies), forwarded, "unix:") == client
    assert "$remote_addr" in client_address_map(1)
