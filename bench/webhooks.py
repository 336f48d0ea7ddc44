"""Stripe webhook figures: how fast the endpoint acknowledges deliveries, and how fast the
inbox handles stored events.

Ingest: ``innkeeper serve --workers 2`` with a signing secret, and 8 keep-alive clients
posting 1500 distinct 3.5 KB ``payment_intent.succeeded`` events, each signed as Stripe signs
(``t=...,v1=HMAC-SHA256`` by the SDK). One delivery is the whole acknowledgement path:
verify the signature with the SDK over the raw bytes, insert the event, queue its job in the
same transaction, answer 200. The ack latency is the client's: from sending to the 2xx.

Processing: 1000 stored ``customer.updated`` events for customers that are not Innkeeper's
(the handler looks the customer up and records "nothing to keep": database work, no Stripe
call), each run through ``processing.process`` (claim, handle, record) from 4 threads, as 4
workers would run their jobs but without procrastinate (see ``processing``). The queued jobs
are cancelled first, so no worker runs them later, and nothing calls Stripe.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import stripe
from sqlalchemy import func, select

from bench import harness
from innkeeper.jobs.names import JobName
from innkeeper.services import Services
from innkeeper.webhooks import inbox
from innkeeper.webhooks.domain import EventSource, EventStatus
from innkeeper.webhooks.models import StripeEvent
from innkeeper.webhooks.processing import process

SECRET = "whsec_bench_0123456789abcdef0123456789abcdef"
CONCURRENCY = 8
DELIVERIES = 1500
WARM_UP = 64
PROCESSED = 1000
THREADS = 4
STORE_BATCH = 200
API_VERSION = "2022-08-01"  # the last version whose PaymentIntents embed their charges


def run(market: harness.Marketplace, services: Services) -> list[dict[str, Any]]:
    return [*ingest(market, services), processing(services, market.database_url)]


# ingest: deliveries through the real endpoint


def ingest(market: harness.Marketplace, services: Services) -> list[dict[str, Any]]:
    rng = random.Random(11)
    run_id = f"{int(time.time()):x}"  # event ids unique per request, and per run
    bodies = [
        json.dumps(payment_intent_succeeded(rng, f"{run_id}{n:06d}"))
        for n in range(DELIVERIES + WARM_UP)
    ]

    def deliver(index: int) -> harness.Request:
        body = bodies[index]  # signed when sent: the timestamp is fresh
        signature = stripe.WebhookSignature.generate_signature_header(body, SECRET)
        return ("POST", "/webhooks/stripe", {"Stripe-Signature": signature}, body.encode())

    with _serving(market) as port:
        warm = harness.load(
            port, lambda i: deliver(DELIVERIES + i), total=WARM_UP, concurrency=CONCURRENCY
        )
        before = _count(services)
        result = harness.load(port, deliver, total=DELIVERIES, concurrency=CONCURRENCY)
        stored = _count(services) - before
    if warm.errors or result.errors:
        first = warm.first_error or result.first_error
        raise RuntimeError(f"{warm.errors + result.errors} deliveries failed, e.g. {first!r}")
    ordered = sorted(result.latencies_ms)
    extra = {
        "deliveries": len(ordered),
        "stored": stored,
        "concurrency": CONCURRENCY,
        "errors": result.errors,
        "body_bytes": round(sum(map(len, bodies)) / len(bodies)),
    }
    return [
        {
            "name": "webhook_ingest_per_s",
            "value": round(len(ordered) / result.seconds, 1),
            "unit": "req/s",
            **extra,
            "note": "verify Stripe-Signature (SDK) + insert event + queue job + 200, over HTTP",
        },
        {
            "name": "webhook_ack_p50_ms",
            "value": round(harness.percentile(ordered, 50), 2),
            "unit": "ms",
            **extra,
        },
        {
            "name": "webhook_ack_p99_ms",
            "value": round(harness.percentile(ordered, 99), 2),
            "unit": "ms",
            **extra,
        },
    ]


@contextlib.contextmanager
def _serving(market: harness.Marketplace) -> Iterator[int]:
    """``innkeeper serve --workers 2`` as ``harness.serving`` starts it, with a signing secret
    (without one the endpoint answers 503 to every delivery)."""
    env = {
        **os.environ,
        "DATABASE_URL": market.database_url,
        "INNKEEPER_LOG_LEVEL": "WARNING",
        "STRIPE_WEBHOOK_SECRET": SECRET,
    }
    port = market.base_port
    command = [sys.executable, "-m", "innkeeper", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=env)
    try:
        harness._wait_until_healthy(port)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def payment_intent_succeeded(rng: random.Random, serial: str) -> dict[str, Any]:
    """A ``payment_intent.succeeded`` event as Stripe sends it for a booking's deposit to an
    endpoint on an API version that still embeds the charge (about 3.5 KB)."""
    created = int(time.time()) - rng.randrange(30, 600)
    amount = rng.randrange(80, 2400) * 100
    fee = amount * 12 // 100
    pi, charge = f"pi_3Bench{serial}", f"ch_3Bench{serial}"
    method = f"pm_1Bench{serial}"
    customer = f"cus_Bench{rng.randrange(10**8):08d}"
    account = f"acct_1Bench{rng.randrange(10**6):06d}"
    booking = f"{rng.getrandbits(128):032x}"
    code = f"{booking[:4]}-{booking[4:8]}".upper()
    email = f"guest{rng.randrange(10**6)}@example.com"
    metadata = {"booking_id": booking, "installment": "deposit", "purpose": "booking_payment"}
    return {
        "id": f"evt_3Bench{serial}",
        "object": "event",
        "api_version": API_VERSION,
        "created": created + 2,
        "data": {
            "object": {
                "id": pi,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_details": {"tip": {}},
                "amount_received": amount,
                "application": None,
                "application_fee_amount": fee,
                "automatic_payment_methods": None,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": "automatic",
                "charges": {
                    "object": "list",
                    "data": [
                        {
                            "id": charge,
                            "object": "charge",
                            "amount": amount,
                            "amount_captured": amount,
                            "amount_refunded": 0,
                            "application_fee_amount": fee,
                            "balance_transaction": f"txn_3Bench{serial}",
                            "billing_details": {
                                "address": {"country": "US", "postal_code": "94107"},
                                "email": email,
                                "name": "Guest",
                                "phone": None,
                            },
                            "calculated_statement_descriptor": "INNKEEPER* STAYS",
                            "captured": True,
                            "created": created + 1,
                            "currency": "usd",
                            "customer": customer,
                            "description": f"Booking {code}",
                            "disputed": False,
                            "failure_code": None,
                            "failure_message": None,
                            "fraud_details": {},
                            "livemode": False,
                            "metadata": metadata,
                            "on_behalf_of": account,
                            "outcome": {
                                "network_status": "approved_by_network",
                                "reason": None,
                                "risk_level": "normal",
                                "risk_score": rng.randrange(0, 60),
                                "seller_message": "Payment complete.",
                                "type": "authorized",
                            },
                            "paid": True,
                            "payment_intent": pi,
                            "payment_method": method,
                            "payment_method_details": {
                                "card": {
                                    "brand": "visa",
                                    "checks": {
                                        "address_line1_check": None,
                                        "address_postal_code_check": "pass",
                                        "cvc_check": "pass",
                                    },
                                    "country": "US",
                                    "exp_month": rng.randrange(1, 13),
                                    "exp_year": 2030,
                                    "fingerprint": f"{rng.getrandbits(64):016x}",
                                    "funding": "credit",
                                    "last4": f"{rng.randrange(10**4):04d}",
                                    "network": "visa",
                                    "three_d_secure": None,
                                    "wallet": None,
                                },
                                "type": "card",
                            },
                            "receipt_email": email,
                            "receipt_url": f"https://pay.stripe.com/receipts/{charge}",
                            "refunded": False,
                            "refunds": {
                                "object": "list",
                                "data": [],
                                "has_more": False,
                                "total_count": 0,
                                "url": f"/v1/charges/{charge}/refunds",
                            },
                            "status": "succeeded",
                            "transfer_data": {"destination": account},
                            "transfer_group": f"booking_{booking}",
                        }
                    ],
                    "has_more": False,
                    "total_count": 1,
                    "url": f"/v1/charges?payment_intent={pi}",
                },
                "client_secret": f"{pi}_secret_{rng.getrandbits(96):024x}",
                "confirmation_method": "automatic",
                "created": created,
                "currency": "usd",
                "customer": customer,
                "description": f"Booking {code}",
                "last_payment_error": None,
                "latest_charge": charge,
                "livemode": False,
                "metadata": metadata,
                "next_action": None,
                "on_behalf_of": account,
                "payment_method": method,
                "payment_method_options": {
                    "card": {"network": None, "request_three_d_secure": "automatic"}
                },
                "payment_method_types": ["card"],
                "processing": None,
                "receipt_email": email,
                "review": None,
                "setup_future_usage": "off_session",
                "shipping": None,
                "status": "succeeded",
                "transfer_data": {"destination": account},
                "transfer_group": f"booking_{booking}",
            }
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": f"req_Bench{serial}", "idempotency_key": f"{booking}:deposit:1"},
        "type": "payment_intent.succeeded",
    }


# processing: stored events, each handled as its job would handle it


def processing(services: Services, database_url: str) -> dict[str, Any]:
    """``process`` from ``THREADS`` threads, as that many workers would run the jobs, minus
    procrastinate: in a trial ``worker.run(wait=False)`` managed well under half the
    events a plain loop of ``process`` calls did (its per-job fetch, finish and thread hop,
    and the periodic jobs that fall due at start, the Stripe reconciler among them)."""
    run_id = f"{int(time.time()):x}"
    now = services.clock.now()
    ids: list[str] = []
    for start in range(0, PROCESSED, STORE_BATCH):
        with services.uow() as uow:
            for n in range(start, min(start + STORE_BATCH, PROCESSED)):
                event = customer_updated(f"{run_id}{n:06d}")
                inbox.store(uow, event, EventSource.DELIVERY, now=now)
                ids.append(str(event["id"]))
            uow.commit()
    cancelled = _cancel_queued(database_url)  # the jobs of these and the ingested events
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda event_id: process(services, event_id), ids))
    seconds = time.perf_counter() - started
    handled = statuses.count(EventStatus.PROCESSED)
    if handled != len(ids):
        raise RuntimeError(f"only {handled} of {len(ids)} events processed: {set(statuses)}")
    return {
        "name": "webhook_processed_per_s",
        "value": round(handled / seconds, 1),
        "unit": "events/s",
        "events": handled,
        "threads": THREADS,
        "jobs_cancelled_first": cancelled,
        "note": (
            f"innkeeper.webhooks.processing.process from {THREADS} threads, not the "
            "procrastinate worker: claim, handler (customer.updated of a customer not ours: "
            "one lookup, recorded), effects, processed"
        ),
    }


def customer_updated(serial: str) -> dict[str, Any]:
    """A platform customer that no Innkeeper user owns: looked up, recorded, nothing kept."""
    return {
        "id": f"evt_1BenchCus{serial}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": f"cus_BenchNotOurs{serial}",
                "object": "customer",
                "email": f"someone{serial}@example.com",
                "name": "Someone Else",
                "metadata": {},
                "invoice_settings": {"default_payment_method": None},
                "livemode": False,
            },
            "previous_attributes": {"name": "Someone"},
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "customer.updated",
    }


def _cancel_queued(database_url: str) -> int:
    """Cancel the queued event jobs: the threads run these events, and the ingested ones'
    handler would ask Stripe about each payment (no later worker should)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = conn.execute(
            "UPDATE procrastinate_jobs SET status = 'cancelled'"
            " WHERE task_name = %s AND status = 'todo'",
            (str(JobName.PROCESS_STRIPE_EVENT),),
        )
        return cursor.rowcount


def _count(services: Services) -> int:
    """Events in the inbox."""
    with services.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(StripeEvent)) or 0)
