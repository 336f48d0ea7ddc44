"""``stripe-emulator --host 127.0.0.1 --port 12111``: the emulator as a process."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from stripe_emulator.server import Emulator


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
    return parse


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    emulator = Emulator(args.host, args.port, state_file=args.state_file)
    for spec, connect in [(w, False) for w in args.webhook] + [
        (w, True) for w in args.connect_webhook
    ]:
        url, _, secret = spec.partition(",")
        emulator.register_webhook(url, secret or None, connect=connect)
    sys.stderr.write(f"stripe-emulator listening on {emulator.url}\n")
    sys.stderr.flush()
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()


if __name__ == "__main__":
    main()
