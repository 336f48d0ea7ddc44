"""Becoming a host, the listings list and the listing editor, through the HTML forms."""

from __future__ import annotations

import re
from typing import Any

from tests.builders import PASSWORD, actor_for, make_listing, make_org, make_user
from tests.web.conftest import field_error

from innkeeper.accounts import organizations
from innkeeper.accounts.domain import MemberRole
from innkeeper.availability import service as availability
from innkeeper.catalog import service as catalog
from innkeeper.pricing import service as pricing
from innkeeper.services import Services

NEW_ORG = {
    "name": "Marina Stays",
    "slug": "marina-stays",
    "kind": "host",
    "contact_email": "hello@marina.example.com",
    "contact_phone": "",
    "country": "AE",
    "default_currency": "AED",
    "time_zone": "Asia/Dubai",
}
STAY = {
    "kind": "stay",
    "title": "Marina loft",
    "description": "A bright loft over the marina with a balcony and a sea view.",
    "address": "Marina Gate 2, Apt 904",
    "area": "Dubai Marina",
    "city": "Dubai",
    "country": "AE",
    "latitude": "25.0805",
    "longitude": "55.1403",
    "time_zone": "Asia/Dubai",
    "bedrooms": "1",
    "bathrooms": "1.5",
    "beds": "2",
    "max_guests": "3",
    "amenities": ["wifi", "pool"],
    "base_price": "650",
    "currency": "AED",
    "check_in_time": "15:00",
    "check_out_time": "11:00",
    "unit_count": "1",
    "house_rules": "No parties.",
}


def become_host(browser: Any, email: str = "host@example.com") -> str:
    """Sign up, open an organization through /host/new; returns the organization's path."""
    browser.sign_up(email, name="Hana Host")
    browser.get("/host/new")
    page = browser.submit("/host/new", {**NEW_ORG, "slug": email.split("@")[0] + "-org"})
    assert page.status_code == 200, page.text[:2000]
    found = re.match(r"(/host/[0-9a-f-]{36})/listings/new", page.url.path)
    assert found is not None, page.url
    return found.group(1)


def new_listing(browser: Any, base: str, **changes: Any) -> tuple[Any, str]:
    browser.get(f"{base}/listings/new")
    page = browser.submit(f"{base}/listings/new", {**STAY, **changes})
    assert page.status_code == 200, page.text[:3000]
    return page, page.url.path


def test_becoming_a_host_opens_an_organization_and_asks_for_a_listing(browser_client: Any) -> None:
    become_host(browser_client)
    page = browser_client.last
    assert "Marina Stays is open, and you are its owner." in page.text
    assert "<h1>New listing</h1>" in page.text
    assert 'href="/host/' in page.text
    assert "Team &amp; settings" in page.text


def test_bad_organization_input_is_shown_beside_each_field(browser_client: Any) -> None:
    browser_client.sign_up("bad-org@example.com")
    browser_client.get("/host/new")
    page = browser_client.submit(
        "/host/new",
        {**NEW_ORG, "slug": "Not A Slug", "country": "UAE", "time_zone": "Mars/Base",
         "contact_phone": "12"},
    )  # fmt: skip
    assert page.status_code == 422
    assert field_error(page.text, "country")
    assert 'value="Marina Stays"' in page.text
    page = browser_client.submit(
        "/host/new",
        {**NEW_ORG, "slug": "Not A Slug", "time_zone": "Mars/Base", "contact_phone": "12"},
    )
    assert page.status_code == 422
    assert "lowercase" in field_error(page.text, "slug")
    assert "time zone" in field_error(page.text, "time_zone")
    assert 'value="Mars/Base"' in page.text
    page = browser_client.submit("/host/new", {**NEW_ORG, "contact_phone": "12"})
    assert page.status_code == 422
    assert "international" in field_error(page.text, "contact_phone")


def test_create_a_listing_and_see_it_in_the_list(browser_client: Any) -> None:
    base = become_host(browser_client)
    page, path = new_listing(browser_client, base)
    assert "Listing created as a draft." in page.text
    assert 'value="Marina loft"' in page.text
    listings = browser_client.get(f"{base}/listings")
    assert "Marina loft" in listings.text
    assert "draft" in listings.text
    assert "AED" in listings.text
    assert "650.00" in listings.text


