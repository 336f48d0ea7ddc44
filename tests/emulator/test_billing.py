"""Products, prices, subscriptions, invoices and billing meters through the official SDK."""

from __future__ import annotations

import pytest
import stripe

from stripe_emulator import Emulator

MONTH = 31 * 86400


def _types(client: stripe.StripeClient, prefix: str) -> list[str]:
    events = client.v1.events.list({"limit": 100}).data
    return [e.type for e in reversed(events) if e.type.startswith(prefix)]


def _monthly(client: stripe.StripeClient, amount: int = 1500) -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Pro plan"},
        }
    )


def _customer(client: stripe.StripeClient, card: str = "pm_card_visa", **extra: object):  # type: ignore[no-untyped-def]
    customer = client.v1.customers.create({"email": "sub@example.com", **extra})  # type: ignore[arg-type]
    method = client.v1.payment_methods.attach(card, {"customer": customer.id})
    client.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": method.id}}
    )
    return customer


def test_products_and_prices_validate_and_search(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.products.create({})
    assert error.value.param == "name"
    product = client.v1.products.create(
        {
            "name": "Room night",
            "metadata": {"kind": "stay"},
            "default_price_data": {"currency": "eur", "unit_amount": 12000},
        }
    )
    assert product.default_price is not None
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create({"currency": "usd", "unit_amount": 100})
    assert error.value.param == "product"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create(
            {
                "currency": "usd",
                "unit_amount": 100,
                "product": product.id,
                "recurring": {"interval": "month", "usage_type": "metered"},
            }
        )
    assert error.value.param == "recurring[meter]"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create({"currency": "usd", "product": product.id})
    assert error.value.param == "unit_amount"
    decimal = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount_decimal": "12.5",
            "product": product.id,
            "lookup_key": "half",
        }
    )
    assert decimal.unit_amount is None
    assert str(decimal.unit_amount_decimal) == "12.5"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create(
            {"currency": "usd", "unit_amount": 5, "product": product.id, "lookup_key": "half"}
        )
    assert error.value.param == "lookup_key"
    moved = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 5,
            "product": product.id,
            "lookup_key": "half",
            "transfer_lookup_key": True,
        }
    )
    assert client.v1.prices.retrieve(decimal.id).lookup_key is None
    assert [p.id for p in client.v1.prices.list({"lookup_keys": ["half"]}).data] == [moved.id]
    found = client.v1.products.search({"query": "metadata['kind']:'stay'"})
    assert [p.id for p in found.data] == [product.id]
    prices = client.v1.prices.search({"query": f"product:'{product.id}' AND currency:'eur'"})
    assert [p.id for p in prices.data] == [product.default_price]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.delete(product.id)
    client.v1.prices.update(moved.id, {"active": False})
    assert client.v1.prices.list({"active": False}).data[0].id == moved.id
    bare = client.v1.products.create({"name": "Gone"})
    assert client.v1.products.delete(bare.id).deleted is True
    assert "product.deleted" in _types(client, "product.")
    assert _types(client, "price.").count("price.created") == 3


def test_subscription_lifecycle_with_renewal_on_the_clock(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    price = _monthly(client)
    customer = _customer(client)
    sub = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id, "quantity": 2}],
            "metadata": {"booking": "b1"},
        }
    )
    assert sub.status == "active"
    assert sub.billing_mode.type == "flexible"
    item = sub["items"].data[0]
    assert item.current_period_end > item.current_period_start
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice), {"expand": ["payments"]})
    assert invoice.status == "paid"
    assert invoice.amount_paid == 3000
    assert invoice.billing_reason == "subscription_create"
    assert invoice.parent is not None
    assert invoice.parent.subscription_details is not None
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.payments is not None
    assert invoice.payments.data[0].status == "paid"
    types = _types(client, "")
    for expected in (
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice_payment.paid",
        "payment_intent.succeeded",
    ):
        assert expected in types
    emulator.advance(item.current_period_end - item.current_period_start + 60)
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert renewed["items"].data[0].current_period_start == item.current_period_end
    invoices = client.v1.invoices.list({"subscription": sub.id}).data
    assert len(invoices) == 2
    assert invoices[0].billing_reason == "subscription_cycle"
    assert invoices[0].status == "paid"
    cycle_events = [
        e
        for e in client.v1.events.list({"type": "invoice.paid"}).data
        if e.data.object["id"] == invoices[0].id
    ]
    assert cycle_events[0].request.id is None
    found = client.v1.subscriptions.search({"query": "metadata['booking']:'b1'"})
    assert [s.id for s in found.data] == [sub.id]
    found_invoices = client.v1.invoices.search({"query": f"subscription:'{sub.id}'"})
    assert len(found_invoices.data) == 2
    canceled = client.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled"
    assert canceled.cancellation_details is not None
    assert canceled.cancellation_details.reason == "cancellation_requested"
    assert "customer.subscription.deleted" in _types(client, "customer.subscription")
    assert client.v1.subscriptions.list({"customer": customer.id}).data == []


