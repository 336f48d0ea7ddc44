"""Checkout Sessions through the official SDK, the control plane and the hosted page."""

from __future__ import annotations

import pytest
import requests
import stripe

from stripe_emulator import Emulator

SUCCESS = "https://shop.example/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "https://shop.example/cancel"


def _session(client: stripe.StripeClient, **extra: object) -> stripe.checkout.Session:
    params: dict[str, object] = {
        "mode": "payment",
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 5000,
                    "product_data": {"name": "Two nights"},
                },
                "quantity": 2,
            }
        ],
        **extra,
    }
    return client.v1.checkout.sessions.create(params)  # type: ignore[arg-type]


def _complete(emulator: Emulator, session_id: str, **body: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/_emulator/checkout/sessions/{session_id}/complete", json=body, timeout=10
    )


def _types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in reversed(client.v1.events.list({"limit": 100}).data)]


def test_payment_session_completed_through_control(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    session = _session(client, client_reference_id="booking-7", metadata={"b": "7"})
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.payment_intent is None
    assert session.amount_total == 10000
    assert session.url is not None
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.quantity, i.amount_total) for i in items.data] == [(2, 10000)]
    expanded = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items"]})
    assert expanded.line_items is not None
    assert expanded.line_items.data[0].description == "Two nights"
    assert _complete(emulator, session.id).status_code == 200
    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert done.status == "complete"
    assert done.payment_status == "paid"
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "succeeded"
    assert intent.amount == 10000
    types = _types(client)
    assert "checkout.session.completed" in types
    assert "payment_intent.succeeded" in types
    listed = client.v1.checkout.sessions.list({"payment_intent": intent.id})
    assert [s.id for s in listed.data] == [session.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_manual_capture_and_connect_payment_intent_data(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    emulator.store.settings["lenient_capabilities"] = True
    account = client.v1.accounts.create({"type": "express", "country": "US"})
    session = _session(
        client,
        payment_intent_data={
            "capture_method": "manual",
            "application_fee_amount": 700,
            "transfer_data": {"destination": account.id},
            "metadata": {"hold": "deposit"},
        },
    )
    _complete(emulator, session.id)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete"
    intent = client.v1.payment_intents.retrieve(str(done.payment_intent))
    assert intent.status == "requires_capture"
    assert intent.capture_method == "manual"
    assert intent.application_fee_amount == 700
    assert intent.transfer_data is not None
    assert intent.transfer_data.destination == account.id
    assert intent.metadata["hold"] == "deposit"
    with pytest.raises(stripe.InvalidRequestError) as error:
        _session(client, payment_intent_data={"transfer_data": {"destination": "acct_nope"}})
    assert error.value.param == "payment_intent_data[transfer_data][destination]"


def test_hosted_page_pay_decline_and_redirects(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    session = _session(client, customer_email="guest@example.com")
    shown = requests.get(str(session.url), timeout=10)
    assert shown.status_code == 200
    assert "Two nights" in shown.text
    assert 'label for="card_number"' in shown.text
    declined = requests.post(
        str(session.url),
        data={"action": "pay", "card_number": "4000000000000002"},
        allow_redirects=False,
        timeout=10,
    )
    assert declined.status_code == 402
    assert "declined" in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    paid = requests.post(
        str(session.url),
        data={"action": "pay", "card_number": "4242424242424242"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://shop.example/success?session_id={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    other = _session(client)
    canceled = requests.post(
        str(other.url), data={"action": "cancel"}, allow_redirects=False, timeout=10
    )
    assert canceled.status_code == 303
    assert canceled.headers["Location"] == CANCEL


def test_hosted_page_three_d_secure(client: stripe.StripeClient, emulator: Emulator) -> None:
    session = _session(client)
    challenge = requests.post(
        str(session.url),
        data={"action": "pay", "card_number": "4000002760003184"},
        allow_redirects=False,
        timeout=10,
    )
    assert challenge.status_code == 303
    assert "/3ds/" in challenge.headers["Location"]
    back = requests.post(
        challenge.headers["Location"],
        data={"outcome": "succeed"},
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 303
    final = requests.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert final.status_code == 303
    assert final.headers["Location"].endswith(session.id)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_setup_and_subscription_modes(client: stripe.StripeClient, emulator: Emulator) -> None:
    customer = client.v1.customers.create({"email": "setup@example.com"})
    setup = client.v1.checkout.sessions.create(
        {"mode": "setup", "customer": customer.id, "success_url": SUCCESS, "currency": "usd"}
    )
    _complete(emulator, setup.id)
    done = client.v1.checkout.sessions.retrieve(setup.id)
    assert done.payment_status == "no_payment_required"
    assert done.setup_intent is not None
    assert client.v1.setup_intents.retrieve(str(done.setup_intent)).status == "succeeded"
    assert "payment_method.attached" in _types(client)

    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 2000,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Membership"},
        }
    )
    trial = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "success_url": SUCCESS,
            "line_items": [{"price": price.id, "quantity": 1}],
            "subscription_data": {"trial_period_days": 14, "metadata": {"plan": "m"}},
        }
    )
    _complete(emulator, trial.id)
    finished = client.v1.checkout.sessions.retrieve(trial.id, {"expand": ["subscription"]})
    assert finished.status == "complete"
    assert finished.payment_status == "no_payment_required"
    assert finished.customer is not None
    sub = finished.subscription
    assert isinstance(sub, stripe.Subscription)
    assert sub.status == "trialing"
    assert sub.metadata["plan"] == "m"
    assert finished.invoice == sub.latest_invoice

    paying = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "success_url": SUCCESS,
            "line_items": [{"price": price.id, "quantity": 2}],
        }
    )
    _complete(emulator, paying.id)
    paid = client.v1.checkout.sessions.retrieve(paying.id)
    assert paid.payment_status == "paid"
    assert client.v1.subscriptions.retrieve(str(paid.subscription)).status == "active"
    assert client.v1.invoices.retrieve(str(paid.invoice)).amount_paid == 4000
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(
            {
                "mode": "setup",
                "success_url": SUCCESS,
                "line_items": [{"price": price.id, "quantity": 1}],
            }
        )
    assert error.value.param == "line_items"


def test_expiry_by_control_by_api_and_by_clock(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    now = emulator.store.clock.now()
    for bad in (now + 60, now + 25 * 3600):
        with pytest.raises(stripe.InvalidRequestError) as error:
            _session(client, expires_at=bad)
        assert error.value.param == "expires_at"
    # A margin over the 30-minute minimum: on a loaded machine a second can tick between
    # reading the clock and creating the session, and the minimum is checked at creation.
    soon = _session(client, expires_at=now + 1800 + 120)
    default = _session(client)
    assert default.expires_at >= now + 24 * 3600
    api_expired = client.v1.checkout.sessions.expire(_session(client).id)
    assert api_expired.status == "expired"
    control = _session(client)
    requests.post(f"{emulator.url}/_emulator/checkout/sessions/{control.id}/expire", timeout=10)
    assert client.v1.checkout.sessions.retrieve(control.id).status == "expired"
    emulator.advance(1800 + 121)
    assert client.v1.checkout.sessions.retrieve(soon.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(default.id).status == "open"
    expired = client.v1.events.list({"type": "checkout.session.expired"}).data
    assert len(expired) == 3
    automatic = [e for e in expired if e.data.object["id"] == soon.id]
    assert automatic[0].request.id is None
    assert len(client.v1.checkout.sessions.list({"status": "expired"}).data) == 3
