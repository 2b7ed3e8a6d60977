"""Refuse every network connection except loopback, in the test process and every kernel it starts.

The test suite puts this folder on PYTHONPATH, so Python imports it at start-up everywhere.
"""

import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


class NetworkBlockedError(OSError):
    """Raised when code under test tries to reach beyond loopback."""


def _is_local(address) -> bool:
    """Return True for loopback and Unix-socket addresses."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise NetworkBlockedError(f"tests must not use the network: connect to {address!r} refused")
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise NetworkBlockedError(f"tests must not use the network: connect to {address!r} refused")
    return _connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
