"""The address a request really comes from. Behind a proxy every request arrives from the proxy's own
address, which would make every client share one rate budget; the proxy says who its client was in
X-Forwarded-For, but anyone can send that header. So it is believed only from the proxies the operator
lists in ENCOLA_TRUSTED_PROXIES, and then only its last entry (the one that proxy appended), as
werkzeug's ProxyFix reads it (https://werkzeug.palletsprojects.com/en/stable/middleware/proxy_fix/).
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def within(address: str | None, networks) -> bool:
    """Whether `address` (as REMOTE_ADDR holds it) is in one of `networks`; an unreadable one is not."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyFix:
    """WSGI middleware: ProxyFix (one hop of X-Forwarded-For and X-Forwarded-Proto) for requests whose
    peer is a trusted proxy; any other request keeps its own peer address, whatever headers it sends."""

    def __init__(self, app, proxies):
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.proxies = proxies

    def __call__(self, environ, start_response):
        if within(environ.get("REMOTE_ADDR"), self.proxies):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
