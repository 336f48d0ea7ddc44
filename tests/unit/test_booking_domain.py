"""The booking state machine as data, checked exhaustively, and the refund arithmetic checked
by properties. Pure: no database, no clock.

The table in ``bookings.domain`` is the single source of truth the services obey, so these
tests pin down both what ``decide`` answers for every (state, event, role) and the shape of
the table itself: a careless edit (a terminal state with a way out, a waiting state without
a deadline, a hold that forgets its inventory) fails here before any service runs.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innkeeper.bookings.domain import (
    BLOCKING,
    CODE_ALPHABET,
    TABLE,
    TERMINAL,
    TRANSITIONS,
    WAITING,
    BookingStatus,
    Deadline,
    Effect,
    Event,
    IllegalTransition,
    Role,
    Transition,
    confirmation_code,
    decide,
    refund_in_full,
    transition_for,
)
from innkeeper.bookings.policies import CancellationPolicy, PolicyKind, RefundTier, policy
from innkeeper.bookings.refunds import Refund, Shares, refund
from innkeeper.core.errors import Conflict, Forbidden

STATES: list[BookingStatus | None] = [None, *BookingStatus]
INVENTORY = {Effect.ALLOCATE, Effect.REALLOCATE, Effect.RELEASE}
# The one waiting state with two clocks: an instant booking's short hold, or the longer
# window to pay a request the host accepted (or an offer the guest took).
EXTRA_DEADLINES = {BookingStatus.PENDING_PAYMENT: {Deadline.PAYMENT_AFTER_ACCEPT}}


def _label(value: object) -> str:
    return "new" if value is None else str(value)


# -- decide, exhaustively ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "event", "role"),
    list(itertools.product(STATES, Event, Role)),
    ids=lambda value: _label(value),
)
def test_decide_follows_the_table(state: BookingStatus | None, event: Event, role: Role) -> None:
    """Every state x event x role: the table's transition when the role may fire it,
    Forbidden when the pair exists for others only, IllegalTransition when it does not."""
    expected = TABLE.get((state, event))
    if expected is None:
        with pytest.raises(IllegalTransition) as raised:
            decide(state, event, role)
        assert raised.value.code == "illegal_transition"
        assert isinstance(raised.value, Conflict)  # 409 over HTTP
    elif role in expected.roles:
        assert decide(state, event, role) is expected
    else:
        with pytest.raises(Forbidden) as refused:
            decide(state, event, role)
        assert refused.value.code == "forbidden"
        assert not isinstance(refused.value, IllegalTransition)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(STATES, Event)))
def test_transition_for_ignores_the_caller(state: BookingStatus | None, event: Event) -> None:
    """``transition_for`` answers the same question as ``decide`` without a role: the
    services use it to find the caller's role before deciding."""
    expected = TABLE.get((state, event))
    if expected is None:
        with pytest.raises(IllegalTransition, match=event.replace("_", " ")):
            transition_for(state, event)
    else:
        assert transition_for(state, event) is expected


def test_the_table_has_one_transition_per_state_and_event() -> None:
    """``TABLE`` is built from ``TRANSITIONS`` with a dict: a duplicate would be silently
    dropped, so the two must have the same size."""
    assert len(TABLE) == len(TRANSITIONS)
    assert all(TABLE[(t.source, t.event)] is t for t in TRANSITIONS)


def test_every_transition_names_someone_who_may_fire_it() -> None:
    assert all(t.roles for t in TRANSITIONS)


def test_only_book_and_request_create_bookings() -> None:
    """A new booking is a hold or a request, nothing else; and those two events never
    apply to a booking that exists."""
    created = {t.event: t.target for t in TRANSITIONS if t.source is None}
    assert created == {
        Event.BOOK: BookingStatus.PENDING_PAYMENT,
        Event.REQUEST: BookingStatus.REQUESTED,
    }
    assert not [t for t in TRANSITIONS if t.source is not None and t.event in created]


# -- the table's shape -------------------------------------------------------------------


