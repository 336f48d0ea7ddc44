"""A throwaway marketplace to measure: its own embedded PostgreSQL with the demo data, and
``innkeeper serve`` as a real subprocess, so figures include HTTP, auth and JSON."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from innkeeper.db import embedded, migrate
from innkeeper.demo import loader
from innkeeper.services import build_services
from innkeeper.settings import Environment, Settings

Request = tuple[str, str, dict[str, str], bytes | None]  # method, path, headers, body


@dataclass(frozen=True)
class Marketplace:
    database_url: str
    base_port: int


@contextlib.contextmanager
def marketplace() -> Iterator[Marketplace]:
    with tempfile.TemporaryDirectory(prefix="innkeeper-bench-") as tmp:
        server = embedded.start(Path(tmp), delete_on_exit=True)
        try:
            url = embedded.ensure_database(server, "bench")
            migrate.upgrade(url)
            settings = Settings(environment=Environment.TEST, database_url=url, log_json=False)
            services = build_services(settings, url)
            loader.load(services)
            services.close()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
            yield Marketplace(url, _free_port())
        finally:
            server.cleanup()


def services_for(market: Marketplace) -> Any:
    settings = Settings(
        environment=Environment.TEST, database_url=market.database_url, log_json=False
    )
    return build_services(settings, market.database_url)


@contextlib.contextmanager
def serving(market: Marketplace, *, workers: int) -> Iterator[int]:
    env = {**os.environ, "DATABASE_URL": market.database_url, "INNKEEPER_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "innkeeper", "serve", "--port", str(market.base_port)]
    process = subprocess.Popen([*command, "--workers", str(workers)], env=env)
    try:
        _wait_until_healthy(market.base_port)
        yield market.base_port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _wait_until_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            status, _ = call(
                http.client.HTTPConnection("127.0.0.1", port), ("GET", "/health", {}, None)
            )
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def call(conn: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    method, path, headers, body = request
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    return response.status, response.read()


def fetch_json(port: int, request: Request) -> Any:
    status, body = call(http.client.HTTPConnection("127.0.0.1", port), request)
    if status >= 300:
        raise RuntimeError(f"{request[0]} {request[1]} -> {status}: {body[:200]!r}")
    return json.loads(body)


@dataclass(frozen=True)
class LoadResult:
    latencies_ms: list[float]
    seconds: float
    errors: int
    first_error: bytes = b""
    statuses: tuple[int, ...] = ()

    def figures(self, prefix: str, concurrency: int) -> list[dict[str, Any]]:
        ordered = sorted(self.latencies_ms)
        extra = {"requests": len(ordered), "concurrency": concurrency, "errors": self.errors}
        return [
            {
                "name": f"{prefix}_per_s",
                "value": round(len(ordered) / self.seconds, 1),
                "unit": "req/s",
                **extra,
            },
            {
                "name": f"{prefix}_p50_ms",
                "value": round(statistics.median(ordered), 2),
                "unit": "ms",
                **extra,
            },
            {
                "name": f"{prefix}_p95_ms",
                "value": round(percentile(ordered, 95), 2),
                "unit": "ms",
                **extra,
            },
            {
                "name": f"{prefix}_p99_ms",
                "value": round(percentile(ordered, 99), 2),
                "unit": "ms",
                **extra,
            },
        ]


def load(
    port: int,
    next_request: Callable[[int], Request],
    *,
    total: int,
    concurrency: int,
    expected: frozenset[int] = frozenset(range(100, 400)),
) -> LoadResult:
    """``total`` requests from ``concurrency`` threads, each on its own keep-alive connection.
    A status outside ``expected`` is an error (for contested booking, a 409 is expected)."""
    statuses: list[int] = []
    latencies: list[float] = []
    errors = [0]
    first_error: list[bytes] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for index in counter:  # shared iterator: threads take the next request number
            started = time.perf_counter()
            status, body = call(conn, next_request(index))
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses.append(status)
                errors[0] += status not in expected
                if status not in expected and not first_error:
                    first_error.append(body[:300])
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(latencies, seconds, errors[0], b"".join(first_error), tuple(statuses))


def percentile(ordered: list[float], pct: int) -> float:
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
