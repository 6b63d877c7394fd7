"""The HUKS rules of user-auth keys (docs/userauth.md, "HUKS: who may use a key"): which params a
user-auth key may be made with, what must be enrolled, when a session needs a token, and what a token
must say. Pure decisions, like ``hukspy.policy``: the facade asks, this module answers or raises
``HuksError`` with upstream's codes; no crypto, no storage.

Order and codes follow upstream's service then engine (hks_client_check.c, hks_base_check.c,
hks_client_service_util.c at generate; hks_secure_access.c at update/finish).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from hukspy.enums import (
    HuksAuthAccessType,
    HuksChallengeType,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyPurpose,
    HuksTag,
    HuksTagType,
    HuksUserAuthMode,
    HuksUserAuthType,
)
from hukspy.errors import HuksError
from hukspy.params import ParamSet

if TYPE_CHECKING:
    from hukspy.userauth import AuthToken

__all__ = [
    "AUTH_ACCESS_TYPES",
    "AUTH_BINDING_TAG",
    "CHALLENGE_SIZE",
    "CHALLENGE_TYPES",
    "DEFAULT_AUTH_TIMEOUT_S",
    "USER_AUTH_TYPES",
    "AuthGate",
    "Credentials",
    "auth_gate",
    "check_device_password",
    "check_enrolled",
    "check_token",
    "check_user_auth_params",
    "is_auth_key",
]

T = HuksTag
_FP = HuksUserAuthType.HUKS_USER_AUTH_TYPE_FINGERPRINT
_FACE = HuksUserAuthType.HUKS_USER_AUTH_TYPE_FACE
_PIN = HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN
_TUI = HuksUserAuthType.HUKS_USER_AUTH_TYPE_TUI_PIN
_ACC = HuksAuthAccessType
_CLEAR = int(_ACC.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD)
_NEW_BIO = int(_ACC.HUKS_AUTH_ACCESS_INVALID_NEW_BIO_ENROLL)
_ALWAYS = int(_ACC.HUKS_AUTH_ACCESS_ALWAYS_VALID)
_NORMAL = int(HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL)
_CUSTOM = int(HuksChallengeType.HUKS_CHALLENGE_TYPE_CUSTOM)
_NONE = int(HuksChallengeType.HUKS_CHALLENGE_TYPE_NONE)

#: g_supportUserAuthTypes (hks_base_check_policy.c) → else INVALID_AUTH_TYPE (-133 → 401).
USER_AUTH_TYPES: Final = frozenset(
    {_PIN, _FP, _FACE, _PIN | _FP, _PIN | _FACE, _FACE | _FP, _PIN | _FACE | _FP,
     _TUI, _TUI | _FP, _TUI | _FACE, _TUI | _FACE | _FP}
)
#: g_expectAuthAccessParams: the KEY_AUTH_ACCESS_TYPE values each auth type accepts, in upstream's order
#: (HksCheckAuthAccessTypeByUserAuthType takes the first that meets the requested mask).
AUTH_ACCESS_TYPES: Final[Mapping[int, tuple[int, ...]]] = {
    _FACE: (_NEW_BIO, _CLEAR, _ALWAYS),
    _FP: (_NEW_BIO, _CLEAR, _ALWAYS),
    _PIN: (_CLEAR, _ALWAYS),
    _TUI: (_ALWAYS,),
}
#: g_userAuthChallengeType → else INVALID_CHALLENGE_TYPE (-134 → 401).
CHALLENGE_TYPES: Final = frozenset(int(v) for v in HuksChallengeType)
#: AUTH_TIMEOUT bounds for CHALLENGE_TYPE_NONE (MAX_AUTH_TIMEOUT_SECOND_INNER) → else -132 → 401.
AUTH_TIMEOUT_RANGE: Final = (1, 216000)
#: HksVerifyKeyTimestamp: the freshness of a NONE-type token when the key has no AUTH_TIMEOUT.
DEFAULT_AUTH_TIMEOUT_S: Final = 3
#: TOKEN_SIZE: the challenge of a NORMAL/CUSTOM session.
CHALLENGE_SIZE: Final = 32
#: g_validAesKeyInfo: the AES modes a user-auth cipher key may have (else -4 → 12000001).
AUTH_AES_MODES: Final = frozenset(
    {HuksCipherMode.HUKS_MODE_CBC, HuksCipherMode.HUKS_MODE_GCM, HuksCipherMode.HUKS_MODE_CCM}
)
_CIPHER: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT
_SIGN: Final = int(HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)
#: A hukspy-private stored tag (never accepted from a caller, never returned by properties): the
#: secure uid and the enrolled ids at creation (upstream USER_AUTH_SECURE_UID, USER_AUTH_ENROLL_ID_INFO).
AUTH_BINDING_TAG: Final = HuksTagType.HUKS_TAG_TYPE_BYTES | 30100
#: UserIAM token types (user_sign_centre.h): LOCAL_AUTH 0, LOCAL_RESIGN 1, COAUTH 2.
_TOKEN_COAUTH: Final = 2

E_ARG: Final = 401
E_UNSUPPORTED: Final = 12000001


class Credentials(Protocol):
    """What the facade's ``hukspy.userauth.UserAuth`` tells about enrolled credentials."""

    @property
    def secure_uid(self) -> int | None: ...

    def enrolled_ids(self, auth_type: int) -> list[int]: ...

    def is_pin_set(self) -> bool: ...


