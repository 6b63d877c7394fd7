"""UserIAM's 280-byte auth token (``UserAuthTokenHal``), written and read in this one place.

Layout, packed little-endian (docs/userauth.md, "The token")::

    off  field                                              size
      0  version (0)                                          4
      4  challenge                                           32
     36  time (CLOCK_MONOTONIC, ms)                           8
     44  authTrustLevel                                       4
     48  authType (IAM: PIN 1, FACE 2, FINGERPRINT 4)         4
     52  authMode                                             4
     56  securityLevel                                        4
     60  tokenType (0 LOCAL_AUTH, 1 LOCAL_RESIGN, 2 COAUTH)   4
     64  AES-256-GCM(userId i32, secureUid u64, enrolledId u64,
                     credentialId u64, collectorUdid[64], verifierUdid[64])   156
    220  GCM tag                                             16
    236  GCM iv                                              12
    248  HMAC-SHA256(macKey, bytes[0:248])                   32

The GCM AAD is ``b"OH_authToken"`` as upstream. The keys come from a ``TokenKeys`` (``hukspy.userauth.
keys``: held by the keystore's backend), so a token verifies only in the keystore that issued it.
"""

from __future__ import annotations

import hmac
import secrets
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy.enums import HuksUserAuthType
from hukspy.userauth.errors import TokenMacError, TokenMalformedError

__all__ = [
    "CHALLENGE_SIZE",
    "TOKEN_SIZE",
    "AuthToken",
    "IamAuthType",
    "TokenKeys",
    "TokenType",
    "huks_auth_type",
    "iam_auth_type",
    "open_token",
    "sign_token",
]

TOKEN_SIZE: Final = 280
CHALLENGE_SIZE: Final = 32
TOKEN_VERSION: Final = 0
UDID_SIZE: Final = 64
_AAD: Final = b"OH_authToken"
_HEAD: Final = struct.Struct("<I32sQIIIII")  # version .. tokenType: 64 bytes
_PLAIN: Final = struct.Struct("<iQQQ64s64s")  # userId .. verifierUdid: 156 bytes
_CIPHER_AT: Final = _HEAD.size
_TAG_AT: Final = _CIPHER_AT + _PLAIN.size
_IV_AT: Final = _TAG_AT + 16
_MAC_AT: Final = _IV_AT + 12


class IamAuthType(IntEnum):
    """UserIAM's ``AuthType`` (the token's authType; not HUKS's ``HuksUserAuthType`` bit values)."""

    PIN = 1
    FACE = 2
    FINGERPRINT = 4


class TokenType(IntEnum):
    LOCAL_AUTH = 0
    LOCAL_RESIGN = 1
    COAUTH = 2


#: HUKS ``HuksUserAuthType`` bit → UserIAM ``AuthType`` (one table; both directions read it).
_HUKS_TO_IAM: Final = {
    HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN: IamAuthType.PIN,
    HuksUserAuthType.HUKS_USER_AUTH_TYPE_FACE: IamAuthType.FACE,
    HuksUserAuthType.HUKS_USER_AUTH_TYPE_FINGERPRINT: IamAuthType.FINGERPRINT,
}


def iam_auth_type(huks_type: int) -> int | None:
    """The UserIAM auth type of a single ``HuksUserAuthType`` bit, or None (TUI_PIN, a combination)."""
    found = _HUKS_TO_IAM.get(huks_type)  # type: ignore[call-overload]
    return None if found is None else int(found)


def huks_auth_type(iam_type: int) -> int | None:
    """The ``HuksUserAuthType`` bit of a UserIAM auth type, or None."""
    for huks, iam in _HUKS_TO_IAM.items():
        if iam == iam_type:
            return int(huks)
    return None


@dataclass(frozen=True, repr=False)
class AuthToken:
    """A token's fields (the layout in the module docstring). ``auth_type`` is UserIAM's value
    (``IamAuthType``); ``huks_auth_type`` gives the HUKS bit. ``repr`` never shows the challenge."""

    challenge: bytes
    time: int
    auth_type: int
    secure_uid: int
    enrolled_id: int
    credential_id: int
    user_id: int = 100
    auth_trust_level: int = 30000
    auth_mode: int = 0
    security_level: int = 0
    token_type: int = TokenType.LOCAL_AUTH
    version: int = TOKEN_VERSION
    collector_udid: bytes = bytes(UDID_SIZE)
    verifier_udid: bytes = bytes(UDID_SIZE)

    @property
    def huks_auth_type(self) -> int | None:
        return huks_auth_type(self.auth_type)

    def __repr__(self) -> str:
        return (
            f"AuthToken(time={self.time}, auth_type={self.auth_type}, token_type={self.token_type}, "
            f"user_id={self.user_id}, challenge=<{len(self.challenge)} bytes>)"
        )


class TokenKeys(Protocol):
    """The two token keys: ``mac`` computes HMAC-SHA256 with the MAC key (inside the backend), and
    ``cipher`` is the AES-256-GCM of the encrypted part."""

    def mac(self, data: bytes) -> bytes: ...

    def cipher(self) -> AESGCM: ...


def sign_token(token: AuthToken, keys: TokenKeys) -> bytes:
    """The 280 bytes of ``token``: its encrypted part under a fresh random IV, then the HMAC."""
    head = _HEAD.pack(
        token.version,
        token.challenge.ljust(CHALLENGE_SIZE, b"\0")[:CHALLENGE_SIZE],
        token.time,
        token.auth_trust_level,
        token.auth_type,
        token.auth_mode,
        token.security_level,
        token.token_type,
    )
    plain = _PLAIN.pack(
        token.user_id,
        token.secure_uid,
        token.enrolled_id,
        token.credential_id,
        token.collector_udid,
        token.verifier_udid,
    )
    iv = secrets.token_bytes(12)
    sealed = keys.cipher().encrypt(iv, plain, _AAD)  # ciphertext ‖ tag
    body = head + sealed + iv
    return body + keys.mac(body)


def open_token(blob: object, keys: TokenKeys) -> AuthToken:
    """Check and read a token. Raises ``TokenMalformedError`` (not bytes, not 280 bytes: → 401) and
    ``TokenMacError`` (HMAC or GCM fails: → 12000008), in upstream's order (size, then MAC)."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise TokenMalformedError("the auth token must be bytes")
    data = bytes(blob)
    if len(data) != TOKEN_SIZE:
        raise TokenMalformedError(f"the auth token must be {TOKEN_SIZE} bytes, not {len(data)}")
    body = data[:_MAC_AT]
    if not hmac.compare_digest(keys.mac(body), data[_MAC_AT:]):
        raise TokenMacError("the auth token's MAC does not verify (made by another keystore, or altered)")
    try:
        plain = keys.cipher().decrypt(data[_IV_AT:_MAC_AT], data[_CIPHER_AT:_IV_AT], _AAD)
    except InvalidTag as exc:
        raise TokenMacError("the auth token's encrypted part does not verify") from exc
    version, challenge, time_ms, atl, auth_type, mode, level, token_type = _HEAD.unpack_from(data)
    user_id, secure_uid, enrolled_id, credential_id, collector, verifier = _PLAIN.unpack(plain)
    return AuthToken(
        challenge=challenge,
        time=time_ms,
        auth_type=auth_type,
        secure_uid=secure_uid,
        enrolled_id=enrolled_id,
        credential_id=credential_id,
        user_id=user_id,
        auth_trust_level=atl,
        auth_mode=mode,
        security_level=level,
        token_type=token_type,
        version=version,
        collector_udid=collector,
        verifier_udid=verifier,
    )