def test_a_bad_new_listing_keeps_the_input_and_names_the_fields(browser_client: Any) -> None:
    base = become_host(browser_client)
    browser_client.get(f"{base}/listings/new")
    page = browser_client.submit(
        f"{base}/listings/new",
        {**STAY, "title": "", "latitude": "north", "base_price": "-5", "max_guests": "0",
         "bathrooms": "1.3", "check_out_time": "16:00"},
    )  # fmt: skip
    assert page.status_code == 422
    assert field_error(page.text, "title") == "is required"
    assert field_error(page.text, "latitude") == "must be a number"
    assert field_error(page.text, "base_price") == "must not be negative"
    assert 'value="Marina Gate 2, Apt 904"' in page.text
    page = browser_client.submit(
        f"{base}/listings/new",
        {**STAY, "max_guests": "0", "bathrooms": "1.3", "check_out_time": "16:00",
         "latitude": "95"},
    )  # fmt: skip
    assert page.status_code == 422
    assert field_error(page.text, "max_guests") == "must be at least 1"
    assert field_error(page.text, "latitude") == "must be at most 90"
    page = browser_client.submit(
        f"{base}/listings/new", {**STAY, "bathrooms": "1.3", "check_out_time": "16:00"}
    )
    assert page.status_code == 422
    assert "half" in field_error(page.text, "bathrooms")
    assert "check-in" in field_error(page.text, "check_out_time")


def test_every_section_of_the_editor_saves(browser_client: Any, services: Services) -> None:
    base = become_host(browser_client)
    _, path = new_listing(browser_client, base)
    page = browser_client.submit(
        path, {**STAY, "section": "details", "title": "Marina loft with view",
               "amenities": ["wifi", "sea_view"]},
    )  # fmt: skip
    assert "Details saved." in page.text
    assert 'value="Marina loft with view"' in page.text
    assert 'value="sea_view" checked' in page.text
    page = browser_client.submit(path, {"section": "price", "base_price": "720.50"})
    assert "Price saved." in page.text
    assert 'value="720.50"' in page.text
    page = browser_client.submit(
        path,
        {"section": "rates", "weekend_nights": ["4", "5"], "weekend_multiplier": "1.2",
         "cleaning_fee": "150", "base_occupancy": "2", "extra_guest_fee": "75",
         "weekly_discount": "10", "monthly_discount": "25"},
    )  # fmt: skip
    assert "Rates and fees saved." in page.text
    page = browser_client.submit(
        path,
        {"section": "seasons", "season_name": "Winter", "season_start": "2026-12-20",
         "season_end": "2027-01-05", "season_price": "999"},
    )  # fmt: skip
    assert "Season added." in page.text
    assert "Winter" in page.text
    page = browser_client.submit(
        path,
        {"section": "availability", "bookable": "on", "min_nights": "2", "max_nights": "30",
         "min_notice_days": "1", "advance_days": "180", "turnover_days": "1",
         "response_hours": "12", "closed_weekdays": ["0"]},
    )  # fmt: skip
    assert "Availability rules saved." in page.text
    page = browser_client.submit(
        path, {"section": "times", "check_in_time": "14:00", "check_out_time": "10:00"}
    )
    assert "Check-in and check-out times saved." in page.text
    page = browser_client.submit(
        path,
        {"section": "policies", "cancellation": "strict", "deposit_kind": "percent",
         "deposit_percent": "30", "deposit_amount": "0", "balance_due_days": "14",
         "security_deposit": "500"},
    )  # fmt: skip
    assert "Policies saved." in page.text
    page = browser_client.submit(path, {"section": "house_rules", "house_rules": "Quiet at 10."})
    assert "House rules saved." in page.text
    page = browser_client.submit(path, {"section": "units", "unit_count": "3"})
    assert "Units saved." in page.text
    page = browser_client.submit(
        path, {"section": "photos", "photo_url": "https://images.example.com/a.jpg",
               "photo_caption": "Balcony"},
    )  # fmt: skip
    assert "Photo added." in page.text
    assert "https://images.example.com/a.jpg" in page.text
    page = browser_client.submit(path, {"section": "status", "action": "publish"})
    assert "Published" in page.text

    listing_id = path.rsplit("/", 1)[1]
    org_id = base.rsplit("/", 1)[1]
    user_actor = _actor(services, "host@example.com")
    view = catalog.get_host_listing(services, user_actor, _uuid(org_id), _uuid(listing_id))
    assert view.listing.title == "Marina loft with view"
    assert view.listing.base_price_minor == 720_50
    assert view.unit_count == 3
    assert view.listing.status == "published"
    assert str(view.listing.check_in_time) == "14:00:00"
    assert view.listing.house_rules == "Quiet at 10."
    terms = pricing.get_terms(services, user_actor, _uuid(org_id), _uuid(listing_id))
    assert terms.plan.cleaning_minor == 150_00
    assert terms.plan.extra_guest_minor == 75_00
    assert terms.plan.base_occupancy == 2
    assert [s.name for s in terms.plan.seasons] == ["Winter"]
    assert terms.cancellation.kind == "strict"
    assert terms.deposit.kind == "percent"
    assert terms.security_deposit_minor == 500_00
    rules = availability.get_rules(services, user_actor, _uuid(org_id), _uuid(listing_id))
    assert (rules.min_nights, rules.max_nights, rules.min_notice_days) == (2, 30, 1)
    assert rules.closed_weekdays == frozenset({0})
    assert not rules.instant_book

    page = browser_client.submit(path, {"section": "status", "action": "unpublish"})
    assert "Unpublished" in page.text