def is_auth_key(params: ParamSet) -> bool:
    """Whether params ask for user authentication (USER_AUTH_TYPE, and NO_AUTH_REQUIRED not true)."""
    return T.HUKS_TAG_USER_AUTH_TYPE in params and params.bool_(T.HUKS_TAG_NO_AUTH_REQUIRED) is not True


def _access_fits(auth: int, access: int) -> bool:
    """HksCheckAuthAccessTypeByUserAuthType: for each auth bit, the first accepted value meeting the mask;
    their OR must be the mask, which is non-zero and has ALWAYS_VALID alone."""
    if access == 0 or (access & _ALWAYS and access != _ALWAYS):
        return False
    got = 0
    for bit, values in AUTH_ACCESS_TYPES.items():
        if auth & bit:
            got |= next((v for v in values if v & access), 0)
    return got == access


def check_user_auth_params(params: ParamSet) -> None:
    """The service's checks of a user-auth key's params at generate/import, in upstream order
    (docs/userauth.md): KEY_AUTH_ACCESS_TYPE or CHALLENGE_TYPE missing, an unsupported
    USER_AUTH_TYPE or CHALLENGE_TYPE, an access type the auth type does not accept, AUTH_TIMEOUT outside
    1..216000 for CHALLENGE_TYPE_NONE, KEY_SECURE_SIGN_TYPE other than WITH_AUTHINFO or without SIGN → 401;
    KEY_AUTH_PURPOSE 0 or outside PURPOSE → 12000003; an AES key whose KEY_AUTH_PURPOSE ciphers with a
    mode other than CBC/GCM/CCM → 12000001. A key without user auth passes."""
    if not is_auth_key(params):
        return
    auth = params.int_(T.HUKS_TAG_USER_AUTH_TYPE) or 0
    access = params.int_(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE)
    if access is None:
        raise HuksError(E_ARG, "KEY_AUTH_ACCESS_TYPE is missing for a user-auth key")
    challenge = params.int_(T.HUKS_TAG_CHALLENGE_TYPE)
    if challenge is None:
        raise HuksError(E_ARG, "CHALLENGE_TYPE is missing for a user-auth key")
    if auth not in USER_AUTH_TYPES:
        raise HuksError(E_ARG, f"the user auth type {auth} is invalid")
    if challenge not in CHALLENGE_TYPES:
        raise HuksError(E_ARG, f"the challenge type {challenge} is invalid")
    if not _access_fits(auth, access):
        raise HuksError(E_ARG, f"the auth access type {access} does not fit the user auth type {auth}")
    timeout = params.int_(T.HUKS_TAG_AUTH_TIMEOUT)
    lo, hi = AUTH_TIMEOUT_RANGE
    if challenge == _NONE and timeout is not None and not lo <= timeout <= hi:
        raise HuksError(E_ARG, f"AUTH_TIMEOUT must be {lo} to {hi} seconds")
    sign_type = params.int_(T.HUKS_TAG_KEY_SECURE_SIGN_TYPE)
    if sign_type is not None:
        if sign_type != 1:
            raise HuksError(E_ARG, f"the secure sign type {sign_type} is invalid")
        if not (params.int_(T.HUKS_TAG_PURPOSE) or 0) & _SIGN:
            raise HuksError(E_ARG, "a secure sign type needs the SIGN purpose")
    auth_purpose = params.int_(T.HUKS_TAG_KEY_AUTH_PURPOSE)
    if auth_purpose is None:
        return
    purpose = params.int_(T.HUKS_TAG_PURPOSE) or 0
    if auth_purpose == 0 or auth_purpose & ~purpose:
        raise HuksError(
            12000003, f"KEY_AUTH_PURPOSE {auth_purpose:#x} (one purpose of PURPOSE {purpose:#x} expected)"
        )
    mode = params.int_(T.HUKS_TAG_BLOCK_MODE)
    if params.int_(T.HUKS_TAG_ALGORITHM) == HuksKeyAlg.HUKS_ALG_AES and auth_purpose & _CIPHER \
            and mode is not None and mode not in AUTH_AES_MODES:
        raise HuksError(E_UNSUPPORTED, "user authentication on an AES key of this block mode")


