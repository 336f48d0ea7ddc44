"""Connect accounts through the official SDK: creation by ``type`` and ``controller``,
requirements and capabilities before and after onboarding (hosted page and control
endpoint), persons, external accounts, reject, login links, the platform's own account and
the ``payee`` checks other modules rely on."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

from stripe_emulator import Emulator
from stripe_emulator.errors import StripeError
from stripe_emulator.resources import accounts

CAPS = {"card_payments": {"requested": True}, "transfers": {"requested": True}}
LINK = {
    "type": "account_onboarding",
    "refresh_url": "https://app.example.com/connect/refresh",
    "return_url": "https://app.example.com/connect/return",
}


def _http(
    url: str, method: str = "GET", form: dict[str, str] | None = None, json_body: Any = None
) -> tuple[int, dict[str, str], str]:
    """One request without following redirects (the test checks each 303)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    headers: dict[str, str] = {}
    body: str | None = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if json_body is not None:
        body = json.dumps(json_body)
        headers["Content-Type"] = "application/json"
    connection.request(method, parts.path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def _session(page: str) -> str:
    marker = "name='session' value='"
    start = page.index(marker) + len(marker)
    return page[start : page.index("'", start)]


def _events(client: stripe.StripeClient, account: str, type_: str) -> list[Any]:
    found = client.v1.events.list({"type": type_, "limit": 100}, {"stripe_account": account})
    return list(found.data)


def _force(emulator: Emulator, account: str, state: str) -> dict[str, Any]:
    status, _, body = _http(
        f"{emulator.url}/_emulator/accounts/{account}/onboarding",
        "POST",
        json_body={"state": state},
    )
    assert status == 200, body
    result: dict[str, Any] = json.loads(body)
    return result


def _express(client: stripe.StripeClient, **extra: Any) -> stripe.Account:
    return client.v1.accounts.create(
        {"type": "express", "country": "US", "email": "host@example.com", "capabilities": CAPS}
        | extra
    )


# --- creation ---------------------------------------------------------------------------------


def test_account_types_and_their_controller(client: stripe.StripeClient) -> None:
    standard = client.v1.accounts.create({"type": "standard", "email": "s@example.com"})
    assert standard.id.startswith("acct_1")
    assert standard.type == "standard"
    assert standard.controller is not None
    assert standard.controller.stripe_dashboard is not None
    assert standard.controller.stripe_dashboard.type == "full"
    assert standard.controller.requirement_collection == "stripe"
    assert standard.capabilities is not None
    assert standard.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}

    express = _express(client)
    assert express.type == "express"
    assert express.controller is not None
    assert express.controller.fees is not None
    assert express.controller.fees.payer == "application_express"
    assert express.controller.losses is not None
    assert express.controller.losses.payments == "application"

    custom = client.v1.accounts.create(
        {"type": "custom", "country": "GB", "capabilities": {"transfers": {"requested": True}}}
    )
    assert custom.type == "custom"
    assert custom.default_currency == "gbp"
    assert custom.controller is not None
    assert custom.controller.requirement_collection == "application"
    assert custom.tos_acceptance is not None
    assert custom.tos_acceptance.service_agreement == "full"

    assert [a.id for a in client.v1.accounts.list().data] == [custom.id, express.id, standard.id]


def test_controller_properties_map_to_types(client: stripe.StripeClient) -> None:
    like_custom = client.v1.accounts.create(
        {
            "country": "AE",
            "controller": {
                "fees": {"payer": "application"},
                "losses": {"payments": "application"},
                "requirement_collection": "application",
                "stripe_dashboard": {"type": "none"},
            },
            "capabilities": CAPS,
        }
    )
    assert like_custom.type == "custom"
    assert like_custom.default_currency == "aed"
    assert like_custom.controller is not None
    assert like_custom.controller.fees is not None
    assert like_custom.controller.fees.payer == "application"

    like_express = client.v1.accounts.create(
        {
            "controller": {
                "fees": {"payer": "application"},
                "losses": {"payments": "application"},
                "stripe_dashboard": {"type": "express"},
            }
        }
    )
    assert like_express.type == "express"

    defaults = client.v1.accounts.create({"controller": {}})
    assert defaults.type == "standard"

    other = client.v1.accounts.create(
        {"controller": {"fees": {"payer": "application"}, "stripe_dashboard": {"type": "none"}}}
    )
    assert other.type == "none"


