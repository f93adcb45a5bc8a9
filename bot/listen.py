"""Addresses the bot listens on (the webhook): reading `host:port` and saying why binding failed.

A listen address is a setting like any other: `parse` reads it (for a settings validator), and
`Unusable` is the one line an operator sees when the address cannot be bound — in use by
another program, not an address of this machine, a port that needs privileges.
"""

from __future__ import annotations

import errno
import socket

# What an operator can do about each reason the kernel gives.
_ADVICE = {
    errno.EADDRINUSE: "it is already in use (by another program, or another bondgenoten); "
    "stop that or choose another port",
    errno.EADDRNOTAVAIL: "it is not an address of this machine; use 127.0.0.1 behind a reverse "
    "proxy",
    errno.EACCES: "ports below 1024 need privileges; choose a port above 1024 and let the "
    "reverse proxy listen on 443",
}


class Unusable(Exception):
    """A listen address cannot be bound; the message is one line naming the setting."""


def parse(value: str) -> tuple[str, int]:
    """`"127.0.0.1:8443"` → `("127.0.0.1", 8443)`; `"[::1]:8443"` for IPv6. ValueError if not."""
    host, colon, port_text = value.strip().rpartition(":")
    if not colon or not host or not port_text.isdigit():
        raise ValueError("must be host:port, e.g. 127.0.0.1:8443")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError("the port must be 1-65535")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("write an IPv6 address in brackets, e.g. [::1]:8443")
    return host, port


def bind(value: str, setting: str) -> socket.socket:
    """A socket listening on the address `value` (of `setting`), or `Unusable`.

    Bound at start, before anything else is done, so that an address in use ends the start
    with one line and nothing changed; the server takes the socket over later.
    """
    host, port = parse(value)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise unusable(exc, value, setting) from None
    try:
        # As tornado does: a restart need not wait for the old connections' TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise unusable(exc, value, setting) from None
    return sock


def unusable(error: OSError, address: str, setting: str) -> Unusable:
    """The one line for `error` from binding `address` (the value of `setting`)."""
    if isinstance(error, socket.gaierror):
        reason = "the host name is not known here; use an IP address such as 127.0.0.1"
    else:
        reason = _ADVICE.get(error.errno or 0, error.strerror or str(error))
    return Unusable(f"cannot listen on {address} ({setting}): {reason}")
