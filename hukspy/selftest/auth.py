"""Selftest rows for a user-auth key (docs/userauth.md, "Selftest"): an HMAC-SHA256 key bound to the
PIN (INVALID_CLEAR_PASSWORD, CHALLENGE_TYPE_NORMAL) at the DE level, used through a session with a token
from ``UserAuth.authenticate``, the MAC checked against Python's ``hmac``; then a session without a
token (401) and with a token of another challenge (12000012).

The round trip needs a PIN, and enrolling one changes the keystore's lock state for every other user of
it (docs/userauth.md, "Selftest"). So the rows run only when the caller allows an enrollment
(``enroll=True``: ``hukspy selftest`` does so on the temporary keystore it makes when none is named) and
no PIN is enrolled: the selftest enrolls :data:`SELFTEST_PIN` for the duration and removes it at the end.
On a keystore in use (a named one, or one with the user's PIN) it adds no row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Final

from hukspy.enums import (
    HuksAuthAccessType,
    HuksAuthStorageLevel,
    HuksChallengeType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPurpose,
    HuksTag,
    HuksUserAuthType,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam
from hukspy.selftest.rows import Row, check, timed_row

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["SELFTEST_PIN", "auth_rows"]

#: The PIN enrolled for the round trip when the keystore has none (removed afterwards).
SELFTEST_PIN: Final = b"hukspy-selftest"
_T = HuksTag
_DE: Final = HuksParam(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE)
_KEY: Final = (
    HuksParam(_T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
    HuksParam(_T.HUKS_TAG_KEY_SIZE, 256),
    HuksParam(_T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
    HuksParam(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
    HuksParam(_T.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN),
    HuksParam(_T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD),
    HuksParam(_T.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL),
    _DE,
)
_INIT: Final = (
    HuksParam(_T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
    HuksParam(_T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
    HuksParam(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
    _DE,
)


def _expect(code: int, call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except HuksError as exc:
        check(exc.code == code, f"expected {code}, got {exc.code}")
        return
    check(False, f"expected {code}, the call succeeded")


def auth_rows(ks: Keystore, *, enroll: bool = True) -> list[Row]:
    """The rows of the module docstring (none when HMAC-256 import is not declared, when ``enroll`` is
    false or when the user has a PIN). Never raises ``HuksError``."""
    cap = ks.capabilities().key(HuksKeyAlg.HUKS_ALG_HMAC, 256)
    if not enroll or cap is None or not cap.imports:
        return []
    rows: list[Row] = []
    ua = ks.user_auth
    try:
        if ua.is_pin_set():
            return []
        ua.enroll_pin(SELFTEST_PIN)
    except Exception as exc:
        return [Row("hmac", 256, "user-auth", "pin", False, f"{type(exc).__name__}: {exc}")]
    alias = f"hukspy-selftest-auth-{secrets.token_hex(4)}"
    secret = secrets.token_bytes(32)
    try:
        with timed_row(rows, "hmac", 256, "user-auth mac", "pin/clear_password/normal") as detail:
            ks.import_key_item(alias, HuksOptions(list(_KEY), secret))
            handle = ks.init_session(alias, HuksOptions(list(_INIT)))
            check(handle.challenge is not None and len(handle.challenge) == 32, "no 32-byte challenge")
            token = ua.authenticate(handle.challenge, SELFTEST_PIN)
            mac = ks.finish_session(handle, HuksOptions(in_data=b"selftest"), token).out_data
            check(mac == hmac.new(secret, b"selftest", hashlib.sha256).digest(), "the MAC differs")
            detail.append("token verified, MAC matches")
        with timed_row(rows, "hmac", 256, "user-auth reject", "no token → 401, other challenge → 12000012"):
            h = ks.init_session(alias, HuksOptions(list(_INIT)))
            _expect(401, lambda: ks.finish_session(h, HuksOptions(in_data=b"x")))
            h = ks.init_session(alias, HuksOptions(list(_INIT)))
            other = ua.authenticate(secrets.token_bytes(32), SELFTEST_PIN)
            _expect(12000012, lambda: ks.finish_session(h, HuksOptions(in_data=b"x"), other))
    finally:
        rows.append(remove_aliases_at_de(ks, alias))
        try:
            ua.remove_pin(SELFTEST_PIN)
        except Exception as exc:
            rows.append(Row("-", 0, "pin remove", "selftest PIN", False, f"{type(exc).__name__}: {exc}"))
    return rows


def remove_aliases_at_de(ks: Keystore, alias: str) -> Row:
    """Delete the selftest's DE-level key; one row."""
    try:
        if ks.has_key_item(alias, HuksOptions([_DE])):
            ks.delete_key_item(alias, HuksOptions([_DE]))
    except HuksError as exc:
        return Row("-", 0, "delete", "user-auth", False, f"{alias}: error {exc.code}")
    return Row("-", 0, "delete", "user-auth", True, "1 temporary alias removed")