def test_bad_creation_params_change_nothing(client: stripe.StripeClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "express", "controller": {"fees": {"payer": "application"}}}, "controller"),
        (
            {"controller": {"losses": {"payments": "application"}}},
            "controller[fees][payer]",
        ),
        (
            {
                "controller": {
                    "fees": {"payer": "application"},
                    "losses": {"payments": "application"},
                    "requirement_collection": "application",
                }
            },
            "controller[stripe_dashboard][type]",
        ),
        ({"type": "express", "country": "ZZ"}, "country"),
        ({"type": "weird"}, "type"),
        (
            {"type": "express", "capabilities": {"teleport": {"requested": True}}},
            "capabilities[teleport]",
        ),
        ({"type": "express", "tos_acceptance": {"date": 1, "ip": "1.1.1.1"}}, "tos_acceptance"),
        (
            {
                "type": "custom",
                "external_account": {
                    "object": "bank_account",
                    "country": "US",
                    "account_number": "000123456789",
                    "routing_number": "11000",
                },
            },
            "external_account[routing_number]",
        ),
        ({"type": "custom", "external_account": "btok_nope"}, "external_account"),
        ({"type": "custom", "business_profile": {"colour": "red"}}, "business_profile[colour]"),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as error:
            client.v1.accounts.create(params)
        assert error.value.param == param, params
    assert client.v1.accounts.list().data == []


# --- requirements and onboarding ----------------------------------------------------------------


def test_new_express_account_is_disabled_until_onboarded(client: stripe.StripeClient) -> None:
    account = _express(client)
    assert account.charges_enabled is False
    assert account.payouts_enabled is False
    assert account.details_submitted is False
    assert account.requirements is not None
    due = account.requirements.currently_due
    assert due is not None
    for field in ("business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"):
        assert field in due
    assert account.requirements.past_due == due
    assert account.requirements.disabled_reason == "requirements.past_due"
    capability = client.v1.accounts.capabilities.retrieve(account.id, "transfers")
    assert capability.status == "inactive"
    assert capability.requested is True
    assert capability.requirements is not None
    assert capability.requirements.disabled_reason == "requirements.fields_needed"

    individual = client.v1.accounts.create(
        {"type": "express", "business_type": "individual", "capabilities": CAPS}
    )
    assert individual.requirements is not None
    assert "individual.ssn_last_4" in (individual.requirements.currently_due or [])
    assert "individual.id_number" in (individual.requirements.eventually_due or [])

    none_requested = client.v1.accounts.create({"type": "express"})
    assert none_requested.requirements is not None
    assert none_requested.requirements.disabled_reason == "action_required.requested_capabilities"


def test_hosted_onboarding_submits_and_redirects(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    account = _express(client)
    link = client.v1.account_links.create({"account": account.id, **LINK})
    assert link.object == "account_link"
    assert link.expires_at == link.created + 300

    status, _, page = _http(link.url)
    assert status == 200
    assert "tos_acceptance.date" in page
    assert "Submit and return" in page
    status, headers, _ = _http(
        link.url, "POST", form={"action": "submit", "session": _session(page)}
    )
    assert status == 303
    assert headers["location"] == LINK["return_url"]

    done = client.v1.accounts.retrieve(account.id)
    assert done.details_submitted is True
    assert done.charges_enabled is True
    assert done.payouts_enabled is True
    assert done.requirements is not None
    assert done.requirements.currently_due == []
    assert done.requirements.disabled_reason is None
    assert done.capabilities is not None
    assert done.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}
    assert done.external_accounts is not None
    banks = done.external_accounts.data
    assert len(banks) == 1
    assert banks[0].default_for_currency is True

    updated = _events(client, account.id, "account.updated")
    assert len(updated) == 1
    assert updated[0].account == account.id
    previous = updated[0].to_dict()["data"]["previous_attributes"]
    assert previous["charges_enabled"] is False
    assert previous["capabilities"] == {"card_payments": "inactive", "transfers": "inactive"}
    caps = _events(client, account.id, "capability.updated")
    assert sorted(e.data.object["id"] for e in caps) == ["card_payments", "transfers"]
    assert {e.to_dict()["data"]["previous_attributes"]["status"] for e in caps} == {"inactive"}
    assert _events(client, account.id, "account.external_account.created")

    # single use: the same link again goes to refresh_url, so does a replayed form
    status, headers, _ = _http(link.url)
    assert status == 303
    assert headers["location"] == LINK["refresh_url"]
    status, headers, _ = _http(link.url, "POST", form={"action": "submit", "session": "x"})
    assert headers["location"] == LINK["refresh_url"]
    # the platform's own events do not include the connected account's
    assert client.v1.events.list({"type": "account.updated"}).data == []