def test_terminal_states_have_no_way_out_but_a_late_payment() -> None:
    """Only the engine may revive an expired hold, and only because its payment landed."""
    ways_out = [t for t in TRANSITIONS if t.source in TERMINAL]
    assert [(t.source, t.event, t.roles) for t in ways_out] == [
        (BookingStatus.EXPIRED, Event.LATE_PAYMENT, frozenset({Role.SYSTEM}))
    ]


def test_every_state_is_reachable_from_a_new_booking() -> None:
    """Breadth-first over the table from None: a state nobody can reach is dead code."""
    seen: set[BookingStatus | None] = {None}
    queue: deque[BookingStatus | None] = deque([None])
    while queue:
        state = queue.popleft()
        for t in TRANSITIONS:
            if t.source == state and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    assert seen == set(STATES)


@pytest.mark.parametrize("state", sorted(set(BookingStatus) - TERMINAL))
def test_every_open_state_can_be_left_by_someone(state: BookingStatus) -> None:
    """No booking gets stuck: some transition leads elsewhere, and someone may fire it."""
    exits = [t for t in TRANSITIONS if t.source is state and t.target is not state and t.roles]
    assert exits, f"nothing leaves {state}"


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{_label(t.source)}-{t.event}")
def test_deadlines_match_the_target_state(transition: Transition) -> None:
    """Entering a waiting state starts its clock (the constraint on ``booking`` refuses a
    waiting row without ``deadline_at``); entering any other state stops it."""
    target = transition.target
    if target in WAITING:
        allowed = {WAITING[target]} | EXTRA_DEADLINES.get(target, set())
        assert transition.deadline in allowed
    else:
        assert transition.deadline is None


def test_every_deadline_kind_is_used() -> None:
    assert {t.deadline for t in TRANSITIONS} - {None} == set(Deadline)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{_label(t.source)}-{t.event}")
def test_inventory_follows_blocking_states(transition: Transition) -> None:
    """Taking a hold allocates, leaving one releases, staying in one either keeps the
    allocation or swaps it (a modification); nothing else touches inventory."""
    holding_before = transition.source in BLOCKING
    holding_after = transition.target in BLOCKING
    effects = set(transition.effects) & INVENTORY
    if not holding_before and holding_after:
        assert effects == {Effect.ALLOCATE}
    elif holding_before and not holding_after:
        assert effects == {Effect.RELEASE}
    elif holding_before and holding_after:
        assert effects <= {Effect.REALLOCATE}
        if Effect.REALLOCATE in effects:
            assert transition.source is transition.target  # a modification stays put
    else:
        assert not effects


def test_declining_conflicts_only_follows_an_allocation() -> None:
    for t in TRANSITIONS:
        if Effect.DECLINE_CONFLICTS in t.effects:
            assert Effect.ALLOCATE in t.effects


def test_refunds_only_where_money_may_have_been_paid() -> None:
    """Refund effects leave a state that may be paid, and always release the inventory; a
    booking is marked paid only on its way to confirmed."""
    for t in TRANSITIONS:
        if Effect.REFUND_BY_POLICY in t.effects:
            assert t.source in BLOCKING
            assert Effect.RELEASE in t.effects
        if Effect.MARK_PAID in t.effects:
            assert t.target is BookingStatus.CONFIRMED


def test_only_the_system_expires_and_every_waiting_state_expires() -> None:
    expiring = [t for t in TRANSITIONS if t.event is Event.EXPIRE]
    assert all(t.roles == frozenset({Role.SYSTEM}) for t in expiring)
    assert all(t.target is BookingStatus.EXPIRED for t in expiring)
    assert {t.source for t in expiring} == set(WAITING)


