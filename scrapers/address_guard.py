"""Which hosts the scraper may connect to: public addresses only, unless a source is local.

A scraped site decides where its redirects lead. Unchecked, a career page could send the scraper
to 127.0.0.1, the office network or a cloud metadata service (169.254.169.254) and have it fetch
what is there (server-side request forgery). So every connection made for a source that is not
marked ``local: true`` goes through ``GuardedAdapter``: the host is resolved once with
``socket.getaddrinfo``, each address is checked with ``ipaddress``, and the socket connects to
exactly the addresses that were checked. A name that answers a public address to the check and
127.0.0.1 to the connect (DNS rebinding) therefore gets nowhere.

Residual risk: through an HTTP(S) proxy taken from the environment (``HTTPS_PROXY`` and the
like) the proxy resolves and connects, not this process. The target's name is still resolved
and checked here before each request, but a rebinding DNS server can answer the proxy
differently. Behind a proxy, use one that refuses private addresses itself.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest, Response
from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from requests.utils import select_proxy
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError
from urllib3.util.connection import allowed_gai_family

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressCheck = Callable[[IPAddress], bool]
DEFAULT_PORTS = {"http": 80, "https": 443}


class AddressRefused(Exception):
    """A host resolved to an address the check refuses.

    Deliberately not an ``OSError``: urllib3 would take that for a flaky connection and retry.
    """


def is_public_address(address: IPAddress) -> bool:
    """On the public internet: not loopback, private (RFC 1918, ULA), link-local, unspecified,
    shared (CGNAT), documentation, multicast or reserved. ``is_global`` alone lets multicast
    and the deprecated IPv6 site-local range through."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def address_kind(address: IPAddress) -> str:
    """What sort of address it is, for an error message (most specific first)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind in ("loopback", "link_local", "unspecified", "private", "multicast"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-public"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, looked up the way urllib3 itself would."""
    infos = socket.getaddrinfo(host.strip("[]"), port, allowed_gai_family(), socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int, allowed: AddressCheck) -> list[str]:
    """The addresses of ``host`` if ``allowed`` accepts every one; else ``AddressRefused``.

    One refused address refuses the host: a name answering both a public and a private address
    is no career site's normal setup, and often a rebinding attempt.
    """
    addresses = resolve(host, port)
    for text in addresses:
        address = ipaddress.ip_address(text)
        if not allowed(address):
            where = f"{text} is" if host.strip("[]") == text else f"{host} resolves to {text},"
            raise AddressRefused(
                f"{where} a {address_kind(address)} address, refused: mark the source "
                "`local: true` if it is on your own machine or network"
            )
    return addresses


class GuardedHTTPConnection(HTTPConnection):
    """urllib3's connection, connecting only to addresses ``address_allowed`` accepts."""

    def __init__(
        self, *args: Any, address_allowed: AddressCheck = is_public_address, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.address_allowed = address_allowed

    def _new_conn(self) -> socket.socket:
        """Resolve once, check, then connect to the checked addresses themselves.

        urllib3's own ``_new_conn`` looks ``_dns_host`` up again; handing it an address instead
        of the name makes that lookup a no-op. ``host`` (Host header, TLS SNI and certificate
        check) keeps the name: it is read from ``_dns_host`` only after this returns.
        """
        name = self._dns_host
        try:
            addresses = checked_addresses(name, self.port, self.address_allowed)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: ConnectTimeoutError | None = None
        for address in addresses:  # the next address when one fails, as urllib3 does
            self._dns_host = address
            try:
                return super()._new_conn()
            except ConnectTimeoutError as exc:  # NewConnectionError is one too
                error = exc
            finally:
                self._dns_host = name
        assert error is not None  # getaddrinfo never answers an empty list
        raise error


class GuardedHTTPSConnection(GuardedHTTPConnection, HTTPSConnection):
    """The same for HTTPS; TLS still verifies the certificate against the host name."""


class GuardedPoolManager(PoolManager):
    """A pool manager whose pools make guarded connections."""

    def __init__(self, *args: Any, address_allowed: AddressCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_allowed = address_allowed

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        """urllib3's pool with guarded connections (urllib3 documents this hook for overriding).

        The check goes in through the pool's ``conn_kw`` rather than the pool manager's
        ``connection_pool_kw``, which would also become part of urllib3's pool key."""
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = GuardedHTTPSConnection if scheme == "https" else GuardedHTTPConnection
        pool.conn_kw["address_allowed"] = self.address_allowed
        return pool


class GuardedAdapter(HTTPAdapter):
    """requests' transport adapter over ``GuardedPoolManager``."""

    def __init__(self, address_allowed: AddressCheck = is_public_address, **kwargs: Any) -> None:
        self.address_allowed = address_allowed  # before super(): it builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = GuardedPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            address_allowed=self.address_allowed,
            **pool_kwargs,
        )

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Through a proxy the proxy connects, not a guarded connection: the target's name is
        checked here instead (see the module docstring for what that leaves open)."""
        if request.url and select_proxy(request.url, proxies):
            target = urlsplit(request.url)
            host, port = target.hostname or "", target.port or DEFAULT_PORTS[target.scheme]
            try:
                checked_addresses(host, port, self.address_allowed)
            except socket.gaierror:
                # Only the proxy knows the name (an intranet host behind a corporate proxy?):
                # what cannot be checked is not fetched.
                raise AddressRefused(
                    f"{host} does not resolve here, so it cannot be checked"
                ) from None
        return super().send(request, stream, timeout, verify, cert, proxies)
