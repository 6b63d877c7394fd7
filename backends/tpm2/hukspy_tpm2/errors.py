"""The one table from TPM 2.0 response codes to HUKS codes (docs/tpm2.md, "Errors"), and ``translate``.

A TSS2 response code is decoded by layer (``rc & 0xFF0000``): the TPM itself (layer 0, or 0x0C for a
resource manager passing a TPM code through), ESAPI (0x07) and the TCTI (0x0A). For TPM codes the
"base" is the code without its handle/parameter/session number: ``0x80 | (rc & 0x3F)`` for format-one
codes, ``rc & 0xFFF`` otherwise. For the TSS layers it is ``rc & 0xFFFF`` (``TSS2_BASE_RC_*``).

``TPM_TABLE``, ``ESAPI_TABLE`` and ``TCTI_TABLE`` are the table, one per layer: base code → HUKS code,
or a ``hukspy.backend.ByCall`` where the TPM's code means different things in different calls
(``FAILURE`` in ``RSA_Decrypt`` is a failed OAEP/PKCS#1 unpadding, ``VALUE``/``KEY_SIZE`` at key
creation is a size the TPM lacks). A session's ``OpKind`` refines a code only in ``update``/``finish``,
where the TPM processes the data (``begin`` only loads or unseals the key). ``UNMAPPED`` lists, with the
reason, every base code that deliberately has no entry: those are 12000012. ``tests/backends/test_tpm2.py``
checks that every code tpm2-pytss knows is in exactly one of them, for every ``Action``.

The backend raises only ``TSS2_Exception`` (what the TPM, ESAPI or the TCTI said, or, where hukspy itself
finds the TPM connection gone, a TCTI ``NO_CONNECTION`` code), pyca/cryptography's and sqlite3's
exceptions, and ``hukspy.backend``'s native types (which the facade maps with ``NATIVE_CODES``).
Host-side failures (sealed keys run by the software engine, the SQLite record store) go through the
software backend's one table (``hukspy.backend.sealed.translate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tpm2_pytss import TSS2_Exception
from tpm2_pytss.constants import TSS2_RC

from hukspy.backend import Action, ByCall, Translation
from hukspy.backend import sealed as sealed_keys
from hukspy.spec import OpKind

__all__ = [
    "ESAPI_TABLE",
    "LAYER_ESAPI",
    "LAYER_TCTI",
    "LAYER_TPM",
    "SLOT_EXHAUSTED",
    "STRUCTURAL",
    "TCTI_TABLE",
    "TPM_TABLE",
    "UNMAPPED",
    "connection_lost",
    "decode_rc",
    "huks_code",
    "rc_of",
    "translate",
]

LAYER_TPM: Final = "tpm"
LAYER_ESAPI: Final = "esapi"
LAYER_TCTI: Final = "tcti"

# HUKS codes used here (HuksExceptionErrCode values).
_NOT_SUPPORTED: Final = 12000001
_INVALID: Final = 12000003
_FILE: Final = 12000004
_COMM: Final = 12000005
_CRYPTO: Final = 12000006
_AUTH: Final = 12000008
_AUTH_TIMEOUT: Final = 12000009
_LIMIT: Final = 12000010
_NOT_EXIST: Final = 12000011
_EXTERNAL: Final = 12000012
_MEMORY: Final = 12000014
_EXISTS: Final = 12000017

#: A failure that means "the data is wrong" in a decrypt's update/finish, where the TPM decrypts.
_IN_DECRYPT: Final = {OpKind.DECRYPT: _CRYPTO}
#: A value or size the TPM lacks when a key is made: the TPM cannot do it, the request was fine.
_AT_CREATION: Final = {Action.GENERATE: _NOT_SUPPORTED, Action.IMPORT: _NOT_SUPPORTED}

#: TPM_RC base codes (TPM layer): what the TPM said → HUKS code.
TPM_TABLE: Final[Mapping[int, int | ByCall]] = {
    # authorization
    0x08E: _AUTH,  # AUTH_FAIL (DA-protected object, wrong auth)
    0x0A2: _AUTH,  # BAD_AUTH (NODA object, wrong auth)
    0x09D: _AUTH,  # POLICY_FAIL
    0x0A4: _AUTH,  # POLICY_CC
    0x126: _AUTH,  # POLICY
    0x128: _AUTH,  # PCR_CHANGED
    0x125: _AUTH,  # AUTH_MISSING
    0x12F: _AUTH,  # AUTH_UNAVAILABLE
    0x149: _AUTH,  # NV_AUTHORIZATION
    0x124: _AUTH,  # AUTH_TYPE
    0x145: _AUTH,  # AUTH_CONTEXT
    0x921: _AUTH,  # LOCKOUT: self-healing after LOCKOUT_RECOVERY (message says when)
    0x0A3: _AUTH_TIMEOUT,  # EXPIRED
    # algorithm or feature the TPM lacks
    0x081: _NOT_SUPPORTED,  # ASYMMETRIC
    0x083: _NOT_SUPPORTED,  # HASH
    0x088: _NOT_SUPPORTED,  # MGF
    0x089: _NOT_SUPPORTED,  # MODE
    0x08C: _NOT_SUPPORTED,  # KDF
    0x092: _NOT_SUPPORTED,  # SCHEME
    0x096: _NOT_SUPPORTED,  # SYMMETRIC
    0x0A6: _NOT_SUPPORTED,  # CURVE
    0x120: _NOT_SUPPORTED,  # DISABLED
    0x143: _NOT_SUPPORTED,  # COMMAND_CODE
    # bad argument
    0x084: ByCall(_INVALID, _AT_CREATION, _IN_DECRYPT),  # VALUE: RSA-4096, AES-192; ciphertext out of range
    0x087: ByCall(_INVALID, _AT_CREATION),  # KEY_SIZE
    0x082: _INVALID,  # ATTRIBUTES
    0x08A: _INVALID,  # TYPE
    0x08D: _INVALID,  # RANGE
    0x095: _INVALID,  # SIZE
    0x097: _INVALID,  # TAG
    0x098: _INVALID,  # SELECTOR
    0x09A: _INVALID,  # INSUFFICIENT
    0x09C: _INVALID,  # KEY
    0x0A1: _INVALID,  # RESERVED_BITS
    0x0A7: _INVALID,  # ECC_POINT
    0x085: _INVALID,  # HIERARCHY
    0x131: _INVALID,  # UNBALANCED
    0x152: _INVALID,  # PARENT
    0x090: _INVALID,  # PP (physical presence required)
    0x0A5: _INVALID,  # BINDING
    0x103: _INVALID,  # SEQUENCE (not a sequence handle)
    0x10B: _INVALID,  # PRIVATE
    0x142: _INVALID,  # COMMAND_SIZE
    0x01E: _INVALID,  # BAD_TAG
    0x144: _INVALID,  # AUTHSIZE
    0x146: _INVALID,  # NV_RANGE
    0x147: _INVALID,  # NV_SIZE
    0x148: _INVALID,  # NV_LOCKED
    0x151: _INVALID,  # CPHASH
    0x127: _INVALID,  # PCR
    # crypto outcome
    0x09B: _CRYPTO,  # SIGNATURE (verification failed)
    0x154: _CRYPTO,  # NO_RESULT
    # TPM state
    0x101: ByCall(_EXTERNAL, kinds=_IN_DECRYPT),  # FAILURE; in RSA_Decrypt: unpadding failed, TPM fine
    0x100: _EXTERNAL,  # INITIALIZE (swtpm started without startup-clear)
    0x153: _EXTERNAL,  # NEEDS_TEST
    0x130: _EXTERNAL,  # REBOOT
    0x907: _EXTERNAL,  # LOCALITY
    0x08F: _EXTERNAL,  # NONCE
    0x0A0: _EXTERNAL,  # TICKET
    0x119: _EXTERNAL,  # HMAC
    0x121: _EXTERNAL,  # EXCLUSIVE
    0x12D: _EXTERNAL,  # UPGRADE
    0x922: _EXTERNAL,  # RETRY (after the backend's own retries)
    0x908: _EXTERNAL,  # YIELDED
    0x90A: _EXTERNAL,  # TESTING
    0x909: _EXTERNAL,  # CANCELED
    0x0A8: _EXTERNAL,  # FW_LIMITED
    0x0A9: _EXTERNAL,  # SVN_LIMITED
    # stored blob corrupt, foreign or tampered
    0x09F: ByCall(_FILE, kinds=_IN_DECRYPT),  # INTEGRITY; in RSA_Decrypt: a ciphertext >= the modulus
    0x155: _FILE,  # SENSITIVE
    0x150: _FILE,  # BAD_CONTEXT
    0x14B: _FILE,  # NV_SPACE
    0x920: _FILE,  # NV_RATE
    0x923: _FILE,  # NV_UNAVAILABLE
    # missing object
    0x08B: _NOT_EXIST,  # HANDLE
    0x910: _NOT_EXIST,  # REFERENCE_H0
    0x911: _NOT_EXIST,  # REFERENCE_H1
    0x912: _NOT_EXIST,  # REFERENCE_H2
    0x913: _NOT_EXIST,  # REFERENCE_H3
    0x914: _NOT_EXIST,  # REFERENCE_H4
    0x915: _NOT_EXIST,  # REFERENCE_H5
    0x916: _NOT_EXIST,  # REFERENCE_H6
    0x918: _NOT_EXIST,  # REFERENCE_S0
    0x919: _NOT_EXIST,  # REFERENCE_S1
    0x91A: _NOT_EXIST,  # REFERENCE_S2
    0x91B: _NOT_EXIST,  # REFERENCE_S3
    0x91C: _NOT_EXIST,  # REFERENCE_S4
    0x91D: _NOT_EXIST,  # REFERENCE_S5
    0x91E: _NOT_EXIST,  # REFERENCE_S6
    0x14A: _NOT_EXIST,  # NV_UNINITIALIZED
    0x14C: _EXISTS,  # NV_DEFINED
    # resources: the slot manager evicts and retries first; this is what is left
    0x902: _LIMIT,  # OBJECT_MEMORY
    0x903: _LIMIT,  # SESSION_MEMORY
    0x905: _LIMIT,  # SESSION_HANDLES
    0x906: _LIMIT,  # OBJECT_HANDLES
    0x12E: _LIMIT,  # TOO_MANY_CONTEXTS
    0x901: _LIMIT,  # CONTEXT_GAP
    0x904: _MEMORY,  # MEMORY
}

#: Base codes the slot manager answers by evicting an object and retrying.
SLOT_EXHAUSTED: Final = frozenset({0x902, 0x903, 0x905, 0x906, 0x12E})

#: TSS2_BASE_RC_* codes of the TCTI layer.
TCTI_TABLE: Final[Mapping[int, int | ByCall]] = {
    1: _COMM,  # GENERAL_FAILURE (tcti-swtpm: connect() failed)
    8: _COMM,  # NO_CONNECTION
    9: _COMM,  # TRY_AGAIN
    10: _COMM,  # IO_ERROR (seen with swtpm down)
    17: _COMM,  # MALFORMED_RESPONSE
    19: _COMM,  # INSUFFICIENT_RESPONSE
    49: _COMM,  # NO_TPM
    11: _INVALID,  # BAD_VALUE (malformed TCTI configuration)
    23: _MEMORY,  # MEMORY
    2: _NOT_SUPPORTED,  # NOT_IMPLEMENTED
    21: _NOT_SUPPORTED,  # NOT_SUPPORTED
}

#: TSS2_BASE_RC_* codes of the ESAPI layer.
ESAPI_TABLE: Final[Mapping[int, int | ByCall]] = {
    7: _EXTERNAL,  # BAD_SEQUENCE: a hukspy locking bug, never the caller's fault
    27: _EXTERNAL,  # RSP_AUTH_FAILED
    1: _EXTERNAL,  # GENERAL_FAILURE
    23: _MEMORY,  # MEMORY
    11: _INVALID,  # BAD_VALUE
    16: _INVALID,  # BAD_SIZE
    24: _NOT_EXIST,  # BAD_TR (an ESYS_TR that no longer names an object)
    10: _COMM,  # IO_ERROR (passed up from the TCTI)
    8: _COMM,  # NO_CONNECTION
    9: _COMM,  # TRY_AGAIN
    17: _COMM,  # MALFORMED_RESPONSE
    19: _COMM,  # INSUFFICIENT_RESPONSE
    2: _NOT_SUPPORTED,  # NOT_IMPLEMENTED
    21: _NOT_SUPPORTED,  # NOT_SUPPORTED
    49: _COMM,  # NO_TPM
}

#: Structural TPM2_RC constants of tpm2-pytss that are not errors.
STRUCTURAL: Final = frozenset(
    {
        "SUCCESS",
        "VER1",
        "FMT1",
        "WARN",
        "MAX_FM0",
        "NOT_USED",
        "H",
        "P",
        "S",
        "N_MASK",
        "RC1",
        "RC2",
        "RC3",
        "RC4",
        "RC5",
        "RC6",
        "RC7",
        "RC8",
        "RC9",
        "A",
        "B",
        "C",
        "D",
        "E",
        "F",
    }
)

#: TSS2_BASE_RC_* codes that only FAPI returns (hukspy uses ESAPI and the TCTI, never FAPI).
_FAPI_ONLY: Final[Mapping[int, str]] = {
    28: "NO_CONFIG",
    29: "BAD_PATH",
    30: "NOT_DELETABLE",
    31: "PATH_ALREADY_EXISTS",
    32: "KEY_NOT_FOUND",
    33: "SIGNATURE_VERIFICATION_FAILED",
    34: "HASH_MISMATCH",
    35: "KEY_NOT_DUPLICABLE",
    36: "PATH_NOT_FOUND",
    37: "NO_CERT",
    38: "NO_PCR",
    39: "PCR_NOT_RESETTABLE",
    40: "BAD_TEMPLATE",
    41: "AUTHORIZATION_FAILED",
    42: "AUTHORIZATION_UNKNOWN",
    43: "NV_NOT_READABLE",
    44: "NV_TOO_SMALL",
    45: "NV_NOT_WRITEABLE",
    46: "POLICY_UNKNOWN",
    47: "NV_WRONG_TYPE",
    48: "NAME_ALREADY_EXISTS",
    50: "BAD_KEY",
    51: "NO_HANDLE",
    52: "NOT_PROVISIONED",
    53: "ALREADY_PROVISIONED",
    54: "CALLBACK_NULL",
}
#: TSS2_BASE_RC_* codes that only ESAPI returns, never a TCTI.
_ESAPI_ONLY: Final[Mapping[int, str]] = {
    24: "BAD_TR",
    25: "MULTIPLE_DECRYPT_SESSIONS",
    26: "MULTIPLE_ENCRYPT_SESSIONS",
    27: "RSP_AUTH_FAILED",
}

#: Base codes that deliberately have no entry (→ 12000012), and why.
UNMAPPED: Final[Mapping[tuple[str, int], str]] = {
    **{(layer, b): f"{n}: FAPI only" for layer in (LAYER_ESAPI, LAYER_TCTI) for b, n in _FAPI_ONLY.items()},
    **{(LAYER_TCTI, b): f"{n}: ESAPI only" for b, n in _ESAPI_ONLY.items()},
    (LAYER_TCTI, 3): "BAD_CONTEXT: a TCTI programming error",
    (LAYER_TCTI, 4): "ABI_MISMATCH: libtss2 and tpm2-pytss disagree; installation problem",
    (LAYER_TCTI, 5): "BAD_REFERENCE: a NULL pointer inside tpm2-pytss",
    (LAYER_TCTI, 6): "INSUFFICIENT_BUFFER: a tpm2-pytss bug",
    (LAYER_TCTI, 7): "BAD_SEQUENCE: transmit/receive out of order, a backend bug",
    (LAYER_TCTI, 12): "NOT_PERMITTED",
    (LAYER_TCTI, 13): "INVALID_SESSIONS",
    (LAYER_TCTI, 14): "NO_DECRYPT_PARAM",
    (LAYER_TCTI, 15): "NO_ENCRYPT_PARAM",
    (LAYER_TCTI, 16): "BAD_SIZE",
    (LAYER_TCTI, 18): "INSUFFICIENT_CONTEXT",
    (LAYER_TCTI, 20): "INCOMPATIBLE_TCTI",
    (LAYER_TCTI, 22): "BAD_TCTI_STRUCTURE",
    (LAYER_ESAPI, 3): "BAD_CONTEXT: an ESAPI programming error",
    (LAYER_ESAPI, 4): "ABI_MISMATCH: installation problem",
    (LAYER_ESAPI, 5): "BAD_REFERENCE: a NULL pointer inside tpm2-pytss",
    (LAYER_ESAPI, 6): "INSUFFICIENT_BUFFER: a tpm2-pytss bug",
    (LAYER_ESAPI, 12): "NOT_PERMITTED",
    (LAYER_ESAPI, 13): "INVALID_SESSIONS: the backend passes sessions ESAPI rejects, a bug",
    (LAYER_ESAPI, 14): "NO_DECRYPT_PARAM: parameter encryption is not used",
    (LAYER_ESAPI, 15): "NO_ENCRYPT_PARAM: parameter encryption is not used",
    (LAYER_ESAPI, 18): "INSUFFICIENT_CONTEXT",
    (LAYER_ESAPI, 20): "INCOMPATIBLE_TCTI",
    (LAYER_ESAPI, 22): "BAD_TCTI_STRUCTURE",
    (LAYER_ESAPI, 25): "MULTIPLE_DECRYPT_SESSIONS: not used",
    (LAYER_ESAPI, 26): "MULTIPLE_ENCRYPT_SESSIONS: not used",
}

_LAYERS: Final[Mapping[int, str]] = {0x00: LAYER_TPM, 0x0C: LAYER_TPM, 0x07: LAYER_ESAPI, 0x0A: LAYER_TCTI}


_TABLES: Final[Mapping[str, Mapping[int, int | ByCall]]] = {
    LAYER_TPM: TPM_TABLE,
    LAYER_ESAPI: ESAPI_TABLE,
    LAYER_TCTI: TCTI_TABLE,
}
#: The TPM's dictionary-attack lockout (TPM_RC_LOCKOUT).
_LOCKOUT: Final = 0x921


def connection_lost() -> TSS2_Exception:
    """The error for a TPM connection that hukspy itself finds gone (closed, or the TPM restarted under
    a session): the TCTI's ``NO_CONNECTION``, → 12000005 like a real transport failure."""
    return TSS2_Exception(int(TSS2_RC.TCTI_RC_NO_CONNECTION))


