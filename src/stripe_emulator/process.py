"""The emulator in a separate process, for ``make run`` and for tests that need a real
process boundary (a restart, a kill, another interpreter)::

    with EmulatorProcess("--state-file", "state.json") as running:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": running.url})

It starts ``python -m stripe_emulator --port 0 …``, reads the URL the emulator prints on
stderr, waits until it answers, and stops it (SIGTERM, so the state file is saved) on exit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from types import TracebackType

LISTENING = re.compile(r"stripe-emulator listening on (https?://\S+)")


class EmulatorProcess:
    def __init__(
        self,
        *args: str,
        host: str = "127.0.0.1",
        port: int = 0,
        python: str | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.command: list[str] = [
            python or sys.executable,
            "-m",
            "stripe_emulator",
            "--host",
            host,
            "--port",
            str(port),
            *args,
        ]
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.url = ""
        self.output: list[str] = []  # everything the emulator wrote on stderr
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._found = threading.Event()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> EmulatorProcess:
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True, name="emulator-stderr")
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._found.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._fail("did not report its URL")
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._fail(f"did not answer at {self.url}")
            time.sleep(0.05)
        return self

    def _read(self) -> None:
        """Keep draining stderr (a full pipe would block the emulator) and spot the URL."""
        stream = self.process.stderr if self.process is not None else None
        if stream is None:
            return
        for line in stream:
            self.output.append(line.rstrip("\n"))
            found = LISTENING.search(line)
            if found and not self._found.is_set():
                self.url = found.group(1)
                self._found.set()

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_emulator/clock", timeout=1) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def _fail(self, what: str) -> None:
        self.stop()
        detail = "\n".join(self.output[-20:])
        raise RuntimeError(f"the emulator ({' '.join(self.command)}) {what}:\n{detail}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait; kill if it does not exit in time. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        return self.process.returncode

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