def test_failed_renewal_goes_past_due_then_cancels(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    price = _monthly(client)
    customer = _customer(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    assert sub.status == "active"
    failing = client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": customer.id}
    )
    client.v1.subscriptions.update(sub.id, {"default_payment_method": failing.id})
    end = sub["items"].data[0].current_period_end
    emulator.advance(end - emulator.store.clock.now() + 60)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    failed = client.v1.invoices.list({"subscription": sub.id, "status": "open"}).data[0]
    assert failed.attempt_count == 1
    assert failed.next_payment_attempt is not None
    assert "invoice.payment_failed" in _types(client, "invoice.")
    for _ in range(3):
        emulator.advance(3 * 86400 + 60)
    final = client.v1.subscriptions.retrieve(sub.id)
    assert final.status == "canceled"
    assert final.cancellation_details is not None
    assert final.cancellation_details.reason == "payment_failed"


def test_incomplete_and_trial_subscriptions(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    price = _monthly(client)
    declined = _customer(client, "pm_card_visa")
    client.v1.payment_methods.attach("pm_card_authenticationRequired", {"customer": declined.id})
    secure = client.v1.payment_methods.list({"customer": declined.id}).data[0]
    sub = client.v1.subscriptions.create(
        {
            "customer": declined.id,
            "items": [{"price": price.id}],
            "default_payment_method": secure.id,
        }
    )
    assert sub.status == "incomplete"
    assert "invoice.payment_action_required" in _types(client, "invoice.")
    pending = client.v1.subscriptions.create(
        {
            "customer": declined.id,
            "items": [{"price": price.id}],
            "payment_behavior": "default_incomplete",
            "expand": ["latest_invoice"],
        }
    )
    assert pending.status == "incomplete"
    latest = pending.latest_invoice
    assert isinstance(latest, stripe.Invoice)
    assert latest.confirmation_secret is not None
    assert latest.confirmation_secret.client_secret.startswith("pi_")
    intent_id = latest.confirmation_secret.client_secret.split("_secret_")[0]
    client.v1.payment_intents.confirm(intent_id, {"payment_method": "pm_card_visa"})
    assert client.v1.subscriptions.retrieve(pending.id).status == "active"
    emulator.advance(23 * 3600 + 60)
    assert client.v1.subscriptions.retrieve(sub.id).status == "incomplete_expired"
    nobody = client.v1.customers.create({"email": "trial@example.com"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.create({"customer": nobody.id, "items": [{"price": price.id}]})
    trial = client.v1.subscriptions.create(
        {"customer": nobody.id, "items": [{"price": price.id}], "trial_period_days": 7}
    )
    assert trial.status == "trialing"
    first = client.v1.invoices.retrieve(str(trial.latest_invoice))
    assert first.amount_due == 0
    assert first.status == "paid"
    emulator.advance(4 * 86400 + 60)
    assert "customer.subscription.trial_will_end" in _types(client, "customer.subscription")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create(
            {"customer": nobody.id, "items": [{"price": price.id}], "trial_end": 5}
        )
    assert error.value.param == "trial_end"


def test_subscription_update_pause_and_resume(client: stripe.StripeClient) -> None:
    price = _monthly(client)
    bigger = _monthly(client, 4000)
    customer = _customer(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    item = sub["items"].data[0]
    updated = client.v1.subscriptions.update(
        sub.id,
        {
            "items": [{"id": item.id, "price": bigger.id}],
            "cancel_at_period_end": True,
            "metadata": {"k": "v"},
        },
    )
    assert updated["items"].data[0].price.id == bigger.id
    assert updated.cancel_at_period_end is True
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.update(sub.id, {"items": [{"id": "si_nope", "quantity": 2}]})
    assert error.value.param == "items[0][id]"
    client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": False})
    paused = client.v1.subscriptions.pause(sub.id)
    assert paused.status == "paused"
    resumed = client.v1.subscriptions.resume(sub.id)
    assert resumed.status == "active"
    types = _types(client, "customer.subscription")
    assert "customer.subscription.paused" in types
    assert "customer.subscription.resumed" in types


def test_invoice_draft_open_paid_void_uncollectible(client: stripe.StripeClient) -> None:
    customer = _customer(client)
    invoice = client.v1.invoices.create({"customer": customer.id, "description": "Extras"})
    assert invoice.status == "draft"
    client.v1.invoice_items.create(
        {
            "customer": customer.id,
            "invoice": invoice.id,
            "amount": 2500,
            "currency": "usd",
            "description": "Late checkout",
        }
    )
    lines = client.v1.invoices.line_items.list(invoice.id)
    assert [line.amount for line in lines.data] == [2500]
    finalized = client.v1.invoices.finalize_invoice(invoice.id)
    assert finalized.status == "open"
    assert finalized.number is not None
    assert finalized.amount_due == 2500
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.delete(invoice.id)
    paid = client.v1.invoices.pay(invoice.id)
    assert paid.status == "paid"
    assert paid.amount_remaining == 0

    to_void = client.v1.invoices.create({"customer": customer.id})
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": to_void.id, "amount": 900, "currency": "usd"}
    )
    client.v1.invoices.finalize_invoice(to_void.id)
    assert client.v1.invoices.void_invoice(to_void.id).status == "void"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(to_void.id)

    bad = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 14}
    )
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": bad.id, "amount": 700, "currency": "usd"}
    )
    opened = client.v1.invoices.finalize_invoice(bad.id)
    assert opened.due_date is not None
    client.v1.invoices.send_invoice(bad.id)
    lost = client.v1.invoices.mark_uncollectible(bad.id)
    assert lost.status == "uncollectible"

    draft = client.v1.invoices.create({"customer": customer.id})
    assert client.v1.invoices.delete(draft.id).deleted is True
    types = _types(client, "invoice.")
    for expected in (
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.voided",
        "invoice.marked_uncollectible",
        "invoice.deleted",
        "invoice.sent",
    ):
        assert expected in types
    assert len(client.v1.invoices.list({"customer": customer.id, "status": "paid"}).data) == 1


def test_invoice_payment_failure_and_preview(client: stripe.StripeClient) -> None:
    customer = _customer(client, "pm_card_chargeCustomerFail")
    client.v1.invoice_items.create({"customer": customer.id, "amount": 1200, "currency": "usd"})
    preview = client.v1.invoices.create_preview({"customer": customer.id})
    assert preview.amount_due == 1200
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "pending_invoice_items_behavior": "include"}
    )
    assert invoice.amount_due == 1200
    client.v1.invoices.finalize_invoice(invoice.id)
    with pytest.raises(stripe.CardError):
        client.v1.invoices.pay(invoice.id)
    after = client.v1.invoices.retrieve(invoice.id)
    assert after.status == "open"
    assert after.attempt_count == 1
    assert "invoice.payment_failed" in _types(client, "invoice.")


