"""Talk to the service as a client would: start it as a subprocess on a free loopback port, wait
until it answers, send a bounded load of real HTTP requests, stop it cleanly."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from course_lib.core.validate import check_int


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    folder: Path, port: int | None = None, timeout: float = 120.0
) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m course_lib.serve.app` on the models of `folder`; return (process, url)
    once /health answers (RuntimeError with the server's output if it never does)."""
    port = port or free_port()
    command = [sys.executable, "-m", "course_lib.serve.app", "--folder", str(folder)]
    process = subprocess.Popen(
        command + ["--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"the server did not start: {process.stdout.read()[-2000:]}")


def stop_server(process: subprocess.Popen, timeout: float = 20.0) -> int:
    """Ask the server to shut down (SIGINT, as Ctrl+C does); return its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _load(url: str, requests: list[tuple[str, dict]], concurrency: int) -> list:
    """Send every (path, body) from `concurrency` client threads; return (seconds, status)s."""
    local, clients = threading.local(), []

    def one(request: tuple[str, dict]) -> tuple[float, int]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=30)
            clients.append(local.client)
        start = time.perf_counter()
        try:
            status = local.client.post(request[0], json=request[1]).status_code
        except httpx.HTTPError:
            status = -1
        return time.perf_counter() - start, status

    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, requests))
    for each in clients:
        each.close()
    return results


def load_test(url: str, requests: list[tuple[str, dict]], concurrency: int = 8) -> dict:
    """Send `requests` ((path, JSON body) pairs) `concurrency` at a time; return the count,
    latency p50/p95/p99 (ms), errors (anything but 200) and requests per second."""
    check_int(concurrency, "concurrency", 1)
    start = time.perf_counter()
    results = _load(url, requests, concurrency)
    seconds = time.perf_counter() - start
    latencies = np.array([r[0] for r in results]) * 1000
    codes = [r[1] for r in results]
    return {
        "requests": len(results),
        "concurrency": concurrency,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "errors": sum(code != 200 for code in codes),
        "seconds": seconds,
        "requests_per_s": len(results) / seconds,
    }


def metric_value(metrics_text: str, name: str, **labels: str) -> float:
    """Return the sum of a metric's samples whose labels include `labels` in Prometheus text,
    e.g. ('requests_total', path='/health'); 0.0 when there is none."""
    total = 0.0
    for line in metrics_text.splitlines():
        match = SAMPLE.match(line)
        if match and match["name"] == name:
            found = dict(LABEL.findall(match["labels"] or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(match["value"])
    return total


SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