def check_enrolled(params: ParamSet, creds: Credentials) -> ParamSet:
    """The service's credential check at generate/import (AppendNewInfoForGenKeyInService), after
    :func:`check_user_auth_params`: nothing for ALWAYS_VALID; else IS_ALLOWED_WRAP → 12000012,
    NEW_BIO_ENROLL without FACE/FINGERPRINT → 12000001, a FINGERPRINT/FACE/PIN bit with nothing enrolled →
    12000013. Returns ``params`` with the binding (:data:`AUTH_BINDING_TAG`: secure uid, enrolled ids)
    the session checks a token against."""
    if not is_auth_key(params):
        return params
    access = params.int_(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE)
    if access == _ALWAYS:
        return params
    auth = params.int_(T.HUKS_TAG_USER_AUTH_TYPE) or 0
    if params.bool_(T.HUKS_TAG_IS_ALLOWED_WRAP) is True:
        raise HuksError(12000012, "a user-auth key cannot be wrapped")
    if (access or 0) & _NEW_BIO and not auth & (_FP | _FACE):
        raise HuksError(E_UNSUPPORTED, "INVALID_NEW_BIO_ENROLL without a biometric auth type")
    enrolled: list[tuple[int, int]] = []
    for bit in (_FP, _FACE, _PIN):
        if auth & bit:
            ids = creds.enrolled_ids(bit)
            if not ids:
                raise HuksError(12000013, f"no {bit.name.removeprefix('HUKS_USER_AUTH_TYPE_')} credential "
                                          "is enrolled (hukspy pin set)")
            enrolled += [(int(bit), i) for i in ids]
    uid = creds.secure_uid
    if uid is None:
        raise HuksError(12000013, "no user credential is enrolled (hukspy pin set)")
    blob = struct.pack("<QI", uid, len(enrolled)) + b"".join(struct.pack("<IQ", t, i) for t, i in enrolled)
    return params.with_((AUTH_BINDING_TAG, blob))


def check_device_password(params: ParamSet, creds: Credentials) -> None:
    """IS_DEVICE_PASSWORD_SET=true and no PIN enrolled → 12000016 (CheckIfNeedIsDevicePasswordSet: at
    generate/import, init and every update/finish)."""
    if params.bool_(T.HUKS_TAG_IS_DEVICE_PASSWORD_SET) is True and not creds.is_pin_set():
        raise HuksError(12000016, "no lock-screen PIN is set (hukspy pin set)")


@dataclass(frozen=True)
class AuthGate:
    """What a session of a user-auth key must see in its token (decided at init by :func:`auth_gate`)."""

    challenge_type: int
    challenge_pos: int
    timeout_s: int
    auth_types: int
    access: int
    coauth: bool
    secure_uid: int | None
    enrolled: frozenset[tuple[int, int]]


def _binding(stored: ParamSet) -> tuple[int | None, frozenset[tuple[int, int]]]:
    blob = stored.bytes_(AUTH_BINDING_TAG)
    if blob is None:
        return None, frozenset()
    try:
        uid, n = struct.unpack_from("<QI", blob)
        pairs = frozenset(struct.unpack_from("<IQ", blob, 12 + 12 * k) for k in range(n))
    except struct.error as exc:
        raise HuksError(12000004, "the key's user-auth binding is damaged") from exc
    return uid, pairs