def test_terminal_and_waiting_states_are_disjoint() -> None:
    assert not TERMINAL & set(WAITING)
    assert BookingStatus.COMPLETED in BLOCKING & TERMINAL  # a past stay keeps its nights


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{_label(t.source)}-{t.event}")
def test_only_a_guest_side_cancellation_goes_by_the_policy(transition: Transition) -> None:
    """``refund_in_full`` is true exactly for refunding transitions fired by the host, an
    admin or the system: the guest did nothing wrong."""
    for role in Role:
        refunds = Effect.REFUND_BY_POLICY in transition.effects
        expected = refunds and role not in (Role.GUEST, Role.EXPERT)
        assert refund_in_full(transition, role) is expected


# -- confirmation codes ------------------------------------------------------------------

CODE = re.compile(rf"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{2}}")


def test_confirmation_codes_are_readable_and_unique() -> None:
    """``XXXX-XXXX-XX`` over Crockford's alphabet (no I, L, O, U), fitting the 12-character
    column; 20,000 draws from 32**10 collide with probability ~2e-7."""
    codes = [confirmation_code() for _ in range(20_000)]
    assert all(CODE.fullmatch(code) for code in codes)
    assert all(len(code) == 12 for code in codes)
    assert not set("ILOU") & set("".join(codes))
    assert len(set(codes)) == len(codes)
    assert set("".join(codes).replace("-", "")) == set(CODE_ALPHABET)  # every symbol is used


# -- refunds, by property ----------------------------------------------------------------

ARRIVAL = datetime(2027, 1, 11, 11, 0, tzinfo=UTC)
CHARGE_CODES = ("nightly", "cleaning", "extra_guest", "early_check_in")


@st.composite
def policies(draw: st.DrawFn) -> CancellationPolicy:
    """A preset, or valid custom tiers: less notice never refunds more."""
    kind = draw(st.sampled_from(PolicyKind))
    if kind is not PolicyKind.CUSTOM:
        return policy(kind)
    hours = draw(st.lists(st.integers(0, 2_000), min_size=1, max_size=10, unique=True))
    percents = draw(
        st.lists(
            st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False),
            min_size=len(hours),
            max_size=len(hours),
        )
    )
    tiers = zip(sorted(hours, reverse=True), sorted(percents, reverse=True), strict=True)
    return policy(kind, tuple(RefundTier(h, p) for h, p in tiers))


@st.composite
def priced(draw: st.DrawFn) -> tuple[list[dict[str, object]], Shares]:
    """Lines and a split shaped like ``pricing.fees.split``: charges and taxes go to the
    host less the commission, the service fee and commission to the platform, the expert's
    fee to the expert."""
    amounts = st.integers(0, 10**9)
    charges = draw(st.lists(amounts, min_size=1, max_size=4))
    taxes, service_fee, expert = draw(amounts), draw(amounts), draw(amounts)
    commission = draw(st.integers(0, sum(charges)))
    lines: list[dict[str, object]] = [
        {"code": code, "amount_minor": amount}
        for code, amount in zip(CHARGE_CODES[: len(charges)], charges, strict=True)
    ]
    lines += [
        {"code": code, "amount_minor": amount}
        for code, amount in (("tax", taxes), ("service_fee", service_fee), ("expert_fee", expert))
        if amount
    ]
    host = sum(charges) + taxes - commission
    shares = Shares(
        guest_total=sum(charges) + taxes + service_fee + expert,
        host_payout=host,
        platform_fee=service_fee + commission,
        expert_fee=expert,
    )
    return lines, shares


def _refund(
    cancellation: CancellationPolicy,
    money: tuple[list[dict[str, object]], Shares],
    paid_minor: int,
    notice: timedelta,
    *,
    in_full: bool,
) -> Refund:
    lines, shares = money
    return refund(
        cancellation,
        lines=lines,
        shares=shares,
        paid_minor=paid_minor,
        arrival_at=ARRIVAL,
        cancelled_at=ARRIVAL - notice,
        in_full=in_full,
    )


notices = st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=400))


