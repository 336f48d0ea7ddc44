"""Demo hosts get connected, onboarded payout accounts on the bundled Stripe emulator, so
that demo guests can book and pay (bookings need a payee that can take charges).

Accounts are opened through ``payments.connect`` like any host's; only the hosted onboarding
(a person typing details into Stripe's page) is skipped, through the emulator's control
endpoint. Idempotent: an organization that already has an account is only synced, and
onboarding an onboarded account again changes nothing.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from urllib.parse import urlencode

from innkeeper.core.errors import DomainError
from innkeeper.payments import connect
from innkeeper.payments.gateway import EMULATOR_KEY
from innkeeper.services import Services
from innkeeper.settings import Settings

_log = logging.getLogger(__name__)
PROBE_TIMEOUT = 2.0


def connect_hosts(services: Services, organization_ids: Iterable[uuid.UUID]) -> int:
    """Open and onboard each organization's payout account; how many are ready. Skipped
    (with a log line) against real Stripe or when the emulator does not answer."""
    settings = services.settings
    if not settings.stripe_emulated:
        return 0
    if not emulator_answers(settings):
        _log.warning(
            "stripe emulator not reachable at %s: demo hosts are not connected, so demo "
            "bookings that need a payout account are skipped",
            settings.stripe_emulator_url,
        )
        return 0
    ready = 0
    for organization_id in organization_ids:
        try:
            row = connect.create_account(services, organization_id, None)
            if not row.charges_enabled:
                finish_onboarding(settings, row.stripe_account_id, "complete")
                row = connect.sync_account(services, row.stripe_account_id) or row
        except (DomainError, OSError) as error:
            _log.warning("demo payout account for %s not ready: %s", organization_id, error)
            continue
        ready += row.charges_enabled
    return ready


def emulator_answers(settings: Settings) -> bool:
    request = urllib.request.Request(f"{settings.stripe_emulator_url}/_emulator/clock")
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def finish_onboarding(settings: Settings, stripe_account_id: str, state: str) -> None:
    """What a host does on Stripe's hosted page, done through the emulator's control plane:
    ``state`` is complete, restricted, past_due or rejected."""
    request = urllib.request.Request(
        f"{settings.stripe_emulator_url}/_emulator/accounts/{stripe_account_id}/onboarding",
        data=urlencode({"state": state}).encode(),
        headers={
            "Authorization": f"Bearer {EMULATOR_KEY}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.stripe_timeout_seconds) as answer:
        answer.read()
