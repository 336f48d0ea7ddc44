"""Payment vocabulary and the pure arithmetic of splitting money between host and platform.

Nothing here talks to Stripe or the database: the services decide amounts with these
functions, so that the PaymentIntent, the ledger and the refund always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from innkeeper.core.errors import Conflict, DomainError


class PaymentKind(StrEnum):
    BOOKING = "booking"  # an installment of the booking's schedule (full, deposit or balance)
    EXTRA = "extra"  # damage or incidentals charged to the saved card
    SECURITY_HOLD = "security_hold"  # an authorization held against damage, captured or released
    CART = "cart"  # separate charge for several providers, paid out by escrow transfers
    DIFFERENCE = "difference"  # the price increase of a modified paid booking


class PaymentStatus(StrEnum):
    CREATED = "created"  # our row exists; Stripe may not know it yet
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"  # declined: the guest may try again
    REQUIRES_ACTION = "requires_action"  # 3-D Secure or another step by the guest
    PROCESSING = "processing"
    AUTHORIZED = "authorized"  # a manual-capture hold, not yet captured
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


OPEN_STATUSES: Final = frozenset(
    {
        PaymentStatus.CREATED,
        PaymentStatus.REQUIRES_PAYMENT_METHOD,
        PaymentStatus.REQUIRES_ACTION,
        PaymentStatus.PROCESSING,
    }
)


class OperationStatus(StrEnum):
    STARTED = "started"  # persisted before the call; a retry reuses its idempotency key
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # Stripe refused it (a decline, a validation error): final


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TransferStatus(StrEnum):
    HELD = "held"  # charged to the guest, kept on the platform until the service is delivered
    PAID = "paid"
    REVERSED = "reversed"
    CANCELED = "canceled"


class Account(StrEnum):
    """Ledger accounts. ``stripe_balance`` rows mirror a Stripe balance (the platform's or a
    connected account's) and are what ``innkeeper reconcile`` compares with Stripe."""

    STRIPE_BALANCE = "stripe_balance"  # asset: money held at Stripe, per Stripe account
    STRIPE_FEES = "stripe_fees"  # expense: Stripe's processing fees
    HOST_PAYABLE = "host_payable"  # what the hosts have earned (credit), per organization
    PLATFORM_REVENUE = "platform_revenue"  # platform fees earned (credit)
    EXPERT_PAYABLE = "expert_payable"  # experts' fees, kept by the platform for them
    DISPUTE_LOSSES = "dispute_losses"  # expense: disputed amounts and dispute fees
    PAYOUTS = "payouts"  # money that left a Stripe balance for a bank account


class PaymentFailed(DomainError):
    """Stripe refused the payment: a decline, insufficient funds, an expired card. Shown to
    the guest with Stripe's code; the booking stays payable until its deadline."""

    code = "payment_failed"

    def __init__(self, message: str, *, stripe_code: str | None, decline_code: str | None):
        super().__init__(message)
        self.details = {"stripe_code": stripe_code, "decline_code": decline_code}


class PaymentProviderUnavailable(DomainError):
    """Stripe did not answer (timeout, reset, 5xx after retries). Nothing is half-written:
    the operation row keeps its idempotency key for the next try."""

    code = "payment_provider_unavailable"


class PayeeNotReady(Conflict):
    code = "payee_not_ready"


class NotPayable(Conflict):
    code = "not_payable"


@dataclass(frozen=True, slots=True)
class Shares:
    """How an amount the guest pays divides: the host's part goes to the connected account,
    the rest (``application_fee``) stays with the platform."""

    amount: int
    host: int
    platform: int
    expert: int

    @property
    def application_fee(self) -> int:
        return self.platform + self.expert


def installment_shares(
    amount: int, *, total: int, host: int, platform: int, expert: int, already: Shares | None
) -> Shares:
    """The split of one installment of a booking: in proportion to the booking's split,
    rounded down for the host; the last installment takes whatever is left of each share, so
    the installments of a booking always add up to its split exactly."""
    if already is not None and already.amount + amount >= total:
        return Shares(
            amount,
            host - already.host,
            platform - already.platform,
            expert - already.expert,
        )
    if total == 0:
        return Shares(amount, 0, 0, 0)
    host_part = host * amount // total
    expert_part = expert * amount // total
    return Shares(amount, host_part, amount - host_part - expert_part, expert_part)


def idempotency_key(operation_id: object) -> str:
    """The Stripe idempotency key of an operation row: stable across retries and processes."""
    return f"innkeeper-op-{operation_id}"
