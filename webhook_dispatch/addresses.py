"""Where a webhook may be sent. Clients choose their URLs, so without this check a URL could make our
workers POST to the machine itself, the private network or a cloud metadata service (SSRF).

A host is resolved and every address it resolves to is checked; one refused address refuses the host,
because an attacker who controls DNS could otherwise mix a public address with a private one.
transport.py then connects only to the addresses checked here.
"""

from __future__ import annotations

import ipaddress
import socket

# Prefixes that carry another address inside (6to4, NAT64): through them a public-looking IPv6
# address can reach a private IPv4 one. Python's is_global counts them as global.
_TRANSLATION_PREFIXES = tuple(ipaddress.ip_network(n) for n in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48"))


class RefusedAddress(ValueError):
    """The host resolves to an address webhooks may not go to; the message names both."""


def refusal(ip: str, *, allow_private: bool) -> str | None:
    """Why a webhook may not go to `ip`, or None if it may."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # Never a receiver, whatever the setting; 0.0.0.0 even reaches the local machine on Linux.
    if address.is_unspecified or address.is_multicast or address == ipaddress.IPv4Address("255.255.255.255"):
        return "an unspecified, multicast or broadcast address"
    public = address.is_global and not any(address in prefix for prefix in _TRANSLATION_PREFIXES)
    if not public and not allow_private:
        return "a private, loopback, link-local or reserved address"
    return None


def checked_addresses(host: str, port: int, *, allow_private: bool, resolve=socket.getaddrinfo) -> list[tuple]:
    """(family, sockaddr) for each address of `host`, all allowed; raises RefusedAddress, or
    socket.gaierror when the name does not resolve."""
    found = []
    for family, _type, _proto, _name, sockaddr in resolve(host, port, type=socket.SOCK_STREAM):
        reason = refusal(sockaddr[0], allow_private=allow_private)
        if reason is not None:
            raise RefusedAddress(f"{host} resolves to {sockaddr[0]}, {reason}")
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    return found
