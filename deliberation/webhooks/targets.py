"""Where a webhook may go (SSRF rules). Checked when an endpoint is registered or edited AND
before every send, since DNS can change between the two (the sender then connects to the
address it checked, not to a second lookup).

- https only; http only with settings.DEBUG or WEBHOOKS_ALLOW_HTTP (tests).
- no user:password@ in the URL.
- every address the host resolves to must be globally routable: loopback, private,
  link-local (169.254.169.254, the cloud metadata service), multicast, reserved, unspecified,
  shared (100.64/10) and IPv4-mapped forms of them are refused.
- WEBHOOKS_ALLOW_PRIVATE_TARGETS lifts the address rule for tests with a local receiver.
  It defaults to False, and `check --deploy` fails when production sets it."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import UnsafeTarget


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the TLS server name and Host header)
    port: int
    address: str  # the checked IP the sender connects to


def _allow_http() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_HTTP", False))


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL shape; raises UnsafeTarget."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget(_("Enter a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and _allow_http()):
        raise UnsafeTarget(_("The URL must start with https://."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("The URL must not contain a user name or password."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeTarget(_("Enter a valid URL."))
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeTarget(_("The host name does not resolve.")) from None
    addresses = []
    for info in infos:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeTarget(_("The host name does not resolve."))
    return addresses


def check(url: str) -> Target:
    """The URL's target with one checked address to connect to; raises UnsafeTarget."""
    scheme, host, port = parse(url)
    addresses = resolve(host, port)
    if not _allow_private() and not all(is_public_address(a) for a in addresses):
        # All, not any: a name with one private address among public ones is refused, so
        # rotating DNS answers cannot smuggle a request inside.
        raise UnsafeTarget(_("The address is inside a private network (loopback, private, link-local, "
                             "multicast or reserved): it cannot receive webhooks."))
    return Target(scheme=scheme, host=host, port=port, address=addresses[0])
