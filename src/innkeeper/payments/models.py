"""Payment rows: connected accounts, Stripe customers, payments, the operations that make
every Stripe write idempotent, refunds, escrow transfers and the ledger.

The database holds the invariants it can: amounts in range, one connected account per
organization (and per listing), one operation per idempotency key, and a journal whose
postings sum to zero per entry and currency (a deferred constraint trigger, in the
migration).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from innkeeper.db.base import Base, IdMixin, TimestampMixin
from innkeeper.db.enums import str_enum
from innkeeper.payments.domain import (
    Account,
    OperationStatus,
    PaymentKind,
    PaymentStatus,
    RefundStatus,
    TransferStatus,
)


class PayoutAccount(IdMixin, TimestampMixin, Base):
    """A Stripe connected account that receives hosts' money: the organization's own (no
    listing), or one listing's (the per-property architecture)."""

    __tablename__ = "payout_account"
    __table_args__ = (
        Index(
            "uq_payout_account_organization_default",
            "organization_id",
            unique=True,
            postgresql_where=text("listing_id IS NULL"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("listing.id", ondelete="CASCADE"), unique=True
    )
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    requirements_due: Mapped[list[str]] = mapped_column(JSONB, default=list)
    disabled_reason: Mapped[str | None] = mapped_column(String(100))
    synced_at: Mapped[datetime | None]


class StripeCustomer(Base):
    """The Stripe customer of a user: saved cards live there."""

    __tablename__ = "stripe_customer"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    default_payment_method: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Payment(IdMixin, TimestampMixin, Base):
    """One PaymentIntent: what it is for, how it divides, and where it stands."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "captured_minor >= 0 AND captured_minor <= amount_minor "
            "AND refunded_minor >= 0 AND refunded_minor <= captured_minor",
            name="captured_and_refunded_in_range",
        ),
        CheckConstraint(
            "host_share_minor >= 0 AND platform_share_minor >= 0 AND expert_share_minor >= 0 "
            "AND host_share_minor + platform_share_minor + expert_share_minor = amount_minor",
            name="shares_balance",
        ),
        Index(
            "uq_payment_open_installment",
            "booking_id",
            "installment",
            unique=True,
            postgresql_where=text("kind = 'booking' AND status <> 'canceled'"),
        ),
        Index("ix_payment_status_due_at", "status", "due_at"),
        Index(
            "uq_payment_client_key",
            "booking_id",
            "client_key",
            unique=True,
            postgresql_where=text("client_key IS NOT NULL"),
        ),
    )

    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    payer_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind))
    installment: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    host_share_minor: Mapped[int] = mapped_column(BigInteger)
    platform_share_minor: Mapped[int] = mapped_column(BigInteger)
    expert_share_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    stripe_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    destination: Mapped[str | None] = mapped_column(String(64))  # connected account, if any
    transfer_group: Mapped[str | None] = mapped_column(String(64))
    off_session: Mapped[bool] = mapped_column(Boolean, default=False)
    capture_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_method: Mapped[str | None] = mapped_column(String(64))
    stripe_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(64))
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64))
    stripe_application_fee_id: Mapped[str | None] = mapped_column(String(64))
    checkout_session_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    client_secret: Mapped[str | None] = mapped_column(Text)
    action_url: Mapped[str | None] = mapped_column(Text)  # where the guest completes 3-D Secure
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)  # an extra charge's or a capture's reason
    client_key: Mapped[str | None] = mapped_column(String(100))  # the caller's Idempotency-Key
    due_at: Mapped[datetime | None]  # a scheduled installment
    authorized_until: Mapped[datetime | None]  # a hold's authorization lapses then
    succeeded_at: Mapped[datetime | None]  # the outcome was applied (booked in the ledger)
    released_at: Mapped[datetime | None]  # a hold that was let go


class Operation(IdMixin, Base):
    """One Stripe write, persisted (and committed) before the call: its id is the
    idempotency key, so a retry after a timeout can never create a second object."""

    __tablename__ = "payment_operation"
    __table_args__ = (
        Index(
            "uq_payment_operation_purpose",
            "purpose",
            unique=True,
            postgresql_where=text("purpose IS NOT NULL"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(200))  # one operation per business step
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"), index=True)
    params: Mapped[dict[str, object]] = mapped_column(JSONB)
    stripe_account: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OperationStatus] = mapped_column(str_enum(OperationStatus))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    stripe_id: Mapped[str | None] = mapped_column(String(80))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class RefundRow(IdMixin, Base):
    """Money given back on one payment, and how it was taken from host, platform and expert."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "from_host_minor >= 0 AND from_platform_minor >= 0 AND from_expert_minor >= 0 "
            "AND from_host_minor + from_platform_minor + from_expert_minor = amount_minor",
            name="parts_balance",
        ),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), index=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"), index=True)
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    from_host_minor: Mapped[int] = mapped_column(BigInteger)
    from_platform_minor: Mapped[int] = mapped_column(BigInteger)
    from_expert_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    initiated_by: Mapped[str] = mapped_column(String(20))  # guest, host, admin, system
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str | None] = mapped_column(String(200), unique=True)  # one per business step
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_reversal_id: Mapped[str | None] = mapped_column(String(64))
    stripe_fee_refund_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    succeeded_at: Mapped[datetime | None]


