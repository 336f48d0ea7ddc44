"""Bookings over HTTP: holds that expire, requests a host answers, counter-offers,
modifications, cancellations with their refunds, and a stay from arrival to completion."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from innkeeper.bookings.expiry import complete_due, expire_due
from innkeeper.core.clock import FixedClock
from innkeeper.services import Services

API = "/api/v1"
CONTACT = {"name": "Layla Haddad", "email": "layla@example.com", "phone": "+971501234567"}


def quote(
    client: TestClient, stay: dict[str, Any], check_in: str, check_out: str, **extra: Any
) -> Any:
    body = {"listing_id": stay["id"], "check_in": check_in, "check_out": check_out} | extra
    return client.post(f"{API}/quotes", json=body)


def book(
    client: TestClient,
    stay: dict[str, Any],
    check_in: str,
    check_out: str,
    who: str = "guest",
    **extra: Any,
) -> Any:
    on_request = (
        {"price_on_request": extra.pop("price_on_request")} if "price_on_request" in extra else {}
    )
    made = quote(client, stay, check_in, check_out, **on_request)
    assert made.status_code == 201, made.text
    body = {"quote_id": made.json()["id"], "contact": CONTACT} | extra
    return client.post(f"{API}/bookings", json=body, headers=stay[who])


def act(client: TestClient, booking: dict[str, Any], action: str, headers: Any, **body: Any) -> Any:
    return client.post(f"{API}/bookings/{booking['id']}/{action}", json=body, headers=headers)


def set_rules(client: TestClient, stay: dict[str, Any], **rules: Any) -> None:
    response = client.put(f"{stay['base']}/availability", json=rules, headers=stay["host"])
    assert response.status_code == 200, response.text


def test_instant_booking_holds_the_dates_for_fifteen_minutes(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    made = book(client, stay, "2026-12-10", "2026-12-13", special_requests="Late arrival")
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["status"] == "pending_payment"
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", booking["code"])
    assert booking["deadline_at"] == "2026-11-22T09:15:00Z"
    assert booking["guest_total"]["amount_minor"] == 1500_00
    assert booking["cancellation_policy"]["kind"] == "flexible"
    assert set(booking["actions"]) == {"cancel", "modify"}

    taken = quote(client, stay, "2026-12-12", "2026-12-14")
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "unavailable"
    assert taken.json()["error"]["details"]["reasons"][0]["dates"] == ["2026-12-12"]

    clock.advance(minutes=16)
    assert expire_due(services) == 1
    expired = client.get(f"{API}/bookings/{booking['id']}", headers=stay["guest"]).json()
    assert expired["status"] == "expired"
    assert expired["deadline_at"] is None
    assert quote(client, stay, "2026-12-12", "2026-12-14").status_code == 201


def test_posting_the_same_quote_twice_returns_the_same_booking(
    client: TestClient, stay: dict[str, Any]
) -> None:
    made = quote(client, stay, "2026-12-10", "2026-12-12").json()
    body = {"quote_id": made["id"], "contact": CONTACT}
    first = client.post(f"{API}/bookings", json=body, headers=stay["guest"])
    again = client.post(f"{API}/bookings", json=body, headers=stay["guest"])
    assert first.json()["id"] == again.json()["id"]
    stolen = client.post(f"{API}/bookings", json=body, headers=stay["other"])
    assert stolen.status_code == 409
    assert stolen.json()["error"]["code"] == "quote_used"


def test_an_expired_quote_cannot_be_booked(
    client: TestClient, stay: dict[str, Any], clock: FixedClock
) -> None:
    made = quote(client, stay, "2026-12-10", "2026-12-12").json()
    clock.advance(minutes=31)
    body = {"quote_id": made["id"], "contact": CONTACT}
    response = client.post(f"{API}/bookings", json=body, headers=stay["guest"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quote_expired"


def test_guest_cancellation_refunds_by_policy_and_the_host_in_full(
    client: TestClient, stay: dict[str, Any], clock: FixedClock
) -> None:
    booking = book(client, stay, "2026-12-10", "2026-12-13").json()
    paid = act(client, booking, "confirm-payment", stay["admin"], reason="paid by bank transfer")
    assert paid.json()["status"] == "confirmed"
    assert paid.json()["paid"]["amount_minor"] == 1500_00

    guest_view = client.get(f"{API}/bookings/{booking['id']}/refund-preview", headers=stay["guest"])
    assert guest_view.json()["as_role"] == "guest"
    assert guest_view.json()["refund_now"]["amount_minor"] == 1500_00  # flexible, 18 days ahead
    host_view = client.get(f"{API}/bookings/{booking['id']}/refund-preview", headers=stay["host"])
    assert host_view.json()["in_full"] is True

    clock.advance(days=17, hours=12)  # 2026-12-09 21:00 Dubai: under a day before arrival
    late = client.get(f"{API}/bookings/{booking['id']}/refund-preview", headers=stay["guest"])
    assert late.json()["percent"] == "0"
    assert late.json()["refund_now"]["amount_minor"] == 0

    no_reason = act(client, booking, "cancel", stay["guest"])
    assert no_reason.status_code == 422
    cancelled = act(client, booking, "cancel", stay["guest"], reason="plans changed").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["ended_by"] == "guest"
    assert cancelled["refund_due"]["amount_minor"] == 0
    assert quote(client, stay, "2026-12-10", "2026-12-12").status_code == 201


def test_host_cancellation_refunds_everything(client: TestClient, stay: dict[str, Any]) -> None:
    booking = book(client, stay, "2026-12-10", "2026-12-13").json()
    act(client, booking, "confirm-payment", stay["admin"])
    cancelled = act(client, booking, "cancel", stay["host"], reason="burst pipe").json()
    assert cancelled["ended_by"] == "host"
    assert cancelled["refund_due"]["amount_minor"] == 1500_00


def test_requests_wait_for_the_host_and_accepting_one_declines_its_rivals(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    set_rules(client, stay, instant_book=False, response_hours=12)
    first = book(client, stay, "2026-12-10", "2026-12-13", message="Anniversary trip").json()
    rival = book(client, stay, "2026-12-12", "2026-12-14", who="other").json()
    apart = book(client, stay, "2026-12-20", "2026-12-22", who="other").json()
    assert first["status"] == rival["status"] == "requested"
    assert first["deadline_at"] == "2026-11-22T21:00:00Z"
    assert set(first["actions"]) == {"cancel"}  # for the guest
    assert act(client, first, "accept", stay["guest"]).status_code == 403

    accepted = act(client, first, "accept", stay["host"]).json()
    assert accepted["status"] == "pending_payment"
    assert accepted["deadline_at"] == "2026-11-23T09:00:00Z"  # a day to pay
    rival_now = client.get(f"{API}/bookings/{rival['id']}", headers=stay["other"]).json()
    assert rival_now["status"] == "declined"
    assert rival_now["ended_by"] == "system"
    assert (
        client.get(f"{API}/bookings/{apart['id']}", headers=stay["other"]).json()["status"]
        == "requested"
    )

    again = act(client, first, "accept", stay["host"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"

    declined = act(client, apart, "decline", stay["host"], reason="owner staying").json()
    assert declined["reason"] == "owner staying"

    clock.advance(hours=25)
    expire_due(services)
    assert (
        client.get(f"{API}/bookings/{first['id']}", headers=stay["guest"]).json()["status"]
        == "expired"
    )


def test_a_counter_offer_with_other_dates_and_price(
    client: TestClient, stay: dict[str, Any]
) -> None:
    set_rules(client, stay, instant_book=False)
    request = book(client, stay, "2026-12-10", "2026-12-13").json()
    offer = {"check_in": "2026-12-11", "price_minor": 1200_00, "message": "From Friday?"}
    offered = act(client, request, "counter-offer", stay["host"], **offer)
    assert offered.status_code == 200, offered.text
    assert offered.json()["status"] == "counter_offered"
    assert offered.json()["offer"]["check_out"] == "2026-12-14"  # the same three nights
    assert offered.json()["offer"]["guest_total"]["amount_minor"] == 1200_00
    assert act(client, request, "offer/accept", stay["host"]).status_code == 403

    taken = act(client, request, "offer/accept", stay["guest"]).json()
    assert taken["status"] == "pending_payment"
    assert (taken["check_in"], taken["check_out"]) == ("2026-12-11", "2026-12-14")
    assert taken["guest_total"]["amount_minor"] == 1200_00
    assert [line["code"] for line in taken["lines"]] == ["offer"]


def test_modifying_dates_moves_the_allocation_or_changes_nothing(
    client: TestClient, stay: dict[str, Any]
) -> None:
    booking = book(client, stay, "2026-12-10", "2026-12-13").json()
    act(client, booking, "confirm-payment", stay["admin"])
    other = book(client, stay, "2026-12-20", "2026-12-22", who="other").json()
    assert other["status"] == "pending_payment"

    clash = act(client, booking, "modify", stay["guest"], check_in="2026-12-19")
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "unavailable"
    kept = client.get(f"{API}/bookings/{booking['id']}", headers=stay["guest"]).json()
    assert (kept["check_in"], kept["status"]) == ("2026-12-10", "confirmed")
    assert quote(client, stay, "2026-12-11", "2026-12-12").status_code == 409  # still held

    longer = act(client, booking, "modify", stay["guest"], check_out="2026-12-15").json()
    assert longer["check_out"] == "2026-12-15"
    assert longer["guest_total"]["amount_minor"] == 2500_00
    history = client.get(f"{API}/bookings/{booking['id']}/changes", headers=stay["guest"]).json()
    assert history[0]["difference"]["amount_minor"] == 1000_00
    assert history[0]["settlement"] == "due"
    assert quote(client, stay, "2026-12-14", "2026-12-16").status_code == 409


def test_a_stay_from_check_in_to_completion(
    client: TestClient, stay: dict[str, Any], services: Services, clock: FixedClock
) -> None:
    booking = book(client, stay, "2026-11-24", "2026-11-26").json()
    act(client, booking, "confirm-payment", stay["admin"])
    early = act(client, booking, "check-in", stay["host"])
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "too_early"

    clock.advance(days=2, hours=6)  # 2026-11-24 19:00 in Dubai
    checked_in = act(client, booking, "check-in", stay["host"]).json()
    assert checked_in["status"] == "checked_in"
    out = act(client, booking, "check-out", stay["host"]).json()
    assert out["status"] == "completed"

    second = book(client, stay, "2026-11-26", "2026-11-27").json()
    act(client, second, "confirm-payment", stay["admin"])
    clock.advance(days=3)
    assert complete_due(services) == 1
    done = client.get(f"{API}/bookings/{second['id']}", headers=stay["guest"]).json()
    assert done["status"] == "completed"


def test_turnover_days_keep_stays_apart(client: TestClient, stay: dict[str, Any]) -> None:
    set_rules(client, stay, turnover_days=1)
    book(client, stay, "2026-12-10", "2026-12-13")
    touching = quote(client, stay, "2026-12-13", "2026-12-15")
    assert touching.status_code == 409
    assert touching.json()["error"]["details"]["reasons"][0]["reason"] == "turnover"
    assert quote(client, stay, "2026-12-14", "2026-12-16").status_code == 201
    assert quote(client, stay, "2026-12-07", "2026-12-09").status_code == 201
    assert quote(client, stay, "2026-12-07", "2026-12-10").status_code == 409


def test_bookings_are_private_to_their_guest_host_and_admins(
    client: TestClient, stay: dict[str, Any]
) -> None:
    booking = book(client, stay, "2026-12-10", "2026-12-13").json()
    assert client.get(f"{API}/bookings/{booking['id']}", headers=stay["other"]).status_code == 404
    assert client.get(f"{API}/bookings/{booking['id']}").status_code == 401
    listed = client.get(f"{API}/organizations/{stay['org']}/bookings", headers=stay["host"])
    assert listed.json()["total"] == 1
    assert set(listed.json()["items"][0]["actions"]) == {"cancel", "modify"}
    mine = client.get(f"{API}/bookings", headers=stay["guest"]).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]]
    assert client.get(f"{API}/bookings", headers=stay["other"]).json()["total"] == 0
    found = client.get(
        f"{API}/admin/bookings", params={"code": booking["code"]}, headers=stay["admin"]
    )
    assert found.json()["total"] == 1


def test_every_transition_is_in_the_audit_log(
    client: TestClient, stay: dict[str, Any], services: Services
) -> None:
    booking = book(client, stay, "2026-12-10", "2026-12-13").json()
    act(client, booking, "confirm-payment", stay["admin"], reason="cash")
    act(client, booking, "cancel", stay["guest"], reason="plans changed")
    with services.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT action, from_state, to_state, reason, changes->>'role' FROM audit_entry "
                "WHERE entity_type = 'booking' AND entity_id = :id ORDER BY id"
            ),
            {"id": booking["id"]},
        ).all()
    assert [tuple(row) for row in rows] == [
        ("booking.book", None, "pending_payment", None, "guest"),
        ("booking.payment_succeeded", "pending_payment", "confirmed", "cash", "admin"),
        ("booking.cancel", "confirmed", "cancelled", "plans changed", "guest"),
    ]


def test_a_listing_without_an_instant_price_is_requested_and_priced_by_an_offer(
    client: TestClient, stay: dict[str, Any]
) -> None:
    """Quote-only listings (a villa priced per enquiry) take requests; the host's offer
    names the price, and the guest takes it or leaves it."""
    priced = quote(client, stay, "2026-12-10", "2026-12-13", price_on_request=True)
    assert priced.status_code == 422
    assert priced.json()["error"]["fields"][0]["field"] == "price_on_request"
    response = client.put(
        f"{stay['base']}/pricing", json={"quote_only": True}, headers=stay["host"]
    )
    assert response.status_code == 200, response.text
    refused = quote(client, stay, "2026-12-10", "2026-12-13")
    assert refused.json()["error"]["code"] == "quote_only"

    request = book(client, stay, "2026-12-10", "2026-12-13", price_on_request=True).json()
    assert request["status"] == "requested"  # even though the listing is instant-book
    assert request["guest_total"]["amount_minor"] == 0
    assert [line["code"] for line in request["lines"]] == ["price_on_request"]
    accepted = act(client, request, "accept", stay["host"])
    assert accepted.status_code == 409
    assert accepted.json()["error"]["code"] == "price_required"
    unpriced = act(client, request, "counter-offer", stay["host"], message="Happy to host you")
    assert unpriced.status_code == 422
    assert unpriced.json()["error"]["fields"][0]["field"] == "price_minor"

    offer = {"message": "AED 1,800 for the three nights", "price_minor": 1800_00}
    assert act(client, request, "counter-offer", stay["host"], **offer).status_code == 200
    taken = act(client, request, "offer/accept", stay["guest"]).json()
    assert taken["status"] == "pending_payment"
    assert taken["guest_total"]["amount_minor"] >= 1800_00