@given(policies(), priced(), st.data(), notices, st.booleans())
def test_a_refund_stays_within_what_was_paid_and_owed(
    cancellation: CancellationPolicy,
    money: tuple[list[dict[str, object]], Shares],
    data: st.DataObject,
    notice: timedelta,
    in_full: bool,
) -> None:
    """Never more than paid or than the total; the shares add up to the refundable amount
    and none of them is negative (nobody is paid back by a refund)."""
    shares = money[1]
    paid = data.draw(st.integers(0, shares.guest_total), label="paid_minor")
    result = _refund(cancellation, money, paid, notice, in_full=in_full)
    assert 0 <= result.refund_minor <= paid
    assert 0 <= result.refundable_minor <= shares.guest_total
    assert result.refund_minor == min(result.refundable_minor, paid)
    total = result.from_host_minor + result.from_platform_minor + result.from_expert_minor
    assert total == result.refundable_minor
    assert result.from_host_minor >= 0
    assert result.from_platform_minor >= 0
    assert result.from_expert_minor >= 0
    assert result.from_host_minor <= shares.host_payout
    assert result.from_expert_minor <= shares.expert_fee
    assert Decimal(0) <= result.percent <= Decimal(100)
    assert result.in_full is in_full


@given(policies(), priced(), notices)
def test_a_full_refund_returns_everything(
    cancellation: CancellationPolicy,
    money: tuple[list[dict[str, object]], Shares],
    notice: timedelta,
) -> None:
    """A host, admin or system cancellation: every line back, each share in full, whatever
    the policy or the notice."""
    shares = money[1]
    result = _refund(cancellation, money, shares.guest_total, notice, in_full=True)
    assert result.percent == Decimal(100)
    assert result.refundable_minor == result.refund_minor == shares.guest_total
    assert result.from_host_minor == shares.host_payout
    assert result.from_platform_minor == shares.platform_fee
    assert result.from_expert_minor == shares.expert_fee
    assert result.non_refundable == ()


@given(policies(), priced(), st.data(), notices, notices)
def test_more_notice_never_refunds_less(
    cancellation: CancellationPolicy,
    money: tuple[list[dict[str, object]], Shares],
    data: st.DataObject,
    one: timedelta,
    other: timedelta,
) -> None:
    """Monotonic in ``cancelled_at``: cancelling earlier gives back at least as much."""
    paid = data.draw(st.integers(0, money[1].guest_total), label="paid_minor")
    early = _refund(cancellation, money, paid, max(one, other), in_full=False)
    late = _refund(cancellation, money, paid, min(one, other), in_full=False)
    assert early.percent >= late.percent
    assert early.refundable_minor >= late.refundable_minor
    assert early.refund_minor >= late.refund_minor


@given(priced(), notices)
def test_the_service_fee_never_comes_back_by_policy(
    money: tuple[list[dict[str, object]], Shares], notice: timedelta
) -> None:
    """Even at 100% by the flexible policy, the guest's service fee is kept."""
    lines, shares = money
    result = _refund(policy(PolicyKind.FLEXIBLE), money, shares.guest_total, notice, in_full=False)
    fee = sum(int(str(line["amount_minor"])) for line in lines if line["code"] == "service_fee")
    assert result.refundable_minor <= shares.guest_total - fee
    assert result.non_refundable == ("service_fee",)


def test_rounding_never_takes_from_a_share_that_received_nothing() -> None:
    """Half of a 1 + 1 booking with no platform fee: the host and the expert each owe half
    a unit, rounded down to 0; the refundable 1 is then asked of the platform, which never
    received anything. The remainder belongs to a share that still has room."""
    lines: list[dict[str, object]] = [
        {"code": "nightly", "amount_minor": 1},
        {"code": "expert_fee", "amount_minor": 1},
    ]
    shares = Shares(guest_total=2, host_payout=1, platform_fee=0, expert_fee=1)
    half = policy(PolicyKind.CUSTOM, (RefundTier(0, Decimal(50)),))
    result = _refund(half, (lines, shares), 2, timedelta(days=1), in_full=False)
    assert result.refundable_minor == 1
    assert result.from_platform_minor <= shares.platform_fee
