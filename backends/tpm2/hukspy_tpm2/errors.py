"""The one table from TPM 2.0 response codes to HUKS codes (backends.md §2.5), and ``translate``.

A TSS2 response code is decoded by layer (``rc & 0xFF0000``): the TPM itself (layer 0, or 0x0C for a
resource manager passing a TPM code through), ESAPI (0x07) and the TCTI (0x0A). For TPM codes the
"base" is the code without its handle/parameter/session number: ``0x80 | (rc & 0x3F)`` for format-one
codes, ``rc & 0xFFF`` otherwise. For the TSS layers it is ``rc & 0xFFFF`` (``TSS2_BASE_RC_*``).

``TPM_TABLE``, ``ESAPI_TABLE`` and ``TCTI_TABLE`` hold the plain mapping; ``ACTION_OVERRIDES`` refines it
where the TPM's code means different things in different operations (``FAILURE`` in ``RSA_Decrypt`` is
a failed OAEP/PKCS#1 unpadding, ``VALUE``/``KEY_SIZE`` at key creation is a size the TPM lacks).
``UNMAPPED`` lists, with the reason, every base code that deliberately has no entry: those fall through
to 12000012. ``tests/backends/test_tpm2.py`` checks that every code tpm2-pytss knows is in exactly one
of them.

Host-side failures (verification and public-key operations done in pyca/cryptography, sealed keys run
by the software engine, the SQLite record store) are the software backend's: its one table,
``hukspy.software.backend.ERROR_MAP``, maps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hukspy.errors import HuksError, format_message
from hukspy.spec import OpKind

__all__ = [
    "ACTION_OVERRIDES",
    "ESAPI_TABLE",
    "LAYER_ESAPI",
    "LAYER_TCTI",
    "LAYER_TPM",
    "SLOT_EXHAUSTED",
    "STRUCTURAL",
    "TCTI_TABLE",
    "TPM_TABLE",
    "UNMAPPED",
    "decode_rc",
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

#: TPM_RC base codes (TPM layer): what the TPM said → HUKS code.
TPM_TABLE: Final[Mapping[int, int]] = {
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
    0x084: _INVALID,  # VALUE (12000001 at key creation: ACTION_OVERRIDES)
    0x087: _INVALID,  # KEY_SIZE (idem)
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
    0x101: _EXTERNAL,  # FAILURE (12000006 in RSA_Decrypt: ACTION_OVERRIDES)
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
    0x09F: _FILE,  # INTEGRITY
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
TCTI_TABLE: Final[Mapping[int, int]] = {
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
ESAPI_TABLE: Final[Mapping[int, int]] = {
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

#: (layer, base code, action) → HUKS code, where an operation changes the meaning.
ACTION_OVERRIDES: Final[Mapping[tuple[str, int, str], int]] = {
    (LAYER_TPM, 0x101, "decrypt"): _CRYPTO,  # RSA_Decrypt unpadding failure; the TPM keeps working
    (LAYER_TPM, 0x084, "generate"): _NOT_SUPPORTED,  # VALUE: e.g. RSA-4096 or AES-192
    (LAYER_TPM, 0x087, "generate"): _NOT_SUPPORTED,  # KEY_SIZE
    (LAYER_TPM, 0x084, "import"): _NOT_SUPPORTED,
    (LAYER_TPM, 0x087, "import"): _NOT_SUPPORTED,
    (LAYER_TPM, 0x09F, "decrypt"): _CRYPTO,  # INTEGRITY on RSA_Decrypt of a ciphertext >= modulus
    (LAYER_TPM, 0x084, "decrypt"): _CRYPTO,  # VALUE: ciphertext out of range
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


def rc_of(exc: BaseException) -> int | None:
    """The TSS2 response code carried by ``exc`` (a tpm2-pytss ``TSS2_Exception``), or None."""
    try:
        from tpm2_pytss import TSS2_Exception
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, TSS2_Exception):
        return int(exc.rc)
    return None


def decode_rc(rc: int) -> tuple[str, int]:
    """``(layer, base)`` of a TSS2 response code (see the module docstring); layer "other" for the
    layers hukspy never calls (FAPI, SYS, MU, policy)."""
    layer = _LAYERS.get((rc >> 16) & 0xFF, "other")
    if layer == LAYER_TPM:
        code = rc & 0xFFFF
        base = 0x80 | (code & 0x3F) if code & 0x80 else code & 0xFFF
        return layer, base
    return layer, rc & 0xFFFF


def huks_code(rc: int, action: str) -> int | None:
    """The HUKS code of ``rc`` during ``action``, or None when deliberately unmapped."""
    layer, base = decode_rc(rc)
    override = ACTION_OVERRIDES.get((layer, base, action))
    if override is not None:
        return override
    table = {LAYER_TPM: TPM_TABLE, LAYER_ESAPI: ESAPI_TABLE, LAYER_TCTI: TCTI_TABLE}.get(layer)
    return None if table is None else table.get(base)


def translate(
    exc: BaseException, action: str, kind: OpKind | None, *, lockout_recovery_s: int | None = None
) -> HuksError | None:
    """Map a native error of the TPM backend to a ``HuksError`` (None: not ours → 12000012 upstream).

    ``action`` is the facade's method name ("generate", "import", "begin", "update", "finish", ...);
    for sessions the operation kind refines it (``FAILURE`` in a decrypt is a padding failure).
    """
    if isinstance(exc, HuksError):
        return exc
    rc = rc_of(exc)
    if rc is not None:
        refined = "decrypt" if kind is OpKind.DECRYPT and action in ("update", "finish") else action
        code = huks_code(rc, refined)
        layer, base = decode_rc(rc)
        what = f"TPM {layer} error 0x{rc:x} ({exc}) in {action}"
        if code is None:
            return HuksError(_EXTERNAL, what)
        if layer == LAYER_TPM and base == 0x921:
            # 12000008's seed message has no ${messageInfo}: the wait goes after it, and on the error.
            wait = "" if lockout_recovery_s is None else f"; retry in {lockout_recovery_s} s"
            err = HuksError(
                code, message=f"{format_message(code)} (the TPM is in dictionary-attack lockout{wait})"
            )
            err.retry_after_s = lockout_recovery_s  # type: ignore[attr-defined]
            return err
        return HuksError(code, what)
    from hukspy.software.backend import translate as translate_host

    return translate_host(exc, action)
