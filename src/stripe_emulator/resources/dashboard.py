"""A read-only dashboard at ``GET /_emulator``: object counts per type, the latest objects of
each type, events, webhook endpoints and the delivery log, and ``GET /_emulator/objects/{id}``
showing one object's JSON.

Plain server-rendered HTML with no scripts or external assets, so it works offline and with
any browser or screen reader; everything shown is escaped, because object fields (metadata,
descriptions, URLs) are whatever API callers sent.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from html import escape
from typing import Any

from stripe_emulator.context import Ctx
from stripe_emulator.params import Params
from stripe_emulator.routing import Page, control
from stripe_emulator.store import Obj, Record

LATEST_PER_TYPE = 5
LATEST_EVENTS = 25
LATEST_DELIVERIES = 50

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem;
       color: #1a1a1a; background: #fff; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f0f0f0; }
code, pre { font-family: ui-monospace, monospace; }
pre { background: #f6f6f6; border: 1px solid #c8c8c8; padding: 0.75rem; overflow-x: auto; }
a { color: #0b5394; }
a:focus { outline: 3px solid #f4b400; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: 0.5rem; }
"""


def _when(timestamp: Any) -> str:
    if not isinstance(timestamp, int | float):
        return ""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _link(object_id: str) -> str:
    safe = escape(object_id)
    return f'<a href="/_emulator/objects/{safe}"><code>{safe}</code></a>'


def _amount(obj: Obj) -> str:
    amount = obj.get("amount")
    if amount is None:
        amount = obj.get("amount_total")
    if not isinstance(amount, int):
        return ""
    currency = str(obj.get("currency") or "").upper()
    return escape(f"{amount} {currency}".strip())


def _status(obj: Obj) -> str:
    for name in ("status", "type"):
        value = obj.get(name)
        if isinstance(value, str):
            return escape(value)
    return ""


def _table(caption: str, headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _document(title: str, main: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        '<a class="skip" href="#main">Skip to content</a>'
        f'<header><p><a href="/_emulator">Stripe emulator</a></p></header>'
        f'<main id="main"><h1>{escape(title)}</h1>{main}</main></body></html>'
    )


def _records(ctx: Ctx) -> list[Record]:
    return sorted(ctx.store.all_records(), key=lambda record: record.seq, reverse=True)


@control.get("/_emulator")
def overview(ctx: Ctx, params: Params) -> Page:
    records = _records(ctx)
    live = [record for record in records if not record.obj.get("deleted")]
    counts = Counter(str(record.obj.get("object")) for record in live)
    sections: list[str] = [
        f"<p>Emulator time: <time>{escape(_when(ctx.now()))}</time> "
        f"(clock offset {ctx.store.clock.offset} s). Platform account "
        f"<code>{escape(ctx.store.platform)}</code>. "
        'Raw state: <a href="/_emulator/state">/_emulator/state</a>.</p>',
        '<section aria-labelledby="counts"><h2 id="counts">Objects</h2>',
        _table(
            "Object counts per type",
            ["Type", "Count"],
            [
                [f'<a href="#type-{escape(name)}">{escape(name)}</a>', str(count)]
                for name, count in sorted(counts.items())
            ],
            "No objects yet.",
        ),
        "</section>",
    ]
    for name in sorted(counts):
        if name == "event":
            continue
        latest = [record for record in live if record.obj.get("object") == name]
        rows = [
            [
                _link(record.obj["id"]),
                f"<code>{escape(record.account)}</code>",
                _status(record.obj),
                _amount(record.obj),
                escape(_when(record.obj.get("created"))),
            ]
            for record in latest[:LATEST_PER_TYPE]
        ]
        sections.append(
            f'<section aria-labelledby="type-{escape(name)}">'
            f'<h2 id="type-{escape(name)}">{escape(name)}</h2>'
            + _table(
                f"Latest {len(rows)} of {counts[name]} {name} objects, newest first",
                ["ID", "Account", "Status", "Amount", "Created"],
                rows,
                "None.",
            )
            + "</section>"
        )
    events = [record for record in live if record.obj.get("object") == "event"]
    sections.append(
        '<section aria-labelledby="events"><h2 id="events">Events</h2>'
        + _table(
            f"Latest {min(len(events), LATEST_EVENTS)} events, newest first",
            ["ID", "Type", "Account", "Object", "Pending webhooks", "Created"],
            [
                [
                    _link(record.obj["id"]),
                    escape(str(record.obj.get("type"))),
                    f"<code>{escape(record.account)}</code>",
                    _link(str(record.obj.get("data", {}).get("object", {}).get("id", ""))),
                    str(record.obj.get("pending_webhooks")),
                    escape(_when(record.obj.get("created"))),
                ]
                for record in events[:LATEST_EVENTS]
            ],
            "No events yet.",
        )
        + "</section>"
    )
    log = list(reversed(ctx.store.delivery_log[-LATEST_DELIVERIES:]))
    sections.append(
        '<section aria-labelledby="deliveries"><h2 id="deliveries">Webhook deliveries</h2>'
        f"<p>{len(ctx.store.deliveries)} in the queue "
        "(pending, retrying, exhausted or dropped).</p>"
        + _table(
            f"Latest {len(log)} delivery attempts, newest first",
            ["Event", "Type", "Endpoint", "Attempt", "HTTP status", "Error", "Time"],
            [
                [
                    _link(str(entry["event"])),
                    escape(str(entry["type"])),
                    _link(str(entry["endpoint"])),
                    str(entry["attempt"]) + (" (duplicate)" if entry.get("duplicate") else ""),
                    escape(str(entry["status"] if entry["status"] is not None else "none")),
                    escape(str(entry["error"] or "")),
                    escape(_when(entry["at"])),
                ]
                for entry in log
            ],
            "No delivery attempts yet.",
        )
        + "</section>"
    )
    return Page(_document("Stripe emulator", "".join(sections)))


@control.get("/_emulator/objects/{object_id}")
def show(ctx: Ctx, params: Params, object_id: str) -> Page:
    record = ctx.store.record(object_id)
    if record is None:
        main = f"<p>No object with the id <code>{escape(object_id)}</code>.</p>"
        return Page(_document("Object not found", main), status=404)
    text = json.dumps(record.obj, indent=2, sort_keys=False)
    main = (
        f"<p>Type <code>{escape(str(record.obj.get('object')))}</code>, account "
        f"<code>{escape(record.account)}</code>.</p>"
        f'<pre aria-label="JSON of {escape(object_id)}"><code>{escape(text)}</code></pre>'
    )
    return Page(_document(object_id, main))
