"""PaymentMethods: attach, detach and reuse rules, updates, and listing through both
endpoints."""

from __future__ import annotations

import pytest
import stripe


def _types(client: stripe.StripeClient) -> list[str]:
    return [event.type for event in client.v1.events.list({"limit": 100}).data]


def test_attach_detach_and_reuse_rules(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({"name": "Ada"})
    other = client.v1.customers.create({"name": "Bob"})
    method = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    assert method.id.startswith("pm_")
    assert method.customer == customer.id
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.payment_methods.attach(method.id, {"customer": other.id})
    assert "already been attached" in str(taken.value.user_message)
    detached = client.v1.payment_methods.detach(method.id)
    assert detached.customer is None
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.payment_methods.detach(method.id)
    assert again.value.param == "payment_method"
    with pytest.raises(stripe.InvalidRequestError) as spent:
        client.v1.payment_methods.attach(method.id, {"customer": customer.id})
    assert "may not be used again" in str(spent.value.user_message)
    assert _types(client).count("payment_method.attached") == 1
    assert _types(client).count("payment_method.detached") == 1


def test_decline_cards_cannot_be_attached_but_0341_can(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({})
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_methods.attach(
            "pm_card_visa_chargeDeclinedInsufficientFunds", {"customer": customer.id}
        )
    assert declined.value.code == "card_declined"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    fails_later = client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": customer.id}
    )
    assert fails_later.customer == customer.id
    with pytest.raises(stripe.CardError) as charged:
        client.v1.payment_intents.create(
            {
                "amount": 1000,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": fails_later.id,
                "payment_method_types": ["card"],
                "confirm": True,
            }
        )
    assert charged.value.code == "card_declined"


def test_consumed_method_cannot_be_reused(client: stripe.StripeClient) -> None:
    method = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    params = {
        "amount": 1000,
        "currency": "usd",
        "payment_method": method.id,
        "payment_method_types": ["card"],
        "confirm": True,
    }
    assert client.v1.payment_intents.create(params).status == "succeeded"  # type: ignore[arg-type]
    with pytest.raises(stripe.InvalidRequestError) as reused:
        client.v1.payment_intents.create(params)  # type: ignore[arg-type]
    assert reused.value.param == "payment_method"
    assert "It may not be used again" in str(reused.value.user_message)


def test_method_of_another_customer_is_refused(client: stripe.StripeClient) -> None:
    owner = client.v1.customers.create({})
    method = client.v1.payment_methods.attach("pm_card_visa", {"customer": owner.id})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "payment_method": method.id}
        )
    assert refused.value.param == "payment_method"
    assert owner.id in str(refused.value.user_message)
    assert client.v1.payment_intents.list().data == []


def test_update_requires_a_customer_and_emits(client: stripe.StripeClient) -> None:
    loose = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.update(loose.id, {"metadata": {"a": "b"}})
    customer = client.v1.customers.create({})
    client.v1.payment_methods.attach(loose.id, {"customer": customer.id})
    updated = client.v1.payment_methods.update(
        loose.id,
        {
            "billing_details": {"name": "Ada Lovelace", "address": {"country": "GB"}},
            "allow_redisplay": "always",
            "card": {"exp_month": 3, "exp_year": 2042},
        },
    )
    assert updated.billing_details.name == "Ada Lovelace"
    assert updated.billing_details.address is not None
    assert updated.billing_details.address.country == "GB"
    assert updated.allow_redisplay == "always"
    assert updated.card is not None
    assert updated.card.exp_year == 2042
    event = client.v1.events.list({"type": "payment_method.updated"}).data[0]
    assert "billing_details" in event.data.previous_attributes


def test_listing_through_both_endpoints(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create({})
    other = client.v1.customers.create({})
    made = [
        client.v1.payment_methods.attach("pm_card_mastercard", {"customer": customer.id}).id
        for _ in range(7)
    ]
    client.v1.payment_methods.attach("pm_card_visa", {"customer": other.id})
    walked = [
        m.id
        for m in client.v1.customers.payment_methods.list(
            customer.id, {"limit": 3}
        ).auto_paging_iter()
    ]
    assert walked == list(reversed(made))
    top = client.v1.payment_methods.list({"customer": customer.id, "type": "card", "limit": 2})
    assert [m.id for m in top.data] == [made[6], made[5]]
    assert top.has_more is True
    found = client.v1.customers.payment_methods.retrieve(customer.id, made[0])
    assert found.id == made[0]
    with pytest.raises(stripe.InvalidRequestError) as elsewhere:
        client.v1.customers.payment_methods.retrieve(other.id, made[0])
    assert elsewhere.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.payment_methods.retrieve("pm_doesNotExist")
    assert unknown.value.code == "resource_missing"