def auth_gate(stored: ParamSet, init: ParamSet) -> AuthGate | None:
    """Whether a session needs a token (HksCoreSecureAccessInitParams): None for a key without user auth
    or an operation outside KEY_AUTH_PURPOSE; else the gate. CHALLENGE_TYPE_CUSTOM needs CHALLENGE_POS
    in the init params: missing or above 3 → 401."""
    if not is_auth_key(stored):
        return None
    purpose = init.int_(T.HUKS_TAG_PURPOSE) or 0
    auth_purpose = stored.int_(T.HUKS_TAG_KEY_AUTH_PURPOSE)
    if auth_purpose is not None and not purpose & auth_purpose:
        return None
    challenge = stored.int_(T.HUKS_TAG_CHALLENGE_TYPE, _NORMAL)
    pos = 0
    if challenge == _CUSTOM:
        given = init.int_(T.HUKS_TAG_CHALLENGE_POS)
        if given is None:
            raise HuksError(E_ARG, "CHALLENGE_POS is missing for a CHALLENGE_TYPE_CUSTOM key")
        if given > 3:
            raise HuksError(E_ARG, f"CHALLENGE_POS {given} (0 to 3)")
        pos = given
    uid, enrolled = _binding(stored)
    return AuthGate(
        challenge_type=challenge,
        challenge_pos=pos,
        timeout_s=stored.int_(T.HUKS_TAG_AUTH_TIMEOUT, DEFAULT_AUTH_TIMEOUT_S),
        auth_types=stored.int_(T.HUKS_TAG_USER_AUTH_TYPE) or 0,
        access=stored.int_(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE) or 0,
        coauth=stored.int_(T.HUKS_TAG_USER_AUTH_MODE) == HuksUserAuthMode.HUKS_USER_AUTH_MODE_COAUTH,
        secure_uid=uid,
        enrolled=enrolled,
    )


def check_token(gate: AuthGate, token: AuthToken, challenge: bytes | None, init_ms: int,
                user_id: int) -> None:
    """The checks of HksCoreSecureAccessVerifyParams after the token's size and MAC (which
    ``UserAuth.verify_token`` does: 401, 12000008), in upstream order:

    - token type COAUTH on a key without USER_AUTH_MODE=COAUTH, or an unknown token type → 12000001;
    - NORMAL: the 32 challenge bytes differ from the session's; CUSTOM: bytes 8·pos..8·pos+8 differ →
      12000012 (KEY_AUTH_FAILED -43 has no mapping row);
    - NONE: init time and token time (seconds) further apart than AUTH_TIMEOUT (default 3 s) → 12000009;
    - an auth type UserIAM does not know → 12000001; one the key does not accept → 12000008;
    - ALWAYS_VALID: another user → 12000007; INVALID_CLEAR_PASSWORD: another secure uid (the PIN was
      removed and enrolled again) → 12000007; INVALID_NEW_BIO_ENROLL: an enrolled id the key was not
      made with → 12000007.
    """
    if token.token_type > _TOKEN_COAUTH or (token.token_type == _TOKEN_COAUTH and not gate.coauth):
        raise HuksError(E_UNSUPPORTED, "an auth token of a co-authentication on a local-auth key")
    if gate.challenge_type == _NORMAL and token.challenge != challenge:
        raise HuksError(12000012, "the auth token was issued for another challenge")
    if gate.challenge_type == _CUSTOM:
        at = 8 * gate.challenge_pos
        if challenge is None or token.challenge[at : at + 8] != challenge[at : at + 8]:
            raise HuksError(12000012, "the auth token was issued for another challenge")
    if gate.challenge_type == _NONE and abs(init_ms // 1000 - token.time // 1000) > gate.timeout_s:
        raise HuksError(12000009, f"the auth token is older than {gate.timeout_s} s")
    huks_type = token.huks_auth_type
    if huks_type is None:
        raise HuksError(E_UNSUPPORTED, "an auth token of an unknown auth type")
    if not huks_type & gate.auth_types:
        raise HuksError(12000008, "the auth token's auth type is not one the key accepts")
    if gate.access == _ALWAYS and token.user_id != user_id:
        raise HuksError(12000007, "the auth token is another user's")
    if gate.access == _CLEAR and token.secure_uid != gate.secure_uid:
        raise HuksError(12000007, "the PIN the key was bound to was removed")
    if gate.access == _NEW_BIO and huks_type & (_FP | _FACE) \
            and (huks_type, token.enrolled_id) not in gate.enrolled:
        raise HuksError(12000007, "the credential the key was bound to was replaced")
