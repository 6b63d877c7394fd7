"""The PKCS#11 backend's one error table: CKR codes → HUKS codes, refined by operation.

Three facts, three tables:

- ``CKR_OF_CLASS``: which CKR code each python-pkcs11 exception class stands for (from python-pkcs11's
  ``_pkcs11.pxd: map_rv_to_error``, one class per code). Codes python-pkcs11 has no class for come back
  as ``PKCS11Error("Unmapped error code 0x..")`` (parsed by ``ckr_of``), a few as ``PKCS11Error("...
  Should never see this.")`` (matched by message), and codes of calls made through ctypes as
  ``CkrError`` (``.ckr``).
- ``HUKS_OF_CKR``: CKR code → HUKS code (backends.md §1.2), an int or a ``ByCall`` refined by
  ``Action`` and ``OpKind``: SoftHSM2 returns CKR_GENERAL_ERROR / CKR_FUNCTION_FAILED for every crypto
  failure (bad GCM tag, bad padding, OAEP failure, off-curve peer point), so in a decrypt, verify,
  agree or derive session and in an unwrap these mean 12000006; in actions that write objects
  (generate, import, record put/delete) 12000004; elsewhere 12000012 (``VAGUE``).
- ``HUKS_OF_CLASS``: the exceptions that carry no CKR code (python-pkcs11's own lookups).

``UNMAPPED`` lists the python-pkcs11 classes deliberately left out, with the reason; a test checks, for
every ``Action``, that every class python-pkcs11 defines is in exactly one of ``CKR_OF_CLASS``,
``HUKS_OF_CLASS``, ``UNMAPPED`` and that each mapped one gets a code. This backend's own conditions are
``hukspy.backend`` native errors (``UnsupportedError``, ``DataRejectedError``, ...), mapped by
``hukspy.backend.NATIVE_CODES``; it builds no ``HuksError``.

Decisions (documented in docs/pkcs11.md): exporting a non-extractable key (ATTRIBUTE_SENSITIVE,
KEY_UNEXTRACTABLE, KEY_NOT_WRAPPABLE, ACTION_PROHIBITED) is 12000003 like every other export refusal;
PIN_LOCKED is 12000007 (keys unusable until the SO resets the PIN); read-only storage is 12000004.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from pkcs11 import exceptions as px

from hukspy.backend import Action, ByCall, Translation
from hukspy.spec import OpKind
from hukspy_pkcs11._native import CkrError

__all__ = [
    "BY_CALL",
    "CKR_OF_CLASS",
    "HUKS_OF_CKR",
    "HUKS_OF_CLASS",
    "UNMAPPED",
    "VAGUE",
    "ckr_of",
    "huks_code",
    "translate",
]

# CKR codes (PKCS#11 v3.0 pkcs11t.h) that the tables below use by name.
CKR_GENERAL_ERROR: Final = 0x05
CKR_FUNCTION_FAILED: Final = 0x06
CKR_KEY_FUNCTION_NOT_PERMITTED: Final = 0x68
CKR_ACTION_PROHIBITED: Final = 0x1B
CKR_SIGNATURE_INVALID: Final = 0xC0
CKR_SIGNATURE_LEN_RANGE: Final = 0xC1
CKR_USER_ALREADY_LOGGED_IN: Final = 0x100
CKR_USER_NOT_LOGGED_IN: Final = 0x101
CKR_CRYPTOKI_NOT_INITIALIZED: Final = 0x190

#: python-pkcs11 exception class → the CKR code it is raised for.
CKR_OF_CLASS: Final[Mapping[type[px.PKCS11Error], int]] = {
    px.HostMemory: 0x02, px.SlotIDInvalid: 0x03, px.GeneralError: 0x05, px.FunctionFailed: 0x06,
    px.ArgumentsBad: 0x07, px.AttributeReadOnly: 0x10, px.AttributeSensitive: 0x11,
    px.AttributeTypeInvalid: 0x12, px.AttributeValueInvalid: 0x13, px.DataInvalid: 0x20,
    px.DataLenRange: 0x21, px.DeviceError: 0x30, px.DeviceMemory: 0x31, px.DeviceRemoved: 0x32,
    px.EncryptedDataInvalid: 0x40, px.EncryptedDataLenRange: 0x41, px.FunctionCancelled: 0x50,
    px.FunctionNotSupported: 0x54, px.KeyHandleInvalid: 0x60, px.KeySizeRange: 0x62,
    px.KeyTypeInconsistent: 0x63, px.KeyNotNeeded: 0x64, px.KeyNeeded: 0x66, px.KeyIndigestible: 0x67,
    px.KeyNotWrappable: 0x69, px.KeyUnextractable: 0x6A, px.MechanismInvalid: 0x70,
    px.MechanismParamInvalid: 0x71, px.ObjectHandleInvalid: 0x82, px.OperationActive: 0x90,
    px.OperationNotInitialized: 0x91, px.PinIncorrect: 0xA0, px.PinInvalid: 0xA1, px.PinLenRange: 0xA2,
    px.PinExpired: 0xA3, px.PinLocked: 0xA4, px.SessionClosed: 0xB0, px.SessionCount: 0xB1,
    px.SessionHandleInvalid: 0xB3, px.SessionReadOnly: 0xB5, px.SessionExists: 0xB6,
    px.SessionReadOnlyExists: 0xB7, px.SessionReadWriteSOExists: 0xB8, px.SignatureInvalid: 0xC0,
    px.SignatureLenRange: 0xC1, px.TemplateIncomplete: 0xD0, px.TemplateInconsistent: 0xD1,
    px.TokenNotPresent: 0xE0, px.TokenNotRecognised: 0xE1, px.TokenWriteProtected: 0xE2,
    px.UnwrappingKeyHandleInvalid: 0xF0, px.UnwrappingKeySizeRange: 0xF1,
    px.UnwrappingKeyTypeInconsistent: 0xF2, px.UserAlreadyLoggedIn: 0x100, px.UserNotLoggedIn: 0x101,
    px.UserPinNotInitialized: 0x102, px.AnotherUserAlreadyLoggedIn: 0x104, px.UserTooManyTypes: 0x105,
    px.WrappedKeyInvalid: 0x110, px.WrappedKeyLenRange: 0x112, px.WrappingKeyHandleInvalid: 0x113,
    px.WrappingKeySizeRange: 0x114, px.WrappingKeyTypeInconsistent: 0x115,
    px.RandomSeedNotSupported: 0x120, px.RandomNoRNG: 0x121, px.DomainParamsInvalid: 0x130,
    px.ExceededMaxIterations: 0x1B5, px.PinTooWeak: 0x1B8, px.PublicKeyInvalid: 0x1B9,
    px.FunctionRejected: 0x200,
}

#: Exceptions without a CKR code (python-pkcs11's own lookups) → HUKS.
HUKS_OF_CLASS: Final[Mapping[type[px.PKCS11Error], int]] = {
    px.NoSuchKey: 12000011,  # the key object is gone (deleted by another process or host)
    px.NoSuchToken: 12000012,  # the token is not there (removed, or its files deleted)
    px.MultipleObjectsReturned: 12000017,  # two objects claim one alias (PKCS#11 allows duplicate labels)
    px.MultipleTokensReturned: 12000012,  # the URI does not name one token
}

#: python-pkcs11 classes deliberately not mapped, and why.
UNMAPPED: Final[Mapping[type[px.PKCS11Error], str]] = {
    px.PKCS11Error: "the base class: its message is parsed for the CKR code (ckr_of)",
    px.NoEvent: "raised only by wait_for_slot_event, which hukspy never calls",
}

_FEATURE, _MISSING, _INVALID, _FILE, _CRYPTO = 12000001, 12000002, 12000003, 12000004, 12000006
_LOCKED, _AUTH, _TIMEOUT, _SESSIONS, _NOT_EXIST = 12000007, 12000008, 12000009, 12000010, 12000011
_EXTERNAL, _MEMORY = 12000012, 12000014

#: What SoftHSM2's catch-all codes (``BY_CALL``) mean, by call: the data fails inside a
#: decrypt/verify/agree/derive session or an unwrap (12000006); the object store could not be written
#: in a call that writes token objects (12000004; measured: generate on a read-only token directory →
#: CKR_GENERAL_ERROR, destroy → CKR_FUNCTION_FAILED); elsewhere the token failed (12000012).
VAGUE: Final = ByCall(
    default=12000012,
    actions={
        Action.UNWRAP: 12000006, Action.IMPORT_WRAPPED: 12000006,
        Action.GENERATE: 12000004, Action.IMPORT: 12000004, Action.RECORD_PUT: 12000004,
        Action.RECORD_DELETE: 12000004,
    },
    kinds={OpKind.DECRYPT: 12000006, OpKind.VERIFY: 12000006, OpKind.AGREE: 12000006,
           OpKind.DERIVE: 12000006},
)

#: CKR code → HUKS code (backends.md §1.2). Codes absent here (and not success) mean 12000012.
HUKS_OF_CKR: Final[Mapping[int, int]] = {
    # not supported by this token
    0x70: _FEATURE, 0x54: _FEATURE, 0x130: _FEATURE, 0x140: _FEATURE, 0x121: _FEATURE, 0x120: _FEATURE,
    0x200: _FEATURE,  # FUNCTION_REJECTED
    # invalid argument (the facade validates first; what is left is the token's own limits)
    0x71: _INVALID, 0x62: _INVALID, 0x21: _INVALID, 0x41: _INVALID, CKR_SIGNATURE_LEN_RANGE: _CRYPTO,
    0x112: _INVALID, 0x13: _INVALID, 0xD1: _INVALID, 0x63: _INVALID, CKR_KEY_FUNCTION_NOT_PERMITTED: _INVALID,
    0x07: _INVALID, 0x1B9: _INVALID, 0x12: _INVALID, 0x10: _INVALID, 0x64: _INVALID, 0x67: _INVALID,
    0xF1: _INVALID, 0xF2: _INVALID, 0x114: _INVALID, 0x115: _INVALID, 0x1B5: _INVALID,
    # export of a non-extractable key: refused like every other export (12000003)
    0x11: _INVALID, 0x6A: _INVALID, 0x69: _INVALID, CKR_ACTION_PROHIBITED: _INVALID, 0x170: _INVALID,
    # missing parameter
    0xD0: _MISSING, 0x66: _MISSING,
    # the data does not decrypt / verify
    0x40: _CRYPTO, 0x20: _CRYPTO, 0x110: _CRYPTO, CKR_SIGNATURE_INVALID: _CRYPTO,
    # PIN and login
    0xA0: _AUTH, 0xA1: _AUTH, 0xA2: _AUTH, CKR_USER_NOT_LOGGED_IN: _AUTH, 0x102: _AUTH, 0x1B8: _AUTH,
    0x104: _AUTH, 0x105: _AUTH, 0x103: _AUTH,
    0xA3: _TIMEOUT,
    0xA4: _LOCKED,
    # resources
    0xB1: _SESSIONS, 0x90: _SESSIONS, 0x201: _SESSIONS,
    0x02: _MEMORY, 0x31: _MEMORY,
    # the key is gone
    0x82: _NOT_EXIST, 0x60: _NOT_EXIST, 0xF0: _NOT_EXIST, 0x113: _NOT_EXIST,
    # storage not writable
    0xB5: _FILE, 0xE2: _FILE, 0xB7: _FILE,
    # the token or the library is gone or broken
    0x32: _EXTERNAL, 0xE0: _EXTERNAL, 0xE1: _EXTERNAL, 0x03: _EXTERNAL, 0x30: _EXTERNAL,
    CKR_CRYPTOKI_NOT_INITIALIZED: _EXTERNAL, CKR_GENERAL_ERROR: _EXTERNAL, CKR_FUNCTION_FAILED: _EXTERNAL,
    0xB0: _EXTERNAL, 0xB3: _EXTERNAL, 0x91: _EXTERNAL, 0x50: _EXTERNAL, 0x01: _EXTERNAL, 0x0A: _EXTERNAL,
    0x65: _EXTERNAL, 0x1A0: _EXTERNAL, 0x1A1: _EXTERNAL, 0x1B6: _EXTERNAL, 0xB6: _EXTERNAL, 0xB8: _EXTERNAL,
    0x180: _EXTERNAL, 0x202: _EXTERNAL,
}

#: CKR codes whose HUKS code depends on the call: these refine ``HUKS_OF_CKR`` (whose entry for them is
#: the ``ByCall`` default).
BY_CALL: Final[Mapping[int, ByCall]] = {CKR_GENERAL_ERROR: VAGUE, CKR_FUNCTION_FAILED: VAGUE}

_UNMAPPED_RE: Final = re.compile(r"Unmapped error code (0x[0-9a-fA-F]+)")
#: python-pkcs11's "Should never see this." messages for codes without a class.
_MESSAGE_CKR: Final[Mapping[str, int]] = {
    "Buffer was too small": 0x150,
    "(already initialized)": 0x191,
    "(not initialized)": CKR_CRYPTOKI_NOT_INITIALIZED,
    "Parallel not supported": 0xB4,
    "User type invalid": 0x103,
}


def ckr_of(exc: BaseException) -> int | None:
    """The CKR code behind a python-pkcs11 (or ``CkrError``) exception, or None if it has none."""
    if isinstance(exc, CkrError):
        return exc.ckr
    if not isinstance(exc, px.PKCS11Error):
        return None
    code = CKR_OF_CLASS.get(type(exc))
    if code is not None:
        return code
    text = str(exc)
    match = _UNMAPPED_RE.search(text)
    if match:
        return int(match.group(1), 16)
    for needle, ckr in _MESSAGE_CKR.items():
        if needle in text:
            return ckr
    return None


def huks_code(exc: BaseException, action: Action, kind: OpKind | None) -> int | None:
    """The HUKS code for ``exc`` raised during ``action`` (a session of ``kind``), or None if not ours."""
    if isinstance(exc, px.PKCS11Error) and type(exc) in HUKS_OF_CLASS:
        return HUKS_OF_CLASS[type(exc)]
    ckr = ckr_of(exc)
    if ckr is None:
        return _EXTERNAL if isinstance(exc, px.PKCS11Error) else None
    refined = BY_CALL.get(ckr)
    return refined.code(action, kind) if refined is not None else HUKS_OF_CKR.get(ckr, _EXTERNAL)


def translate(exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
    """``Backend.translate``: the HUKS code for a python-pkcs11 (or ``CkrError``) exception, or None
    when it is not one. The message names the CKR code (never a key, PIN or handle)."""
    code = huks_code(exc, action, kind)
    if code is None:
        return None
    ckr = ckr_of(exc)
    what = f"CKR 0x{ckr:x}" if ckr is not None else type(exc).__name__
    return Translation(code, f"{action.value} on the PKCS#11 token ({what})")