def rc_of(exc: BaseException) -> int | None:
    """The TSS2 response code carried by ``exc`` (a tpm2-pytss ``TSS2_Exception``), or None."""
    return int(exc.rc) if isinstance(exc, TSS2_Exception) else None


def decode_rc(rc: int) -> tuple[str, int]:
    """``(layer, base)`` of a TSS2 response code (see the module docstring); layer "other" for the
    layers hukspy never calls (FAPI, SYS, MU, policy)."""
    layer = _LAYERS.get((rc >> 16) & 0xFF, "other")
    if layer == LAYER_TPM:
        code = rc & 0xFFFF
        base = 0x80 | (code & 0x3F) if code & 0x80 else code & 0xFFF
        return layer, base
    return layer, rc & 0xFFFF


def huks_code(rc: int, action: Action, kind: OpKind | None) -> int | None:
    """The HUKS code of ``rc`` during ``action`` (in a session of ``kind``), or None when deliberately
    unmapped. ``kind`` counts only in ``update``/``finish`` (module docstring)."""
    layer, base = decode_rc(rc)
    table = _TABLES.get(layer)
    entry = None if table is None else table.get(base)
    if entry is None or isinstance(entry, int):
        return entry
    return entry.code(action, kind if action in (Action.UPDATE, Action.FINISH) else None)


