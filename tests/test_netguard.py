"""The suite itself must fail if anything reaches beyond loopback."""

import socket
import subprocess
import sys

import pytest


def test_outside_connection_is_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OSError, match="must not use the network"):
            sock.connect(("93.184.216.34", 80))


def test_loopback_is_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_child_processes_are_guarded_too():
    code = "import socket; socket.socket().connect(('8.8.8.8', 53))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "must not use the network" in result.stderr
