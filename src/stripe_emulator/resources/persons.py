"""Persons of a connected account (``/v1/accounts/{account}/persons``): create, retrieve,
update, delete and list, with ``person.created|updated|deleted`` events carrying ``account``.

A person is stored under its connected account. The individual of an ``individual`` account is
a person too (the account's ``individual`` field is a copy of it). Every change re-runs the
account's requirement engine, since representatives' details are account requirements."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import ids
from stripe_emulator.context import Ctx, new_metadata
from stripe_emulator.errors import invalid, missing
from stripe_emulator.params import Params
from stripe_emulator.render import page, respond
from stripe_emulator.resources import accounts
from stripe_emulator.routing import api
from stripe_emulator.store import Obj

FIELDS = (
    "additional_tos_acceptances",
    "address",
    "address_kana",
    "address_kanji",
    "dob",
    "documents",
    "email",
    "first_name",
    "first_name_kana",
    "first_name_kanji",
    "full_name_aliases",
    "gender",
    "id_number",
    "id_number_secondary",
    "last_name",
    "last_name_kana",
    "last_name_kanji",
    "maiden_name",
    "metadata",
    "nationality",
    "person_token",
    "phone",
    "political_exposure",
    "registered_address",
    "relationship",
    "ssn_last_4",
    "us_cfpb_data",
    "verification",
)
RELATIONSHIPS = ("authorizer", "director", "executive", "legal_guardian", "owner", "representative")

# Stripe's Connect test values: this DOB and address verify successfully.
TEST_VALUES: dict[str, Any] = {
    "first_name": "Jenny",
    "last_name": "Rosen",
    "email": "jenny.rosen@example.com",
    "phone": "+10000000000",
    "dob": {"day": 1, "month": 1, "year": 1901},
}


def test_address(country: str) -> dict[str, Any]:
    """An address that verifies (``address_full_match``) in the account's country."""
    if country == "US":
        city, postal_code, state = "San Francisco", "94111", "CA"
    else:
        city, postal_code, state = "Test City", "00000", None
    return {
        "city": city,
        "country": country,
        "line1": "address_full_match",
        "line2": None,
        "postal_code": postal_code,
        "state": state,
    }


def _relationship() -> Obj:
    return {
        "authorizer": None,
        "director": False,
        "executive": False,
        "legal_guardian": False,
        "owner": False,
        "percent_ownership": None,
        "representative": False,
        "title": None,
    }


