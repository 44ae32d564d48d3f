"""Who is asking: the client's address, the one place every per-client limit reads it from.

Without configuration the client is `REMOTE_ADDR`, the address that opened the connection. Behind
a reverse proxy that address is the proxy's, so every resident would share one counter; the
deployment then names its proxies in the setting TRUSTED_PROXIES (addresses or networks, from the
environment, empty by default). Only when the connection comes from a trusted proxy is
X-Forwarded-For read, and it is read from the right: each proxy appends the address it received
the request from, so the entries right of the first untrusted one were written by our proxies and
the first untrusted one is the client. Entries further left were written by the client itself
and are never believed (anyone can send `X-Forwarded-For: 1.2.3.4`).

IPv6 clients are grouped by their /64 for counting (client_network): one home or phone is given a
whole /64 and can pick any address in it.
"""
import ipaddress
from functools import lru_cache

from django.conf import settings

UNKNOWN = "unknown"
# X-Forwarded-For longer than this is not read further (a client can prepend any number of entries).
_MAX_HEADER_LENGTH = 4096


@lru_cache(maxsize=8)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_proxy_networks():
    """The networks of settings.TRUSTED_PROXIES (a list of addresses or CIDR networks)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_address(text):
    """An ip_address from one address as a proxy writes it (`1.2.3.4`, `1.2.3.4:5678`, `::1`,
    `[::1]:80`), IPv4-mapped IPv6 folded to IPv4; None when it is not an address."""
    text = (text or "").strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address, networks):
    return any(address in network for network in networks)


def client_address(request):
    """The client's ip_address (see the module's docstring), or None when REMOTE_ADDR is not an
    address (a Unix socket with no proxy configured)."""
    remote = parse_address(request.META.get("REMOTE_ADDR"))
    networks = trusted_proxy_networks()
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")[-_MAX_HEADER_LENGTH:]
    nearest = remote
    for entry in reversed(header.split(",")):
        address = parse_address(entry)
        if address is None:
            # Not written by nginx ($remote_addr is always an address): stop believing the header
            # here and count the request against the last hop we know.
            return nearest
        if not _is_trusted(address, networks):
            return address
        nearest = address
    return nearest


def client_ip(request):
    """The client's address as text (canonical form), or "unknown"."""
    address = client_address(request)
    return str(address) if address is not None else UNKNOWN


def client_network(request):
    """What per-client limits count against: the IPv4 address, or the IPv6 /64 (`2001:db8:1:2::/64`)."""
    address = client_address(request)
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
