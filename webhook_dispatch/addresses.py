"""Where a webhook may be sent. Clients choose their URLs, so without this check a URL could make our
workers POST to the machine itself, the private network or a cloud metadata service (SSRF).

Only public addresses are allowed, plus the networks the operator lists in
ENCOLA_WEBHOOK_PRIVATE_NETWORKS (empty unless set, in every environment). Public means Python's
`is_global` for IPv4; for IPv6, whose `is_global` in Python 3.11 also passes `::/96`, `::ffff:0:0:0/96`
and `fec0::/10`, it means global unicast (2000::/3, RFC 4291 §2.4) outside the special-purpose blocks
IANA lists within it (https://www.iana.org/assignments/iana-ipv6-special-registry/).

A host is resolved and every address it resolves to is checked; one refused address refuses the host,
because an attacker who controls DNS could otherwise mix a public address with a private one.
transport.py then connects only to the addresses checked here.
"""

from __future__ import annotations

import ipaddress
import socket

_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Within 2000::/3 but not a receiver's address: IETF protocol assignments (Teredo 2001::/32 among them,
# which carries an IPv4 address inside), documentation (2001:db8::/32, 3fff::/20) and 6to4 (2002::/16,
# another IPv4 address inside).
_SPECIAL_IN_GLOBAL_UNICAST = tuple(ipaddress.ip_network(n) for n in (
    "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20"))


class RefusedAddress(ValueError):
    """The host resolves to an address webhooks may not go to; the message names both."""


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 4:
        return address.is_global
    return (address in _GLOBAL_UNICAST and address.is_global
            and not any(address in block for block in _SPECIAL_IN_GLOBAL_UNICAST))


def refusal(ip: str, *, private_networks: tuple = ()) -> str | None:
    """Why a webhook may not go to `ip`, or None if it may; `private_networks` are the operator's
    allowlist of non-public networks."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # Never a receiver, whatever the allowlist; 0.0.0.0 even reaches the local machine on Linux.
    if address.is_unspecified or address.is_multicast or address == ipaddress.IPv4Address("255.255.255.255"):
        return "an unspecified, multicast or broadcast address"
    if not _public(address) and not any(address in network for network in private_networks):
        return "a private, loopback, link-local or reserved address"
    return None


def checked_addresses(host: str, port: int, *, private_networks: tuple = (),
                      resolve=socket.getaddrinfo) -> list[tuple]:
    """(family, sockaddr) for each address of `host`, all allowed; raises RefusedAddress, or
    socket.gaierror when the name does not resolve."""
    found = []
    for family, _type, _proto, _name, sockaddr in resolve(host, port, type=socket.SOCK_STREAM):
        reason = refusal(sockaddr[0], private_networks=private_networks)
        if reason is not None:
            raise RefusedAddress(f"{host} resolves to {sockaddr[0]}, {reason}")
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    return found