def _requirements() -> Obj:
    return {
        "alternatives": [],
        "currently_due": [],
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def template() -> Obj:
    """Every field of a person (SDK ``Person``) with the values a new one has."""
    return {
        "additional_tos_acceptances": {"account": accounts.declaration()},
        "address": accounts.address(),
        "address_kana": None,
        "address_kanji": None,
        "dob": {"day": None, "month": None, "year": None},
        "email": None,
        "first_name": None,
        "first_name_kana": None,
        "first_name_kanji": None,
        "full_name_aliases": [],
        "future_requirements": _requirements(),
        "gender": None,
        "id_number_provided": False,
        "id_number_secondary_provided": False,
        "last_name": None,
        "last_name_kana": None,
        "last_name_kanji": None,
        "maiden_name": None,
        "metadata": {},
        "nationality": None,
        "phone": None,
        "political_exposure": "none",
        "registered_address": accounts.address(),
        "relationship": _relationship(),
        "requirements": _requirements(),
        "ssn_last_4_provided": False,
        "us_cfpb_data": None,
        "verification": {
            "additional_document": accounts.document(),
            "details": None,
            "details_code": None,
            "document": accounts.document(),
            "status": "unverified",
        },
    }


def _flag(target: str) -> accounts.Special:
    def apply(node: Obj, params: Params, key: str) -> None:
        node[target] = params.text(key) is not None or bool(node.get(target))

    return apply


def _skip(node: Obj, params: Params, key: str) -> None:
    """Accepted and consumed elsewhere (metadata) or not represented on the object."""


def _exposure(node: Obj, params: Params, key: str) -> None:
    node[key] = params.text(key, choices=("existing", "none"))


SPECIAL: dict[str, accounts.Special] = {
    "ssn_last_4": _flag("ssn_last_4_provided"),
    "id_number": _flag("id_number_provided"),
    "id_number_secondary": _flag("id_number_secondary_provided"),
    "documents": _skip,
    "person_token": _skip,
    "metadata": _skip,
    "political_exposure": _exposure,
}


def _fields(params: Params) -> Obj:
    """The person's fields after applying ``params`` to a fresh template (validated)."""
    params.reject_unknown(FIELDS)
    relationship = params.child("relationship")
    relationship.reject_unknown((*RELATIONSHIPS, "percent_ownership", "title"))
    return accounts.merge(template(), params, SPECIAL)


def _verify(person: Obj) -> None:
    document = person["verification"]["document"]
    person["verification"]["status"] = "verified" if document["front"] else "unverified"


def build(ctx: Ctx, account_id: str, params: Params, *, representative: bool = False) -> Obj:
    """A new person (not stored yet)."""
    fields = _fields(params)
    if representative:
        fields["relationship"]["representative"] = True
    _verify(fields)
    return {
        "id": ids.new("person"),
        "object": "person",
        "account": account_id,
        "created": ctx.now(),
        **{key: value for key, value in fields.items() if key != "metadata"},
        "metadata": new_metadata(params),
    }


def updated(person: Obj, params: Params) -> dict[str, Any]:
    """The fields an update changes (validated; nothing applied)."""
    params.reject_unknown(FIELDS)
    relationship = params.child("relationship")
    relationship.reject_unknown((*RELATIONSHIPS, "percent_ownership", "title"))
    current = {key: person[key] for key in template()}
    merged = accounts.merge(current, params, SPECIAL)
    _verify(merged)
    if params.has("metadata"):
        merged["metadata"] = _metadata(person, params)
    return {key: value for key, value in merged.items() if person.get(key) != value}


def _metadata(person: Obj, params: Params) -> dict[str, Any]:
    from stripe_emulator.context import merge_metadata

    return merge_metadata(dict(person.get("metadata") or {}), params.raw("metadata"))


def person_requirements(ctx: Ctx, account: Obj, person: Obj) -> Obj:
    """What is still due on this person: the representative's (or individual's) details."""
    fields = _requirements()
    relationship = person.get("relationship") or {}
    if not relationship.get("representative") or not account.get("capabilities"):
        return fields
    wanted, _ = accounts.fields_for(account)
    prefixes = ("individual.", "representative.")
    due = sorted(
        name.split(".", 1)[1]
        for name in wanted
        if name.startswith(prefixes) and not accounts.person_has(person, name.split(".", 1)[1])
    )
    fields["currently_due"] = due
    fields["eventually_due"] = list(due)
    fields["past_due"] = list(due)
    return fields


def sync_individual(ctx: Ctx, account: Obj) -> None:
    """Keep ``account.individual`` a copy of the individual's person."""
    person_id = ctx.private(account).get("individual")
    person = ctx.store.find(person_id) if person_id else None
    account["individual"] = copy.deepcopy(person) if person else None
    ctx.store.bump()


def _settle(ctx: Ctx, account: Obj, person: Obj) -> None:
    person["requirements"] = person_requirements(ctx, account, person)
    if ctx.private(account).get("individual") == person["id"]:
        before = copy.deepcopy(account.get("individual"))
        sync_individual(ctx, account)
        previous = {"individual": before} if before != account["individual"] else {}
        accounts.refresh(ctx, account, previous)
    else:
        accounts.refresh(ctx, account)


def ensure(
    ctx: Ctx,
    account: Obj,
    values: dict[str, Any],
    address: dict[str, Any],
    *,
    individual: bool,
) -> Obj:
    """Fill a person's missing details the way hosted onboarding collects them: the
    individual, or the company's representative (created if there is none)."""
    if individual:
        person_id = ctx.private(account).get("individual")
        person = ctx.store.find(person_id) if person_id else None
    else:
        person = next(
            (
                p
                for p in ctx.store.objects("person", account["id"])
                if p["relationship"].get("representative")
            ),
            None,
        )
    created = person is None
    if person is None:
        person = build(ctx, account["id"], Params({}), representative=True)
        ctx.store.add(person, account["id"], {})
        if individual:
            ctx.private(account)["individual"] = person["id"]
    filled = {
        key: (person[key] or value) if not isinstance(value, dict) else value
        for key, value in values.items()
    }
    if any(person["dob"].values()):
        filled["dob"] = person["dob"]
    filled["address"] = {
        key: person["address"].get(key) or address.get(key) for key in person["address"]
    }
    filled["ssn_last_4_provided"] = True
    filled["id_number_provided"] = True
    filled["verification"] = {
        **person["verification"],
        "document": {**person["verification"]["document"], "front": "file_identity_document"},
        "status": "verified",
    }
    if not individual:
        filled["relationship"] = {
            **person["relationship"],
            "executive": True,
            "owner": True,
            "percent_ownership": person["relationship"]["percent_ownership"] or 100.0,
            "title": person["relationship"]["title"] or "CEO",
        }
    previous = ctx.change(person, **filled)
    person["requirements"] = person_requirements(ctx, account, person)
    if created:
        ctx.emit("person.created", person, account=account["id"])
    elif previous:
        ctx.emit("person.updated", person, previous, account=account["id"])
    if individual:
        sync_individual(ctx, account)
    return person


def require_document(ctx: Ctx, account: Obj) -> dict[str, Any]:
    """Ask for a new identity document (what a ``restricted``/``past_due`` outcome needs):
    the individual's or representatives' document is cleared and they become unverified.
    Returns the account's previous ``individual`` if it changed."""
    individual_id = ctx.private(account).get("individual")
    people = [
        p
        for p in ctx.store.objects("person", account["id"])
        if p["id"] == individual_id or (p.get("relationship") or {}).get("representative")
    ]
    before = copy.deepcopy(account.get("individual"))
    for person in people:
        verification = {
            **person["verification"],
            "document": accounts.document(),
            "status": "unverified",
        }
        previous = ctx.change(person, verification=verification)
        if previous:
            ctx.emit("person.updated", person, previous, account=account["id"])
    sync_individual(ctx, account)
    return {"individual": before} if before != account.get("individual") else {}


def get(ctx: Ctx, account: Obj, person_id: str) -> Obj:
    found = ctx.store.find(person_id, account["id"])
    if found is None or found.get("object") != "person" or found.get("deleted"):
        raise missing("person", person_id, "person")
    return found


@api.post("/v1/accounts/{account}/persons")
def create(ctx: Ctx, params: Params, account: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    person = build(ctx, owner["id"], params)
    if owner["business_type"] == "individual" and person["relationship"]["representative"]:
        raise invalid(
            "Individual accounts have exactly one person, the individual; update it with "
            "`individual` on the account instead.",
            "relationship[representative]",
        )
    ctx.store.add(person, owner["id"], {})
    person["requirements"] = person_requirements(ctx, owner, person)
    ctx.emit("person.created", person, account=owner["id"])
    _settle(ctx, owner, person)
    return respond(ctx, person, params)


@api.get("/v1/accounts/{account}/persons/{person}")
def retrieve(ctx: Ctx, params: Params, account: str, person: str) -> Obj:
    return respond(ctx, get(ctx, accounts.lookup(ctx, account), person), params)


@api.post("/v1/accounts/{account}/persons/{person}")
def update(ctx: Ctx, params: Params, account: str, person: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    obj = get(ctx, owner, person)
    changes = updated(obj, params)
    previous = ctx.change(obj, **changes)
    obj["requirements"] = person_requirements(ctx, owner, obj)
    if previous:
        ctx.emit("person.updated", obj, previous, account=owner["id"])
        _settle(ctx, owner, obj)
    return respond(ctx, obj, params)


@api.delete("/v1/accounts/{account}/persons/{person}")
def delete(ctx: Ctx, params: Params, account: str, person: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    obj = get(ctx, owner, person)
    if ctx.private(owner).get("individual") == obj["id"]:
        raise invalid("You cannot delete the individual of an individual account.", "person")
    ctx.emit("person.deleted", obj, account=owner["id"])
    gone = ctx.store.tombstone(obj["id"])
    accounts.refresh(ctx, owner)
    return gone


@api.get("/v1/accounts/{account}/persons")
def listing(ctx: Ctx, params: Params, account: str) -> Obj:
    owner = accounts.lookup(ctx, account)
    wanted = params.child("relationship")
    wanted.reject_unknown(RELATIONSHIPS)
    filters = {name: wanted.flag(name) for name in RELATIONSHIPS if wanted.has(name)}

    def accept(person: Obj) -> bool:
        relationship = person.get("relationship") or {}
        return all(bool(relationship.get(name)) == flag for name, flag in filters.items())

    found = ctx.store.objects("person", owner["id"], accept)
    return page(ctx, found, params, f"/v1/accounts/{owner['id']}/persons")