def test_expired_and_left_links(client: stripe.StripeClient, emulator: Emulator) -> None:
    account = _express(client)
    expired = client.v1.account_links.create({"account": account.id, **LINK})
    emulator.advance(301)
    status, headers, _ = _http(expired.url)
    assert status == 303
    assert headers["location"] == LINK["refresh_url"]

    fresh = client.v1.account_links.create({"account": account.id, **LINK})
    _, _, page = _http(fresh.url)
    status, headers, _ = _http(
        fresh.url, "POST", form={"action": "leave", "session": _session(page)}
    )
    assert status == 303
    assert headers["location"] == LINK["return_url"]
    assert client.v1.accounts.retrieve(account.id).details_submitted is False
    assert _events(client, account.id, "account.updated") == []


def test_account_link_validation(client: stripe.StripeClient) -> None:
    express = _express(client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.account_links.create({"account": express.id, **LINK, "type": "account_update"})
    assert error.value.param == "type"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.account_links.create(
            {"account": express.id, "type": "account_onboarding", "return_url": LINK["return_url"]}
        )
    assert error.value.param == "refresh_url"
    with pytest.raises(stripe.PermissionError) as denied:
        client.v1.account_links.create({"account": "acct_1Missing0000000", **LINK})
    assert (denied.value.json_body or {})["error"]["code"] == "account_invalid"
    custom = client.v1.accounts.create({"type": "custom", "capabilities": CAPS})
    update_link = client.v1.account_links.create(
        {
            "account": custom.id,
            **LINK,
            "type": "account_update",
            "collection_options": {"fields": "eventually_due"},
        }
    )
    assert "/onboarding/" in update_link.url


@pytest.mark.parametrize("business_type", ["individual", "company"])
def test_control_states(
    client: stripe.StripeClient, emulator: Emulator, business_type: str
) -> None:
    account = _express(client, business_type=business_type)
    complete = _force(emulator, account.id, "complete")
    assert complete["charges_enabled"] is True
    assert complete["payouts_enabled"] is True
    assert complete["requirements"]["eventually_due"] == []
    if business_type == "company":
        representatives = client.v1.accounts.persons.list(
            account.id, {"relationship": {"representative": True}}
        )
        assert len(representatives.data) == 1
        assert representatives.data[0].first_name == "Jenny"

    restricted = _force(emulator, account.id, "restricted")
    document = (
        "individual.verification.document"
        if business_type == "individual"
        else "representative.verification.document"
    )
    assert restricted["requirements"]["currently_due"] == [document]
    assert restricted["requirements"]["past_due"] == []
    assert restricted["requirements"]["current_deadline"] > 0
    assert restricted["charges_enabled"] is True
    assert restricted["payouts_enabled"] is False
    last = _events(client, account.id, "account.updated")[0]
    assert last.to_dict()["data"]["previous_attributes"]["payouts_enabled"] is True

    # the deadline passing makes it past due, automatically
    emulator.advance(7 * 24 * 3600 + 1)
    lapsed = client.v1.accounts.retrieve(account.id)
    assert lapsed.requirements is not None
    assert lapsed.requirements.past_due == [document]
    assert lapsed.requirements.disabled_reason == "requirements.past_due"
    assert lapsed.charges_enabled is False
    automatic = _events(client, account.id, "account.updated")[0]
    assert automatic.request is not None
    assert automatic.request.id is None
    assert automatic.to_dict()["data"]["previous_attributes"]["charges_enabled"] is True

    _force(emulator, account.id, "complete")
    past_due = _force(emulator, account.id, "past_due")
    assert past_due["requirements"]["past_due"] == [document]
    assert past_due["requirements"]["disabled_reason"] == "requirements.past_due"
    assert past_due["charges_enabled"] is False
    assert past_due["payouts_enabled"] is False
    assert past_due["capabilities"] == {"card_payments": "inactive", "transfers": "inactive"}
    transfers = client.v1.accounts.capabilities.retrieve(account.id, "transfers")
    assert transfers.requirements is not None
    assert transfers.requirements.past_due == [document]

    rejected = _force(emulator, account.id, "rejected")
    assert rejected["requirements"]["disabled_reason"] == "rejected.other"
    assert rejected["charges_enabled"] is False

    status, _, body = _http(
        f"{emulator.url}/_emulator/accounts/{account.id}/onboarding", "POST", form={"state": "odd"}
    )
    assert status == 400
    assert json.loads(body)["error"]["param"] == "state"


def test_custom_account_completes_through_the_api(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(
        {"type": "custom", "country": "US", "business_type": "individual", "capabilities": CAPS}
    )
    assert account.individual is not None
    assert account.charges_enabled is False
    updated = client.v1.accounts.update(
        account.id,
        {
            "business_profile": {"mcc": "7011", "url": "https://rentals.example.com"},
            "tos_acceptance": {"date": 1_700_000_000, "ip": "203.0.113.9"},
            "external_account": "btok_us_verified",
            "individual": {
                "first_name": "Jenny",
                "last_name": "Rosen",
                "email": "jenny@example.com",
                "phone": "+10000000000",
                "dob": {"day": 1, "month": 1, "year": 1901},
                "ssn_last_4": "0000",
                "address": {
                    "line1": "address_full_match",
                    "city": "San Francisco",
                    "state": "CA",
                    "postal_code": "94111",
                },
            },
        },
    )
    assert updated.requirements is not None
    assert updated.requirements.currently_due == []
    assert updated.requirements.eventually_due == ["individual.id_number"]
    assert updated.details_submitted is True
    assert updated.charges_enabled is True
    assert updated.payouts_enabled is True
    assert updated.individual is not None
    assert updated.individual.ssn_last_4_provided is True
    event = _events(client, account.id, "account.updated")[0]
    previous = event.to_dict()["data"]["previous_attributes"]
    assert previous["charges_enabled"] is False
    assert previous["individual"]["first_name"] is None
    assert _events(client, account.id, "person.updated")[0].account == account.id


def test_update_metadata_and_platform_account(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    account = _express(client)
    client.v1.accounts.update(account.id, {"metadata": {"host": "42"}, "email": "new@example.com"})
    event = _events(client, account.id, "account.updated")[0]
    assert event.to_dict()["data"]["previous_attributes"] == {
        "metadata": {},
        "email": "host@example.com",
    }
    assert event.to_dict()["data"]["object"]["metadata"] == {"host": "42"}

    platform = client.v1.accounts.retrieve_current()
    assert platform.id == emulator.store.platform
    assert platform.charges_enabled is True
    assert platform.id not in [a.id for a in client.v1.accounts.list().data]
    own = client.v1.accounts.retrieve_current(options={"stripe_account": account.id})
    assert own.id == account.id


def test_delete_and_unknown_accounts(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create({"type": "custom", "capabilities": CAPS})
    gone = client.v1.accounts.delete(account.id)
    assert gone.deleted is True
    with pytest.raises(stripe.PermissionError) as error:
        client.v1.accounts.retrieve(account.id)
    assert (error.value.json_body or {})["error"]["code"] == "account_invalid"
    with pytest.raises(stripe.PermissionError):
        client.v1.customers.list(options={"stripe_account": account.id})


def test_list_pagination(client: stripe.StripeClient) -> None:
    made = [client.v1.accounts.create({"type": "express"}).id for _ in range(12)]
    walked = [a.id for a in client.v1.accounts.list({"limit": 5}).auto_paging_iter()]
    assert walked == list(reversed(made))
    first = client.v1.accounts.list({"limit": 3})
    assert first.has_more is True
    assert first.url == "/v1/accounts"


# --- capabilities -------------------------------------------------------------------------------


def test_capabilities_request_and_unrequest(
    client: stripe.StripeClient, emulator: Emulator
) -> None:
    account = client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    _force(emulator, account.id, "complete")
    listed = client.v1.accounts.capabilities.list(account.id)
    assert [(c.id, c.status) for c in listed.data] == [("transfers", "active")]

    card = client.v1.accounts.capabilities.update(account.id, "card_payments", {"requested": True})
    assert card.status == "active"
    assert card.requested_at is not None
    assert client.v1.accounts.retrieve(account.id).charges_enabled is True
    unrequested = client.v1.accounts.capabilities.update(
        account.id, "card_payments", {"requested": False}
    )
    assert unrequested.status == "unrequested"
    assert unrequested.requested is False
    after = client.v1.accounts.retrieve(account.id)
    assert after.capabilities is not None
    assert after.capabilities.to_dict() == {"transfers": "active"}
    assert after.charges_enabled is False
    changes = [
        (e.data.object["id"], e.data.object["status"])
        for e in _events(client, account.id, "capability.updated")
    ]
    assert changes[:2] == [("card_payments", "unrequested"), ("card_payments", "active")]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.capabilities.retrieve(account.id, "teleport")
    assert error.value.code == "resource_missing"


# --- persons ------------------------------------------------------------------------------------


def test_persons_crud_with_events(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(
        {"type": "custom", "business_type": "company", "capabilities": CAPS}
    )
    assert account.requirements is not None
    assert "representative.first_name" in (account.requirements.currently_due or [])
    person = client.v1.accounts.persons.create(
        account.id,
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "relationship": {"representative": True, "title": "CEO", "percent_ownership": 60},
            "id_number": "000000000",
            "metadata": {"role": "founder"},
        },
    )
    assert person.id.startswith("person_")
    assert person.account == account.id
    assert person.id_number_provided is True
    assert person.relationship is not None
    assert person.relationship.percent_ownership == 60.0
    assert person.requirements is not None
    assert "dob.day" in person.requirements.currently_due
    due = client.v1.accounts.retrieve(account.id).requirements
    assert due is not None
    assert "representative.first_name" not in (due.currently_due or [])

    director = client.v1.accounts.persons.create(
        account.id, {"first_name": "Bo", "relationship": {"director": True}}
    )
    reps = client.v1.accounts.persons.list(account.id, {"relationship": {"representative": True}})
    assert [p.id for p in reps.data] == [person.id]
    assert len(client.v1.accounts.persons.list(account.id).data) == 2

    changed = client.v1.accounts.persons.update(account.id, person.id, {"email": "ada@example.com"})
    assert changed.email == "ada@example.com"
    fetched = client.v1.accounts.persons.retrieve(account.id, person.id)
    assert fetched.to_dict()["metadata"] == {"role": "founder"}
    deleted = client.v1.accounts.persons.delete(account.id, director.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.persons.retrieve(account.id, director.id)
    assert error.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.persons.create(account.id, {"nickname": "x"})
    assert error.value.param == "nickname"

    kinds = {
        e.type: e for e in client.v1.events.list({"limit": 50}, {"stripe_account": account.id}).data
    }
    assert {"person.created", "person.updated", "person.deleted"} <= set(kinds)
    assert all(e.account == account.id for e in kinds.values())
    assert kinds["person.updated"].to_dict()["data"]["previous_attributes"] == {"email": None}


# --- external accounts ----------------------------------------------------------------------------


def test_external_accounts_crud(client: stripe.StripeClient, emulator: Emulator) -> None:
    account = client.v1.accounts.create({"type": "custom", "capabilities": CAPS})
    first = client.v1.accounts.external_accounts.create(
        account.id, {"external_account": "btok_us_verified"}
    )
    assert first.object == "bank_account"
    assert first.default_for_currency is True
    assert first.last4 == "6789"
    assert first.routing_number == "110000000"
    failing = client.v1.accounts.external_accounts.create(
        account.id,
        {
            "external_account": {
                "object": "bank_account",
                "country": "US",
                "currency": "usd",
                "routing_number": "110000000",
                "account_number": "000111111116",
                "account_holder_name": "Jane Host",
                "account_holder_type": "individual",
            },
            "metadata": {"k": "v"},
        },
    )
    assert failing.default_for_currency is False
    assert failing.to_dict()["metadata"] == {"k": "v"}
    assert emulator.store.private(failing.id)["payout_failure"] == "no_account"
    assert emulator.store.private(first.id)["payout_failure"] is None
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.external_accounts.create(
            account.id, {"external_account": "btok_us_verified"}
        )
    assert error.value.code == "bank_account_exists"

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.external_accounts.delete(account.id, first.id)
    assert "default bank account" in str(error.value.user_message)
    promoted = client.v1.accounts.external_accounts.update(
        account.id, failing.id, {"default_for_currency": True}
    )
    assert promoted.default_for_currency is True
    removed = client.v1.accounts.external_accounts.delete(account.id, first.id)
    assert removed.deleted is True
    listed = client.v1.accounts.external_accounts.list(account.id, {"object": "bank_account"})
    assert [b.id for b in listed.data] == [failing.id]
    embedded = client.v1.accounts.retrieve(account.id).external_accounts
    assert embedded is not None
    assert [b.id for b in embedded.data] == [failing.id]

    types = [e.type for e in client.v1.events.list({}, {"stripe_account": account.id}).data]
    assert types.count("account.external_account.created") == 2
    assert "account.external_account.deleted" in types
    assert "account.external_account.updated" in types
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.external_accounts.create(
            account.id,
            {
                "external_account": {
                    "object": "bank_account",
                    "country": "US",
                    "account_number": "12",
                    "routing_number": "110000000",
                }
            },
        )
    assert error.value.param == "external_account[account_number]"


# --- reject, login links ------------------------------------------------------------------------


def test_reject_and_unreject(client: stripe.StripeClient, emulator: Emulator) -> None:
    account = _express(client)
    _force(emulator, account.id, "complete")
    rejected = client.v1.accounts.reject(account.id, {"reason": "fraud"})
    assert rejected.requirements is not None
    assert rejected.requirements.disabled_reason == "rejected.fraud"
    assert rejected.charges_enabled is False
    assert rejected.payouts_enabled is False
    assert rejected.capabilities is not None
    assert rejected.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    card = client.v1.accounts.capabilities.retrieve(account.id, "card_payments")
    assert card.requirements is not None
    assert card.requirements.disabled_reason == "rejected.other"
    terms = client.v1.accounts.reject(account.id, {"reason": "terms_of_service"})
    assert terms.requirements is not None
    assert terms.requirements.disabled_reason == "rejected.terms_of_service"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.reject(account.id, {"reason": "boredom"})
    assert error.value.param == "reason"
    back = client.v1.accounts.unreject(account.id)
    assert back.charges_enabled is True


def test_login_links(client: stripe.StripeClient, emulator: Emulator) -> None:
    express = _express(client)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(express.id)
    _force(emulator, express.id, "complete")
    link = client.v1.accounts.login_links.create(express.id)
    assert link.object == "login_link"
    status, _, page = _http(link.url)
    assert status == 200
    assert express.id in page
    assert _http(link.url)[0] == 410
    standard = client.v1.accounts.create({"type": "standard"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.accounts.login_links.create(standard.id)
    assert "Express" in str(error.value.user_message)


# --- payee --------------------------------------------------------------------------------------


def test_payee_checks(client: stripe.StripeClient, emulator: Emulator) -> None:
    account = _express(client)
    ctx = emulator.ctx()
    with pytest.raises(StripeError) as missing_account:
        accounts.payee(
            ctx, "acct_1Nope00000000000", param="transfer_data[destination]", capability="transfers"
        )
    assert missing_account.value.status == 400
    assert missing_account.value.param == "transfer_data[destination]"
    assert missing_account.value.message == "No such destination: 'acct_1Nope00000000000'"
    with pytest.raises(StripeError) as inactive:
        accounts.payee(ctx, account.id, param="destination", capability="transfers")
    assert inactive.value.status == 400
    assert inactive.value.message.startswith(
        "Your destination account needs to have at least one of the following capabilities"
    )
    with pytest.raises(StripeError) as on_behalf:
        accounts.payee(ctx, account.id, param="on_behalf_of", capability="card_payments")
    assert on_behalf.value.param == "on_behalf_of"

    emulator.store.settings["lenient_capabilities"] = True
    try:
        assert (
            accounts.payee(ctx, account.id, param="destination", capability="transfers")["id"]
            == account.id
        )
    finally:
        emulator.store.settings.pop("lenient_capabilities")
    _force(emulator, account.id, "complete")
    assert (
        accounts.payee(ctx, account.id, param="destination", capability="transfers")["id"]
        == account.id
    )
    assert accounts.payee(ctx, account.id, param="on_behalf_of", capability="card_payments")


def test_onboarding_outside_the_us(client: stripe.StripeClient, emulator: Emulator) -> None:
    account = client.v1.accounts.create(
        {"type": "express", "country": "AE", "business_type": "company", "capabilities": CAPS}
    )
    assert account.default_currency == "aed"
    assert account.requirements is not None
    assert "company.address.state" not in (account.requirements.currently_due or [])
    done = _force(emulator, account.id, "complete")
    assert done["payouts_enabled"] is True
    bank = done["external_accounts"]["data"][0]
    assert bank["currency"] == "aed"
    assert bank["country"] == "AE"
    assert bank["routing_number"] is None
    assert done["company"]["address"]["country"] == "AE"
    assert done["company"]["address"]["state"] is None
