"""``POST /webhooks/stripe``: where Stripe delivers platform events, and
``/webhooks/stripe/connect`` for Connect endpoints (events carrying ``account``). Both verify
the signature over the raw bytes, store, queue and answer 200; processing happens in jobs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from innkeeper.deps import ServicesDep
from innkeeper.webhooks import inbox

router = APIRouter(tags=["webhooks"])


class ReceiptOut(BaseModel):
    received: bool
    id: str
    type: str
    duplicate: bool  # this event id had been received before: nothing new was queued


async def _receive(request: Request, services: ServicesDep) -> ReceiptOut:
    body = await request.body()  # the exact bytes Stripe signed, never re-serialized JSON
    signature = request.headers.get("stripe-signature")
    receipt = await run_in_threadpool(inbox.receive, services, body, signature)
    return ReceiptOut(
        received=True, id=receipt.event_id, type=receipt.type, duplicate=receipt.duplicate
    )


router.add_api_route(
    "/webhooks/stripe", _receive, methods=["POST"], response_model=ReceiptOut,
    summary="Receive a Stripe event (platform endpoint)",
    description="400 when the Stripe-Signature header does not verify; nothing is stored.",
)  # fmt: skip
router.add_api_route(
    "/webhooks/stripe/connect", _receive, methods=["POST"], response_model=ReceiptOut,
    summary="Receive a Stripe event (Connect endpoint)",
    description="The same inbox: Connect events carry the connected account in `account`.",
)  # fmt: skip