def translate(
    exc: BaseException, action: Action, kind: OpKind | None, *, lockout_recovery_s: int | None = None
) -> Translation | None:
    """The HUKS code and message text of a native error of the TPM backend (None: not one of ours, the
    facade then asks ``NATIVE_CODES``). A ``TSS2_Exception`` goes through the layer tables (12000012
    when deliberately unmapped); a TPM lockout is 12000008 with the wait (``lockout_recovery_s``) in
    the message and in ``retry_after_s``; anything else through the software engine's table (sealed
    keys, the record store).
    """
    rc = rc_of(exc)
    if rc is None:
        return sealed_keys.translate(exc, action, kind)
    code = huks_code(rc, action, kind)
    layer, base = decode_rc(rc)
    what = f"TPM {layer} error 0x{rc:x} ({exc}) in {action.value}"
    if code is None:
        return Translation(_EXTERNAL, what)
    if layer == LAYER_TPM and base == _LOCKOUT:
        # 12000008's seed message has no ${messageInfo}: the wait goes after it, and on the error.
        wait = "" if lockout_recovery_s is None else f"; retry in {lockout_recovery_s} s"
        return Translation(
            code, note=f"the TPM is in dictionary-attack lockout{wait}", retry_after_s=lockout_recovery_s
        )
    return Translation(code, what)
