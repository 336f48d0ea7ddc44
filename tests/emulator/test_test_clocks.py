"""Test clocks: the API, and subscriptions of a customer on a clock renewing at clock time."""

from __future__ import annotations

import pytest
import stripe

START = 1_767_225_600  # 2026-01-01T00:00:00Z


def test_clock_api_and_events(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "Jan"})
    assert clock.status == "ready"
    assert clock.frozen_time == START
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START - 1})
    assert error.value.param == "frozen_time"
    moving = client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + 86400})
    assert moving.status == "advancing"
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert ready.status == "ready"
    assert ready.frozen_time == START + 86400
    assert [c.id for c in client.v1.test_helpers.test_clocks.list().data] == [clock.id]
    assert client.v1.test_helpers.test_clocks.delete(clock.id).deleted is True
    types = [e.type for e in client.v1.events.list({"limit": 20}).data]
    for kind in ("created", "advancing", "ready", "deleted"):
        assert f"test_helpers.test_clock.{kind}" in types


def test_subscription_on_a_clock_renews_at_clock_time(client: stripe.StripeClient) -> None:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "clock@example.com", "test_clock": clock.id})
    method = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Clocked"},
        }
    )
    sub = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "default_payment_method": method.id,
            "trial_period_days": 10,
        }
    )
    assert sub.status == "trialing"
    assert sub.test_clock == clock.id
    assert sub.start_date == START
    assert sub.trial_end == START + 10 * 86400
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + 200 * 86400})
    assert error.value.param == "frozen_time"
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + 45 * 86400})
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    item = renewed["items"].data[0]
    assert item.current_period_start == START + 10 * 86400 + 31 * 86400  # Jan 11 → Feb 11
    invoices = client.v1.invoices.list({"customer": customer.id}).data
    assert [i.billing_reason for i in invoices] == [
        "subscription_cycle",
        "subscription_cycle",
        "subscription_create",
    ]
    assert all(i.status == "paid" for i in invoices)
    assert invoices[1].created == START + 10 * 86400
    assert invoices[0].amount_paid == 900
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert "customer.subscription.trial_will_end" in types
    assert "invoice.upcoming" in types
    # The global emulator clock did not move: a customer off the clock is untouched.
    other = client.v1.customers.create({"email": "off@example.com"})
    client.v1.payment_methods.attach("pm_card_visa", {"customer": other.id})
    assert client.v1.invoices.list({"customer": other.id}).data == []
