"""The PIN verifier: what is stored instead of the PIN, and the check of a PIN against it
(docs/userauth.md, "The PIN").

``ScryptVerifier`` (every backend): ``scrypt(PIN, salt, n=2**15, r=8, p=1, 32 bytes)`` with a random
16-byte salt, compared with ``hmac.compare_digest``; the record is ``{"kind": "scrypt", "salt", "hash",
"n", "r", "p"}`` (hex), so the cost can be raised later without breaking stored PINs. A backend may offer
a verifier of its own (``PinVerifierHook``: the TPM's, where the TPM itself checks every guess).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Final, Protocol, runtime_checkable

__all__ = ["PinVerifier", "PinVerifierHook", "ScryptVerifier", "check_pin"]

MAX_PIN_BYTES: Final = 1024
_N: Final = 2**15
_R: Final = 8
_P: Final = 1


class PinVerifier(Protocol):
    """Makes and checks the stored form of a PIN. ``enroll`` returns a JSON-able record; ``verify``
    answers whether ``pin`` matches it, taking the same time for every wrong PIN."""

    kind: str

    def enroll(self, pin: bytes) -> dict[str, Any]: ...

    def verify(self, record: dict[str, Any], pin: bytes) -> bool: ...

    def remove(self, record: dict[str, Any]) -> None: ...


@runtime_checkable
class PinVerifierHook(Protocol):
    """Optional backend hook: a backend that checks PINs itself (the TPM) returns its verifier."""

    def pin_verifier(self) -> PinVerifier: ...


class ScryptVerifier:
    """The salted scrypt hash (module docstring)."""

    kind = "scrypt"

    def enroll(self, pin: bytes) -> dict[str, Any]:
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin, salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024, dklen=32)
        return {"kind": self.kind, "salt": salt.hex(), "hash": digest.hex(), "n": _N, "r": _R, "p": _P}

    def verify(self, record: dict[str, Any], pin: bytes) -> bool:
        n, r, p = int(record["n"]), int(record["r"]), int(record["p"])
        digest = hashlib.scrypt(
            pin, salt=bytes.fromhex(record["salt"]), n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
        )
        return hmac.compare_digest(digest, bytes.fromhex(record["hash"]))

    def remove(self, record: dict[str, Any]) -> None:
        """Nothing to destroy: the record is all there is."""


def check_pin(pin: object) -> bytes | None:
    """The PIN as bytes (``str`` is UTF-8 encoded), or None when it is not a PIN: not bytes or str,
    empty, or longer than ``MAX_PIN_BYTES``."""
    if isinstance(pin, str):
        try:
            pin = pin.encode("utf-8")
        except UnicodeEncodeError:
            return None
    if not isinstance(pin, bytes | bytearray | memoryview):
        return None
    data = bytes(pin)
    return data if 1 <= len(data) <= MAX_PIN_BYTES else None