def test_each_section_shows_its_errors_beside_its_fields(browser_client: Any) -> None:
    base = become_host(browser_client)
    _, path = new_listing(browser_client, base)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**STAY, "section": "details", "city": "", "title": "Kept title"}, "city", "is required"),
        ({"section": "price", "base_price": "-1"}, "base_price", "must not be negative"),
        ({"section": "rates", "weekend_multiplier": "0", "cleaning_fee": "10",
          "extra_guest_fee": "0", "weekly_discount": "0", "monthly_discount": "120"},
         "monthly_discount", "must be at most 100"),
        ({"section": "seasons", "season_name": "Bad", "season_start": "2027-01-10",
          "season_end": "2027-01-01", "season_price": "100"}, "season_end", "after the start"),
        ({"section": "availability", "min_nights": "5", "max_nights": "2",
          "min_notice_days": "0", "advance_days": "365", "turnover_days": "0",
          "response_hours": "24"}, "max_nights", "must not be less than min_nights"),
        ({"section": "times", "check_in_time": "10:00", "check_out_time": "12:00"},
         "check_out_time", "must not be later than the check-in time"),
        ({"section": "policies", "cancellation": "flexible", "deposit_kind": "fixed",
          "deposit_percent": "0", "deposit_amount": "0", "balance_due_days": "14",
          "security_deposit": "0"}, "deposit_amount", "above zero"),
        ({"section": "units", "unit_count": "501"}, "unit_count", "must be at most 500"),
        ({"section": "photos", "photo_url": "javascript:alert(1)"}, "photo_url", "http"),
    ]  # fmt: skip
    for data, name, message in cases:
        page = browser_client.submit(path, data)
        assert page.status_code == 422, (data, page.text[:500])
        assert message in field_error(page.text, name), (name, field_error(page.text, name))
    page = browser_client.submit(path, {**STAY, "section": "details", "city": "", "title": "Kept"})
    assert 'value="Kept"' in page.text
    page = browser_client.submit(path, {"section": "status", "action": "publish"})
    assert page.status_code == 422
    assert "add at least one photo to publish" in page.text


def test_a_stranger_gets_404_on_every_host_page(browser_client: Any, services: Services) -> None:
    owner = make_user(services, email="owner@example.com")
    org = make_org(services, owner)
    listing = make_listing(services, owner, org.id)
    make_user(services, email="stranger@example.com")
    browser_client.log_in("stranger@example.com", PASSWORD)
    base = f"/host/{org.id}"
    for path in (
        f"{base}/listings",
        f"{base}/listings/new",
        f"{base}/listings/{listing.listing.id}",
        f"{base}/calendar",
        f"{base}/settings",
    ):
        assert browser_client.get(path).status_code == 404, path
    browser_client.get("/account")
    page = browser_client.submit(
        f"{base}/listings/{listing.listing.id}", {"section": "price", "base_price": "1"}
    )
    assert page.status_code == 404
    # another organization's listing under one's own organization is not found either
    mine = make_org(services, make_user(services, email="other-owner@example.com"))
    browser_client.log_in("other-owner@example.com", PASSWORD)
    assert browser_client.get(f"/host/{mine.id}/listings/{listing.listing.id}").status_code == 404


