"""The ``innkeeper`` command as an operator runs it: separate processes, real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from alembic.script import ScriptDirectory

from innkeeper.db import migrate

CLI = [sys.executable, "-m", "innkeeper"]


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "INNKEEPER_LOG_JSON": "false"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_db_upgrade_migrates_an_empty_database(empty_database_url: str) -> None:
    done = subprocess.run(
        [*CLI, "db", "upgrade"],
        env=_env(empty_database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    current = subprocess.run(
        [*CLI, "db", "current"],
        env=_env(empty_database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    head = ScriptDirectory.from_config(
        migrate.alembic_config(empty_database_url)
    ).get_current_head()
    assert f"{head} (head)" in current.stdout


def test_serve_answers_and_stops_cleanly_on_sigterm(database_url: str) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert json.loads(_wait_for(f"http://127.0.0.1:{port}/health")) == {
            "status": "ok",
            "database": "ok",
        }
        assert "paths" in json.loads(_wait_for(f"http://127.0.0.1:{port}/openapi.json"))
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 128 + signal.SIGTERM  # exited through our handler, cleanup included


def test_demo_data_refuses_production() -> None:
    env = {
        **os.environ,
        "INNKEEPER_ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql://x@/y",
        "INNKEEPER_PUBLIC_URL": "https://example.com",
        "SMTP_URL": "smtp://mail.example.com",
        "STRIPE_SECRET_KEY": "sk_live_example",
    }
    done = subprocess.run([*CLI, "demo-data"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "refusing" in done.stderr


def _wait_for(url: str) -> bytes:
    deadline = time.monotonic() + 60
    while True:
        try:
            # the first /openapi.json builds the schema of every route: seconds on a busy VM
            with urllib.request.urlopen(url, timeout=15) as response:
                return bytes(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
