"""``stripe-emulator --host 127.0.0.1 --port 12111``: the emulator as a process.

The listening URL goes to stderr as ``stripe-emulator listening on http://…`` (what
``process.EmulatorProcess`` waits for); SIGTERM stops it cleanly, so the state file is saved.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import signal
import sys
from pathlib import Path
from typing import Any

from stripe_emulator.errors import StripeError
from stripe_emulator.server import Emulator
from stripe_emulator.store import Clock


def _instant(value: str) -> int:
    """A unix timestamp or an ISO 8601 date/time (UTC unless it says otherwise)."""
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a unix timestamp or ISO 8601 time: {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp())


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="stripe-emulator", description="A stateful Stripe API emulator for offline work."
    )
    parse.add_argument("--host", default="127.0.0.1")
    parse.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parse.add_argument(
        "--state-file", type=Path, help="keep state in this JSON file across restarts"
    )
    parse.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL[,whsec_SECRET]",
        help="register a webhook endpoint for all events at start (repeatable)",
    )
    parse.add_argument(
        "--connect-webhook",
        action="append",
        default=[],
        metavar="URL[,whsec_SECRET]",
        help="register a Connect webhook endpoint (connected accounts' events)",
    )
    parse.add_argument(
        "--frozen-time",
        type=_instant,
        metavar="UNIX|ISO8601",
        help="start the emulator clock at this instant and keep it still (it then only "
        "moves through /_emulator/clock/advance)",
    )
    parse.add_argument(
        "--lenient-capabilities",
        action="store_true",
        help="let charges and transfers reach connected accounts whose capabilities are "
        "not active yet",
    )
    parse.add_argument(
        "--webhook-retries",
        metavar="test|sandbox|live|S,S,…",
        help="retry schedule for failed webhook deliveries: a named one or seconds between "
        "attempts (default: test = 1,5,30,120,600)",
    )
    return parse


def _retries(value: str) -> Any:
    if value in ("test", "sandbox", "live"):
        return value
    try:
        delays = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise SystemExit(f"stripe-emulator: --webhook-retries: not a schedule: {value!r}") from None
    if any(delay < 0 for delay in delays):
        raise SystemExit("stripe-emulator: --webhook-retries: delays cannot be negative")
    return delays


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    clock = Clock(frozen=args.frozen_time) if args.frozen_time is not None else None
    emulator = Emulator(args.host, args.port, state_file=args.state_file, clock=clock)
    if args.lenient_capabilities:
        emulator.store.settings["lenient_capabilities"] = True
    if args.webhook_retries:
        emulator.store.settings["webhook_retry_seconds"] = _retries(args.webhook_retries)
    for spec, connect in [(w, False) for w in args.webhook] + [
        (w, True) for w in args.connect_webhook
    ]:
        url, _, secret = spec.partition(",")
        try:
            signing = emulator.register_webhook(url, secret or None, connect=connect)
        except StripeError as error:
            raise SystemExit(f"stripe-emulator: webhook {url!r}: {error.message}") from None
        if not secret:  # the receiving application needs it to verify signatures
            kind = "Connect webhook" if connect else "webhook"
            sys.stderr.write(f"stripe-emulator {kind} {url} signing secret: {signing}\n")
    signal.signal(signal.SIGTERM, lambda *_: emulator.stopping.set())
    sys.stderr.write(f"stripe-emulator listening on {emulator.url}\n")
    sys.stderr.flush()
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


if __name__ == "__main__":
    main()
