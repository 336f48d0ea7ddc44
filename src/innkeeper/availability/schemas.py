"""Availability shapes: the host's rules document, date spans, and the public calendar."""

from __future__ import annotations

import uuid
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from innkeeper.catalog.schemas import ListingOut
from innkeeper.schemas import LocalTime, MoneyOut, StrictInput

Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]
MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


class StayLimitIn(StrictInput):
    start: date
    end: date = Field(description="Arrivals before this date")
    min_nights: Annotated[int, Field(ge=1, le=365)]
    max_nights: Annotated[int | None, Field(ge=1, le=1095)] = None


class AvailabilityIn(StrictInput):
    """The rules a host edits as one document (PUT replaces it)."""

    bookable: bool = True
    open_dates_only: bool = Field(default=False, description="Only open spans can be booked")
    closed_weekdays: Annotated[list[Weekday], Field(max_length=7)] = []
    closed_yearly: Annotated[list[MonthDay], Field(max_length=366)] = []
    check_in_weekdays: Annotated[list[Weekday] | None, Field(max_length=7)] = None
    check_out_weekdays: Annotated[list[Weekday] | None, Field(max_length=7)] = None
    min_nights: Annotated[int, Field(ge=1, le=365)] = 1
    max_nights: Annotated[int | None, Field(ge=1, le=1095)] = None
    advance_days: Annotated[int, Field(ge=1, le=1095)] = 365
    min_notice_days: Annotated[int, Field(ge=0, le=365)] = 0
    turnover_days: Annotated[int, Field(ge=0, le=30)] = 0
    seasonal_limits: Annotated[list[StayLimitIn], Field(max_length=100)] = []
    instant_book: bool = Field(default=True, description="False: guests request, you accept")
    response_hours: Annotated[int, Field(ge=1, le=168)] = Field(
        default=24, description="How long you have to answer a request"
    )


class SpanOut(BaseModel):
    start: date
    end: date
    note: str


class AvailabilityOut(AvailabilityIn):
    blocks: list[SpanOut]
    open_spans: list[SpanOut] | None


class SpanIn(StrictInput):
    kind: Literal["blocked", "open"] = "blocked"
    start: date
    end: date = Field(description="The first night not affected")
    note: Annotated[str, Field(max_length=200)] = ""


class NightOut(BaseModel):
    night: date
    available: bool
    reasons: list[str]


class SearchHitOut(BaseModel):
    listing: ListingOut
    stay_price: MoneyOut = Field(description="Nightly rates x party or units, plus cleaning")
    quote_total: MoneyOut | None = Field(description="What a quote would charge, all in")
    distance_km: Decimal | None


class SearchPageOut(BaseModel):
    items: list[SearchHitOut]
    total: int
    limit: int
    offset: int
    check_in: date
    check_out: date
    nights: int


class CapacityIn(StrictInput):
    start: date
    end: date = Field(description="The first day not affected")
    capacity: Annotated[int | None, Field(ge=0, le=100_000, description="null restores")]


class SlotTimesIn(StrictInput):
    starts_at: LocalTime
    ends_at: LocalTime
    capacity: Annotated[int, Field(ge=0, le=100_000)]


class SlotsIn(StrictInput):
    start: date
    end: date = Field(description="The first day not affected")
    weekdays: Annotated[list[Weekday] | None, Field(max_length=7)] = None
    times: Annotated[list[SlotTimesIn], Field(min_length=1, max_length=48)]


class RangeIn(StrictInput):
    start: date
    end: date


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    day: date
    starts_at: time
    ends_at: time
    capacity: int
    booked: int
    remaining: int