def test_meters_and_usage_on_the_renewal_invoice(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    meter = client.v1.billing.meters.create(
        {
            "display_name": "Nights",
            "event_name": "nights",
            "default_aggregation": {"formula": "sum"},
        }
    )
    assert meter.customer_mapping.event_payload_key == "stripe_customer_id"
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 300,
            "product_data": {"name": "Per night"},
            "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
        }
    )
    customer = _customer(client)
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    first = client.v1.invoices.retrieve(str(sub.latest_invoice))
    assert first.amount_due == 0
    sent = client.v1.billing.meter_events.create(
        {
            "event_name": "nights",
            "payload": {"stripe_customer_id": customer.id, "value": "4"},
            "identifier": "stay-1",
        }
    )
    assert sent.identifier == "stay-1"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.billing.meter_events.create(
            {
                "event_name": "nights",
                "payload": {"stripe_customer_id": customer.id, "value": "4"},
                "identifier": "stay-1",
            }
        )
    assert error.value.param == "identifier"
    now = emulator.store.clock.now()
    for stamp in (now - 36 * 86400, now + 600):
        with pytest.raises(stripe.InvalidRequestError) as error:
            client.v1.billing.meter_events.create(
                {
                    "event_name": "nights",
                    "timestamp": stamp,
                    "payload": {"stripe_customer_id": customer.id, "value": "1"},
                }
            )
        assert error.value.param == "timestamp"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.billing.meter_events.create({"event_name": "nights", "payload": {"value": "1"}})
    assert error.value.param == "payload[stripe_customer_id]"
    client.v1.billing.meter_events.create(
        {"event_name": "nights", "payload": {"stripe_customer_id": customer.id, "value": "2"}}
    )
    summaries = client.v1.billing.meters.event_summaries.list(
        meter.id, {"customer": customer.id, "start_time": now - 3600, "end_time": now + 3600}
    )
    assert summaries.data[0].aggregated_value == 6
    end = sub["items"].data[0].current_period_end
    emulator.advance(end - now + 60)
    renewal = client.v1.invoices.list({"subscription": sub.id}).data[0]
    assert renewal.billing_reason == "subscription_cycle"
    assert renewal.amount_paid == 6 * 300
    assert client.v1.billing.meters.deactivate(meter.id).status == "inactive"
    assert client.v1.billing.meters.reactivate(meter.id).status == "active"