def test_staff_see_listings_but_cannot_change_them(browser_client: Any, services: Services) -> None:
    owner = make_user(services, email="owner2@example.com")
    org = make_org(services, owner)
    listing = make_listing(services, owner, org.id)
    make_user(services, email="staff@example.com")
    organizations.add_member(
        services, actor_for(services, owner), org.id, "staff@example.com", MemberRole.STAFF
    )
    browser_client.log_in("staff@example.com", PASSWORD)
    path = f"/host/{org.id}/listings/{listing.listing.id}"
    page = browser_client.get(path)
    assert page.status_code == 200
    assert "Your role may look at this listing but not change it." in page.text
    assert "Add a listing" not in browser_client.get(f"/host/{org.id}/listings").text
    page = browser_client.submit(path, {"section": "price", "base_price": "1"})
    assert page.status_code == 403
    page = browser_client.submit(path, {"section": "status", "action": "publish"})
    assert page.status_code == 403
    browser_client.get(f"/host/{org.id}/listings/new")
    page = browser_client.submit(f"/host/{org.id}/listings/new", STAY)
    assert page.status_code == 403


def test_team_settings_follow_the_api_rules(browser_client: Any, services: Services) -> None:
    base = become_host(browser_client, "boss@example.com")
    make_user(services, email="mate@example.com", name="Mate Person")
    browser_client.get(f"{base}/settings")
    page = browser_client.submit(
        f"{base}/settings/members", {"email": "nobody@example.com", "role": "staff"}
    )
    assert page.status_code == 422
    assert "no Innkeeper account" in field_error(page.text, "email")
    page = browser_client.submit(
        f"{base}/settings/members", {"email": "mate@example.com", "role": "staff"}
    )
    assert "Mate Person joined the team as staff." in page.text
    mate_id = _member_id(services, "mate@example.com")
    page = browser_client.submit(f"{base}/settings/members/{mate_id}", {"role": "manager"})
    assert "Mate Person is now manager." in page.text
    page = browser_client.submit(
        f"{base}/settings", {**NEW_ORG, "slug": "boss-org", "name": "Boss Homes", "country": "X"}
    )
    assert page.status_code == 422
    assert field_error(page.text, "country")
    page = browser_client.submit(f"{base}/settings", {**NEW_ORG, "slug": "boss-org",
                                                       "name": "Boss Homes"})  # fmt: skip
    assert "profile is saved" in page.text
    assert "Boss Homes" in page.text
    me = _member_id(services, "boss@example.com")
    page = browser_client.submit(f"{base}/settings/members/{me}/remove")
    assert page.status_code == 422
    assert "at least one owner" in page.text
    page = browser_client.submit(f"{base}/settings/members/{mate_id}/remove")
    assert "Removed from the team." in page.text
    assert "Mate Person" not in page.text


def test_staff_cannot_manage_the_team(browser_client: Any, services: Services) -> None:
    owner = make_user(services, email="owner3@example.com")
    org = make_org(services, owner)
    make_user(services, email="staff3@example.com")
    organizations.add_member(
        services, actor_for(services, owner), org.id, "staff3@example.com", MemberRole.STAFF
    )
    browser_client.log_in("staff3@example.com", PASSWORD)
    page = browser_client.get(f"/host/{org.id}/settings")
    assert page.status_code == 200
    assert "Only owners add, remove" in page.text
    page = browser_client.submit(
        f"/host/{org.id}/settings/members", {"email": "owner3@example.com", "role": "staff"}
    )
    assert page.status_code == 403
    page = browser_client.submit(f"/host/{org.id}/settings", {**NEW_ORG, "slug": "taken-over"})
    assert page.status_code == 403
    owner_id = owner.id
    page = browser_client.submit(f"/host/{org.id}/settings/members/{owner_id}", {"role": "staff"})
    assert page.status_code == 403
    staff_id = _member_id(services, "staff3@example.com")
    page = browser_client.submit(f"/host/{org.id}/settings/members/{staff_id}/remove")
    assert page.status_code == 200  # anyone may leave
    assert "You left" in page.text


def _uuid(text: str) -> Any:
    import uuid

    return uuid.UUID(text)


def _user(services: Services, email: str) -> Any:
    from innkeeper.accounts import repository

    with services.uow() as uow:
        user = repository.user_by_email(uow.session, email)
        assert user is not None
        return user


def _actor(services: Services, email: str) -> Any:
    return actor_for(services, _user(services, email))


def _member_id(services: Services, email: str) -> Any:
    return _user(services, email).id
