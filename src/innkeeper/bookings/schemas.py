"""Booking and viewing API shapes. Amounts go out as ``MoneyOut``; nothing a client sends
is an amount the guest pays, except a host's counter-offer price (their own price)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from innkeeper.bookings.domain import BookingSource, BookingStatus, Event, Role, ViewingStatus
from innkeeper.catalog.domain import ListingKind
from innkeeper.pricing.schemas import CancellationOut, InstallmentOut, QuoteLineOut
from innkeeper.schemas import MoneyOut, StrictInput

Phone = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164, +971...")]
Reason = Annotated[str, Field(min_length=1, max_length=1000)]
Note = Annotated[str, Field(max_length=2000)]


class ContactIn(StrictInput):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    email: EmailStr
    phone: Phone | None = None


class BookingIn(StrictInput):
    quote_id: uuid.UUID
    contact: ContactIn
    special_requests: Note = ""
    message: Note = Field(default="", description="To the host, with a request to book")
    source: BookingSource = BookingSource.API
    guest_user_id: uuid.UUID | None = Field(
        default=None, description="Admins only: book for another user"
    )


class ReasonIn(StrictInput):
    reason: Reason


class OptionalReasonIn(StrictInput):
    reason: Reason | None = None


class TermsIn(StrictInput):
    """New dates or party; anything left out stays as it is. Moving only ``check_in`` keeps
    the stay's length."""

    check_in: date | None = None
    check_out: date | None = None
    guests: Annotated[int, Field(ge=1, le=1000)] | None = None
    units: Annotated[int, Field(ge=1, le=500)] | None = None
    slot_id: uuid.UUID | None = None


class ModifyIn(TermsIn):
    reason: Reason | None = None


class OfferIn(TermsIn):
    message: Annotated[str, Field(min_length=1, max_length=2000)]
    price_minor: Annotated[int, Field(ge=0, le=10**12)] | None = Field(
        default=None, description="Your price before tax and fees; omit for the rate plan's"
    )
    hours: Annotated[int, Field(ge=1, le=336)] | None = Field(
        default=None, description="How long the guest has to answer (default 48)"
    )


class ContactOut(BaseModel):
    name: str
    email: str
    phone: str | None


class OfferOut(BaseModel):
    message: str
    check_in: date
    check_out: date
    guests: int
    units: int
    slot_id: uuid.UUID | None
    guest_total: MoneyOut


class BookingOut(BaseModel):
    id: uuid.UUID
    code: str = Field(description="The confirmation code a guest quotes")
    status: BookingStatus
    kind: ListingKind
    source: BookingSource
    listing_id: uuid.UUID
    organization_id: uuid.UUID
    guest_user_id: uuid.UUID
    expert_user_id: uuid.UUID | None
    quote_id: uuid.UUID
    check_in: date
    check_out: date
    nights: int
    arrival_at: datetime
    guests: int
    units: int
    slot_id: uuid.UUID | None
    lines: list[QuoteLineOut]
    guest_total: MoneyOut
    host_payout: MoneyOut
    platform_fee: MoneyOut
    expert_fee: MoneyOut
    paid: MoneyOut
    refund_due: MoneyOut
    installments: list[InstallmentOut]
    security_deposit: MoneyOut
    cancellation_policy: CancellationOut
    contact: ContactOut
    special_requests: str
    message: str
    deadline_at: datetime | None = Field(description="When this waiting state ends by itself")
    offer: OfferOut | None
    reason: str | None
    ended_by: Role | None
    created_at: datetime
    confirmed_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    ended_at: datetime | None
    actions: list[Event] = Field(description="What the caller may do next")


class RefundPreviewOut(BaseModel):
    booking_id: uuid.UUID
    as_role: Role = Field(description="The preview is for a cancellation by this role")
    in_full: bool
    percent: Decimal = Field(description="Of the refundable lines")
    refundable: MoneyOut = Field(description="Of the booking's total")
    refund_now: MoneyOut = Field(description="Of what has been paid: what goes back now")
    to_name: str
    to_email: str
    from_host: MoneyOut
    from_platform: MoneyOut
    from_expert: MoneyOut
    non_refundable: list[str]


class ChangeOut(BaseModel):
    at: datetime
    actor_user_id: uuid.UUID
    before: dict[str, object]
    after: dict[str, object]
    difference: MoneyOut = Field(description="Positive: the guest owes it; negative: refund")
    settlement: str


class ViewingIn(StrictInput):
    slot_id: uuid.UUID
    contact: ContactIn
    party: Annotated[int, Field(ge=1, le=20)] = 1
    message: Note = ""


class ViewingOut(BaseModel):
    id: uuid.UUID
    listing_id: uuid.UUID
    organization_id: uuid.UUID
    slot_id: uuid.UUID
    guest_user_id: uuid.UUID
    status: ViewingStatus
    starts_at: datetime
    ends_at: datetime
    party: int
    contact: ContactOut
    message: str
    reason: str | None
    deadline_at: datetime | None
    created_at: datetime
