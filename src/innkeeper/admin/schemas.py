"""Fee rule request and response shapes. Amounts are integers in minor units; a percentage
is a decimal with at most three places (7.5 is 7.5%), exactly what the column holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from innkeeper.core.currency import is_supported
from innkeeper.pricing.fees import FeeScope, FeeSide
from innkeeper.schemas import MoneyOut, StrictInput

Percent = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3, description="7.5 is 7.5%")
]
Minor = Annotated[int, Field(ge=0, le=10**12, description="In minor units of `currency`")]
Priority = Annotated[int, Field(ge=-1000, le=1000, description="The highest wins a tie")]
ScopeValue = Annotated[
    str, Field(min_length=1, max_length=100, description="Organization id or category")
]
Currency = Annotated[str, Field(min_length=3, max_length=3, description="ISO 4217")]
Description = Annotated[str, Field(max_length=500)]


class FeeRuleCreate(StrictInput):
    side: FeeSide
    scope: FeeScope
    scope_value: ScopeValue | None = None
    percent: Percent = Decimal(0)
    fixed_minor: Minor = 0
    min_minor: Minor | None = None
    max_minor: Minor | None = None
    currency: Currency | None = Field(
        default=None, description="Required with fixed_minor, min_minor or max_minor"
    )
    priority: Priority = 0
    active: bool = True
    description: Description = ""


class FeeRuleUpdate(StrictInput):
    """Send only what changes. ``null`` clears ``scope_value``, ``min_minor``,
    ``max_minor`` and ``currency``; the other fields may not be null."""

    side: FeeSide | None = None
    scope: FeeScope | None = None
    scope_value: ScopeValue | None = None
    percent: Percent | None = None
    fixed_minor: Minor | None = None
    min_minor: Minor | None = None
    max_minor: Minor | None = None
    currency: Currency | None = None
    priority: Priority | None = None
    active: bool | None = None
    description: Description | None = None


class FeeRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    side: FeeSide
    scope: FeeScope
    scope_value: str | None
    percent: Decimal
    fixed_minor: int
    min_minor: int | None
    max_minor: int | None
    currency: str | None
    priority: int
    active: bool
    description: str
    created_at: datetime
    updated_at: datetime


class FeeCalculationRequest(StrictInput):
    amount_minor: Annotated[int, Field(ge=0, le=10**12, description="The host's charges")]
    currency: Currency
    provider_id: uuid.UUID | None = None
    category: Annotated[str, Field(min_length=1, max_length=40)]

    @field_validator("currency")
    @classmethod
    def _supported(cls, currency: str) -> str:
        """Checked here, not in the service: the router needs a valid ``Money`` to call it."""
        if not is_supported(currency.upper()):
            raise ValueError(f"{currency!r} is not a supported currency")
        return currency.upper()


class FeeCalculationOut(BaseModel):
    """``host_payout + platform_fee == guest_total``, always, to the minor unit."""

    host_charges: MoneyOut
    guest_service_fee: MoneyOut
    guest_fee_rule_id: uuid.UUID | None
    host_commission: MoneyOut
    host_fee_rule_id: uuid.UUID | None
    guest_total: MoneyOut
    host_payout: MoneyOut
    platform_fee: MoneyOut