class EscrowTransfer(IdMixin, Base):
    """A provider's payout from a separate charge, held on the platform until the service is
    delivered, then transferred (``transfer_group`` ties it to its charge)."""

    __tablename__ = "escrow_transfer"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "reversed_minor >= 0 AND reversed_minor <= amount_minor", name="reversed_in_range"
        ),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    destination: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus))
    description: Mapped[str] = mapped_column(Text, default="")
    release_at: Mapped[datetime | None]  # paid out automatically then (the service's end)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]


class LedgerEntry(Base):
    """One money event. ``dedupe_key`` makes posting idempotent: the same Stripe object
    booked twice (a retry, a webhook after the synchronous path) is one entry."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment.id"))
    memo: Mapped[str] = mapped_column(Text, default="")


class LedgerPosting(Base):
    """One side of an entry: positive is a debit, negative a credit, in minor units."""

    __tablename__ = "ledger_posting"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="not_zero"),
        Index("ix_ledger_posting_account_ref", "account", "ref"),
        Index("ix_ledger_posting_organization_id", "organization_id"),
        Index("ix_ledger_posting_booking_id", "booking_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entry.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[Account] = mapped_column(str_enum(Account))
    ref: Mapped[str] = mapped_column(String(64), default="")  # a Stripe account, an org...
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"))
    stripe_source: Mapped[str | None] = mapped_column(String(80))  # the balance txn's source


class Dispute(IdMixin, TimestampMixin, Base):
    """A chargeback on one of our charges, as Stripe last described it. Its money moves
    (funds withdrawn, reinstated) are ledger entries keyed by Stripe's balance transactions;
    the two totals here are what those entries say, for the pages."""

    __tablename__ = "dispute"

    stripe_dispute_id: Mapped[str] = mapped_column(String(64), unique=True)
    stripe_charge_id: Mapped[str] = mapped_column(String(64), index=True)
    stripe_account: Mapped[str | None] = mapped_column(String(64))  # a direct charge's account
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment.id"), index=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(40))  # Stripe's: needs_response, won, lost...
    reason: Mapped[str] = mapped_column(String(60))  # Stripe's: fraudulent, duplicate...
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    withdrawn_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # amount + fee
    reinstated_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    evidence_due_by: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class RiskSignal(IdMixin, Base):
    """An early fraud warning or a Radar review on one of our charges: it flags the booking
    for the host and admins (and may refund it, by setting)."""

    __tablename__ = "risk_signal"

    kind: Mapped[str] = mapped_column(String(30))  # early_fraud_warning or review
    stripe_id: Mapped[str] = mapped_column(String(64), unique=True)  # issfr_... or prv_...
    stripe_charge_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking.id"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    reason: Mapped[str] = mapped_column(String(60))  # fraud_type, or the review's reason
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_reason: Mapped[str | None] = mapped_column(String(60))
    actionable: Mapped[bool] = mapped_column(Boolean, default=False)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)  # auto-refunded by setting
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConnectRecord(Base):
    """An external (bank) account or a person on a connected account, kept for compliance:
    what Stripe said, redacted to what an admin may see (never full numbers)."""

    __tablename__ = "connect_record"

    stripe_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # ba_, card_, person_
    stripe_account: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # external_account or person
    summary: Mapped[dict[str, object]] = mapped_column(JSONB)  # redacted fields only
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
