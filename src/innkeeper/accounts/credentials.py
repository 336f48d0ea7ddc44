"""Password hashing (argon2id through argon2-cffi) and opaque tokens stored as digests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_TOKEN_PREFIX = "iks_"
API_TOKEN_PREFIX = "ikt_"


class Passwords:
    """argon2id hashes; ``verify`` also says when a stored hash should be upgraded."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Verifying against this when the email is unknown keeps both answers equally slow,
        # so response time does not reveal which emails have accounts.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and (
                stored_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The secret goes to the client once; only ``digest`` is stored."""

    secret: str
    digest: bytes
    display_prefix: str


def issue_token(prefix: str) -> IssuedToken:
    secret = prefix + secrets.token_urlsafe(32)
    return IssuedToken(secret, digest(secret), secret[: len(prefix) + 6])


def digest(secret: str) -> bytes:
    """SHA-256 is enough here: tokens carry 256 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).digest()
