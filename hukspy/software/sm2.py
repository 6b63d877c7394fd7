"""SM2 on the system OpenSSL 3 (``libcrypto.so.3``): a small ctypes binding of its EVP API.

pyca/cryptography has no SM2, so the software engine reaches the SM2 implementation of the OpenSSL 3
the system links (constant-time scalar multiplication, maintained with OpenSSL; the comparison with
pure-Python packages and the numbers are in docs/decisions.md). The binding is kept to what HUKS does
with SM2 (``hks_openssl_sm2.c`` of openharmony/security_huks, whose calls it mirrors):

- ``generate``: a new key (``EVP_PKEY_keygen`` on an ``SM2`` context);
- keys are built from raw values with ``EVP_PKEY_fromdata`` (group ``SM2``, the uncompressed point
  ``04 ‖ x ‖ y``, the private scalar), as upstream's ``Sm2InitKey``;
- ``Signer``/``Verifier`` with SM3: ``EVP_DigestSign``/``EVP_DigestVerify`` over Z_A ‖ M with the
  distinguishing ID ``"1234567812345678"`` (upstream's ``InitSm2MdCtx``), streaming;
- ``sign_digest``/``verify_digest`` (DIGEST_NONE): ``EVP_PKEY_sign``/``EVP_PKEY_verify`` on a 32-byte
  value e that the caller computed;
- ``encrypt``/``decrypt``: ``EVP_PKEY_encrypt``/``EVP_PKEY_decrypt`` with OpenSSL's default SM3, whose
  ciphertext is the GM/T 0009 DER form ``SEQUENCE {x INTEGER, y INTEGER, C3 OCTET STRING, C2 OCTET
  STRING}`` (C1 ‖ C3 ‖ C2), as upstream produces;
- ``spki``/``parse_spki``: the X.509 SubjectPublicKeyInfo (id-ecPublicKey with the SM2 curve OID
  1.2.156.10197.1.301) that OpenSSL's ``i2d_PUBKEY`` writes for an SM2 key.

Every return code is checked; a failure raises ``Sm2Error`` (a ``ValueError``: bad key material, a
signature or ciphertext that does not verify or decrypt) after the OpenSSL error queue is cleared.
Every OpenSSL object is freed by a context manager (``_owned``) or, for a streaming context, by
``close`` (with a ``weakref.finalize`` for a context nobody closed). ``available()`` says whether the
library was found and has SM2.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from hukspy.backend.facts import SM2_ORDER, SM2_POINT_BYTES, SM2_SPKI_PREFIX, sm2_on_curve

__all__ = [
    "DEFAULT_ID",
    "DIGEST_BYTES",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "Signer",
    "Sm2Error",
    "Sm2UnavailableError",
    "Verifier",
    "available",
    "decrypt",
    "encrypt",
    "generate",
    "parse_spki",
    "public_point",
    "sign_digest",
    "spki",
    "verify_digest",
]

DEFAULT_ID: Final = b"1234567812345678"
"""The SM2 distinguishing ID upstream sets for Z_A (GM/T 0009 default)."""
SCALAR_BYTES: Final = 32
POINT_BYTES: Final = SM2_POINT_BYTES
DIGEST_BYTES: Final = 32
_OSSL_PARAM_UNSIGNED_INTEGER: Final = 2
_OSSL_PARAM_UTF8_STRING: Final = 4
_OSSL_PARAM_OCTET_STRING: Final = 5
_EVP_PKEY_KEYPAIR: Final = 0x87  # OSSL_KEYMGMT_SELECT_ALL: private | public | parameters
_EVP_PKEY_PUBLIC_KEY: Final = 0x86  # public | parameters
_NID_SM2: Final = 1172
_POINT_CONVERSION_UNCOMPRESSED: Final = 4


class Sm2Error(ValueError):
    """An OpenSSL SM2 call failed: bad key material, a signature that does not verify, a ciphertext
    that does not decrypt (the text names the call, never key bytes)."""


class Sm2UnavailableError(RuntimeError):
    """The system has no ``libcrypto.so.3`` with SM2."""


class _Param(ctypes.Structure):
    _fields_ = (
        ("key", ctypes.c_char_p),
        ("data_type", ctypes.c_uint),
        ("data", ctypes.c_void_p),
        ("data_size", ctypes.c_size_t),
        ("return_size", ctypes.c_size_t),
    )


_P_VOID = ctypes.c_void_p
_SIGNATURES: Final[dict[str, tuple[object, list[object]]]] = {
    "EVP_PKEY_CTX_new_from_name": (_P_VOID, [_P_VOID, ctypes.c_char_p, ctypes.c_char_p]),
    "EVP_PKEY_CTX_new": (_P_VOID, [_P_VOID, _P_VOID]),
    "EVP_PKEY_CTX_free": (None, [_P_VOID]),
    "EVP_PKEY_keygen_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_generate": (ctypes.c_int, [_P_VOID, ctypes.POINTER(_P_VOID)]),
    "EVP_PKEY_fromdata_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_fromdata": (
        ctypes.c_int,
        [_P_VOID, ctypes.POINTER(_P_VOID), ctypes.c_int, ctypes.POINTER(_Param)],
    ),
    "EVP_PKEY_free": (None, [_P_VOID]),
    "EVP_PKEY_get_octet_string_param": (
        ctypes.c_int,
        [_P_VOID, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)],
    ),
    "EVP_PKEY_get_bn_param": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.POINTER(_P_VOID)]),
    "BN_bn2binpad": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.c_int]),
    "BN_clear_free": (None, [_P_VOID]),
    "EVP_PKEY_sign_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_sign": (
        ctypes.c_int,
        [_P_VOID, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_PKEY_verify_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_verify": (
        ctypes.c_int,
        [_P_VOID, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_PKEY_encrypt_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_encrypt": (
        ctypes.c_int,
        [_P_VOID, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_PKEY_decrypt_init": (ctypes.c_int, [_P_VOID]),
    "EVP_PKEY_decrypt": (
        ctypes.c_int,
        [_P_VOID, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t],
    ),
    "EVP_MD_CTX_new": (_P_VOID, []),
    "EVP_MD_CTX_free": (None, [_P_VOID]),
    "EVP_MD_CTX_get_pkey_ctx": (_P_VOID, [_P_VOID]),
    "EVP_MD_fetch": (_P_VOID, [_P_VOID, ctypes.c_char_p, ctypes.c_char_p]),
    "EVP_MD_free": (None, [_P_VOID]),
    "EVP_DigestSignInit": (ctypes.c_int, [_P_VOID, _P_VOID, _P_VOID, _P_VOID, _P_VOID]),
    "EVP_DigestSignUpdate": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.c_size_t]),
    "EVP_DigestSignFinal": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t)]),
    "EVP_DigestVerifyInit": (ctypes.c_int, [_P_VOID, _P_VOID, _P_VOID, _P_VOID, _P_VOID]),
    "EVP_DigestVerifyUpdate": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.c_size_t]),
    "EVP_DigestVerifyFinal": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.c_size_t]),
    "EVP_PKEY_CTX_set1_id": (ctypes.c_int, [_P_VOID, ctypes.c_char_p, ctypes.c_int]),
    "ERR_clear_error": (None, []),
    "EC_GROUP_new_by_curve_name": (_P_VOID, [ctypes.c_int]),
    "EC_GROUP_free": (None, [_P_VOID]),
    "EC_POINT_new": (_P_VOID, [_P_VOID]),
    "EC_POINT_free": (None, [_P_VOID]),
    "EC_POINT_mul": (ctypes.c_int, [_P_VOID, _P_VOID, _P_VOID, _P_VOID, _P_VOID, _P_VOID]),
    "EC_POINT_point2oct": (
        ctypes.c_size_t,
        [_P_VOID, _P_VOID, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, _P_VOID],
    ),
    "BN_bin2bn": (_P_VOID, [ctypes.c_char_p, ctypes.c_int, _P_VOID]),
}


def _load() -> ctypes.CDLL | None:
    for name in ("libcrypto.so.3", ctypes.util.find_library("crypto")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            for fn, (restype, argtypes) in _SIGNATURES.items():
                func = getattr(lib, fn)
                func.restype = restype
                func.argtypes = argtypes
        except (OSError, AttributeError):
            continue
        return lib
    return None


_LIB: Final = _load()


def _lib() -> ctypes.CDLL:
    if _LIB is None:
        raise Sm2UnavailableError("the system libcrypto.so.3 (OpenSSL 3) with SM2 was not found")
    return _LIB


def _fail(call: str) -> Sm2Error:
    _lib().ERR_clear_error()
    return Sm2Error(f"OpenSSL {call} failed")


def _ok(rc: object, call: str) -> None:
    """Raise ``Sm2Error`` unless an OpenSSL call returned 1."""
    if rc != 1:
        raise _fail(call)


def _ptr(value: object, call: str) -> int:
    """An OpenSSL pointer result, or ``Sm2Error`` for NULL."""
    if not isinstance(value, int) or value == 0:
        raise _fail(call)
    return value


@contextmanager
def _owned(pointer: int, free: Callable[[int], object]) -> Iterator[int]:
    """Free ``pointer`` with ``free`` when the block ends, whatever happens inside."""
    try:
        yield pointer
    finally:
        free(pointer)


@contextmanager
def _pkey_ctx(pkey: int | None = None) -> Iterator[int]:
    lib = _lib()
    if pkey is None:
        raw = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
    else:
        raw = lib.EVP_PKEY_CTX_new(pkey, None)
    with _owned(_ptr(raw, "EVP_PKEY_CTX_new"), lib.EVP_PKEY_CTX_free) as ctx:
        yield ctx


def _scalar_ok(scalar: bytes) -> bool:
    value = int.from_bytes(scalar, "big")
    return len(scalar) == SCALAR_BYTES and 1 <= value <= SM2_ORDER - 2


def _new_key(point: bytes | None, scalar: bytes | None) -> int:
    """A new ``EVP_PKEY`` for SM2 (the caller frees it) from the uncompressed ``point`` and/or the
    private ``scalar`` (32 bytes, big-endian). Raises ``Sm2Error`` for values off the curve or out of
    range, or that OpenSSL rejects."""
    lib = _lib()
    group = ctypes.create_string_buffer(b"SM2")
    params: list[_Param] = [
        _Param(b"group", _OSSL_PARAM_UTF8_STRING, ctypes.cast(group, ctypes.c_void_p), 3, 0)
    ]
    priv: ctypes.Array[ctypes.c_char] | None = None
    if point is not None:
        if not sm2_on_curve(point):
            raise Sm2Error("the SM2 public key is not a point on the curve")
        pub = ctypes.create_string_buffer(point, len(point))
        params.append(
            _Param(b"pub", _OSSL_PARAM_OCTET_STRING, ctypes.cast(pub, ctypes.c_void_p), len(point), 0)
        )
    if scalar is not None:
        if not _scalar_ok(scalar):
            raise Sm2Error("the SM2 private key is out of range")
        native = scalar[::-1] if sys.byteorder == "little" else scalar
        priv = ctypes.create_string_buffer(native, len(native))
        params.append(
            _Param(b"priv", _OSSL_PARAM_UNSIGNED_INTEGER, ctypes.cast(priv, ctypes.c_void_p), len(native), 0)
        )
    params.append(_Param(None, 0, None, 0, 0))
    array = (_Param * len(params))(*params)
    selection = _EVP_PKEY_KEYPAIR if scalar is not None else _EVP_PKEY_PUBLIC_KEY
    out = ctypes.c_void_p()
    try:
        with _pkey_ctx() as ctx:
            _ok(lib.EVP_PKEY_fromdata_init(ctx), "EVP_PKEY_fromdata_init")
            _ok(lib.EVP_PKEY_fromdata(ctx, ctypes.byref(out), selection, array), "EVP_PKEY_fromdata")
    finally:
        if priv is not None:
            ctypes.memset(priv, 0, len(priv))
    return _ptr(out.value, "EVP_PKEY_fromdata")


@contextmanager
def _key(point: bytes | None, scalar: bytes | None) -> Iterator[int]:
    """``_new_key`` freed when the block ends."""
    with _owned(_new_key(point, scalar), _lib().EVP_PKEY_free) as pkey:
        yield pkey


def _point_of(pkey: int) -> bytes:
    buf = ctypes.create_string_buffer(POINT_BYTES)
    size = ctypes.c_size_t(0)
    _ok(
        _lib().EVP_PKEY_get_octet_string_param(pkey, b"pub", buf, POINT_BYTES, ctypes.byref(size)),
        "EVP_PKEY_get_octet_string_param",
    )
    if size.value != POINT_BYTES:
        raise Sm2Error("the SM2 public key is not an uncompressed point")
    return buf.raw


def _scalar_of(pkey: int) -> bytes:
    lib = _lib()
    bn = ctypes.c_void_p()
    _ok(lib.EVP_PKEY_get_bn_param(pkey, b"priv", ctypes.byref(bn)), "EVP_PKEY_get_bn_param")
    buf = ctypes.create_string_buffer(SCALAR_BYTES)
    with _owned(_ptr(bn.value, "EVP_PKEY_get_bn_param"), lib.BN_clear_free) as owned:
        if lib.BN_bn2binpad(owned, buf, SCALAR_BYTES) != SCALAR_BYTES:
            raise _fail("BN_bn2binpad")
    value = buf.raw
    ctypes.memset(buf, 0, SCALAR_BYTES)
    return value


def available() -> bool:
    """Whether the system OpenSSL can generate an SM2 key (probed once by the caller)."""
    try:
        generate()
    except (Sm2UnavailableError, Sm2Error):
        return False
    return True


def generate() -> tuple[bytes, bytes]:
    """A new SM2 key: (private scalar, 32 bytes big-endian; uncompressed public point, 65 bytes)."""
    lib = _lib()
    out = ctypes.c_void_p()
    with _pkey_ctx() as ctx:
        _ok(lib.EVP_PKEY_keygen_init(ctx), "EVP_PKEY_keygen_init")
        _ok(lib.EVP_PKEY_generate(ctx, ctypes.byref(out)), "EVP_PKEY_generate")
    with _owned(_ptr(out.value, "EVP_PKEY_generate"), lib.EVP_PKEY_free) as pkey:
        return _scalar_of(pkey), _point_of(pkey)


def public_point(scalar: bytes) -> bytes:
    """The uncompressed public point d·G of the private ``scalar`` (``EC_POINT_mul``, OpenSSL's
    constant-time ladder for a scalar times the generator). Raises ``Sm2Error`` for a scalar out of
    range."""
    if not _scalar_ok(scalar):
        raise Sm2Error("the SM2 private key is out of range")
    lib = _lib()
    buf = ctypes.create_string_buffer(POINT_BYTES)
    with (
        _owned(
            _ptr(lib.EC_GROUP_new_by_curve_name(_NID_SM2), "EC_GROUP_new_by_curve_name"), lib.EC_GROUP_free
        ) as group,
        _owned(_ptr(lib.EC_POINT_new(group), "EC_POINT_new"), lib.EC_POINT_free) as point,
        _owned(_ptr(lib.BN_bin2bn(scalar, len(scalar), None), "BN_bin2bn"), lib.BN_clear_free) as bn,
    ):
        _ok(lib.EC_POINT_mul(group, point, bn, None, None, None), "EC_POINT_mul")
        written = lib.EC_POINT_point2oct(group, point, _POINT_CONVERSION_UNCOMPRESSED, buf, POINT_BYTES, None)
        if written != POINT_BYTES:
            raise _fail("EC_POINT_point2oct")
    return buf.raw


def spki(point: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER of an SM2 public point (``SM2_SPKI_PREFIX ‖ point``, what OpenSSL's
    ``i2d_PUBKEY`` writes). Raises ``Sm2Error`` for a point off the curve."""
    if not sm2_on_curve(point):
        raise Sm2Error("the SM2 public key is not a point on the curve")
    return SM2_SPKI_PREFIX + point


def parse_spki(der: bytes) -> bytes:
    """The public point of an SM2 SubjectPublicKeyInfo (exactly ``SM2_SPKI_PREFIX ‖ 65-byte point`` on the
    curve; DER has one encoding of it). Raises ``Sm2Error`` otherwise."""
    if len(der) != len(SM2_SPKI_PREFIX) + POINT_BYTES or not der.startswith(SM2_SPKI_PREFIX):
        raise Sm2Error("not an SM2 SubjectPublicKeyInfo")
    return spki(der[len(SM2_SPKI_PREFIX) :])[len(SM2_SPKI_PREFIX) :]


def sign_digest(scalar: bytes, point: bytes, value: bytes) -> bytes:
    """Sign a 32-byte value e (DIGEST_NONE: the caller computed SM3(Z_A ‖ M)); DER signature."""
    if len(value) != DIGEST_BYTES:
        raise Sm2Error(f"SM2 without a digest signs exactly {DIGEST_BYTES} bytes")
    lib = _lib()
    with _key(point, scalar) as pkey, _pkey_ctx(pkey) as ctx:
        _ok(lib.EVP_PKEY_sign_init(ctx), "EVP_PKEY_sign_init")
        return _two_pass(
            lambda buf, size: lib.EVP_PKEY_sign(ctx, buf, size, value, len(value)), "EVP_PKEY_sign"
        )


def verify_digest(point: bytes, value: bytes, signature: bytes) -> None:
    """Verify a DER signature on a 32-byte value e. Raises ``Sm2Error`` when it does not verify."""
    if len(value) != DIGEST_BYTES:
        raise Sm2Error(f"SM2 without a digest verifies exactly {DIGEST_BYTES} bytes")
    lib = _lib()
    with _key(point, None) as pkey, _pkey_ctx(pkey) as ctx:
        _ok(lib.EVP_PKEY_verify_init(ctx), "EVP_PKEY_verify_init")
        _ok(lib.EVP_PKEY_verify(ctx, signature, len(signature), value, len(value)), "EVP_PKEY_verify")


def _two_pass(
    call: Callable[[ctypes.Array[ctypes.c_char] | None, ctypes._Pointer[ctypes.c_size_t]], object], name: str
) -> bytes:
    """Run an OpenSSL ``(out, &outlen)`` call twice: once for the size, once for the bytes."""
    size = ctypes.c_size_t(0)
    _ok(call(None, ctypes.pointer(size)), name)
    buf = ctypes.create_string_buffer(size.value)
    _ok(call(buf, ctypes.pointer(size)), name)
    return buf.raw[: size.value]


def encrypt(point: bytes, plaintext: bytes) -> bytes:
    """SM2 encryption with SM3 (C1 ‖ C3 ‖ C2 in the GM/T 0009 DER form, see the module docstring)."""
    lib = _lib()
    with _key(point, None) as pkey, _pkey_ctx(pkey) as ctx:
        _ok(lib.EVP_PKEY_encrypt_init(ctx), "EVP_PKEY_encrypt_init")
        return _two_pass(
            lambda buf, size: lib.EVP_PKEY_encrypt(ctx, buf, size, plaintext, len(plaintext)),
            "EVP_PKEY_encrypt",
        )


def decrypt(scalar: bytes, point: bytes, ciphertext: bytes) -> bytes:
    """SM2 decryption of the DER form. Raises ``Sm2Error`` for a malformed, truncated or altered
    ciphertext (C3 does not match)."""
    lib = _lib()
    with _key(point, scalar) as pkey, _pkey_ctx(pkey) as ctx:
        _ok(lib.EVP_PKEY_decrypt_init(ctx), "EVP_PKEY_decrypt_init")
        return _two_pass(
            lambda buf, size: lib.EVP_PKEY_decrypt(ctx, buf, size, ciphertext, len(ciphertext)),
            "EVP_PKEY_decrypt",
        )


def _free_stream(lib: ctypes.CDLL, md_ctx: int, pkey: int) -> None:
    lib.EVP_MD_CTX_free(md_ctx)
    lib.EVP_PKEY_free(pkey)


class _Digesting:
    """A streaming SM3-with-Z_A signature context (``EVP_DigestSign*``/``EVP_DigestVerify*``) with the
    default distinguishing ID; owns its ``EVP_MD_CTX`` and ``EVP_PKEY`` until ``close`` (or garbage
    collection, through ``weakref.finalize``) frees them."""

    _signing = True

    def __init__(self, point: bytes, scalar: bytes | None) -> None:
        lib = _lib()
        self._lib = lib
        self._verb = "Sign" if self._signing else "Verify"
        pkey = _new_key(point, scalar)
        md_ctx = lib.EVP_MD_CTX_new()
        if not md_ctx:
            lib.EVP_PKEY_free(pkey)
            raise _fail("EVP_MD_CTX_new")
        self._finalizer = weakref.finalize(self, _free_stream, lib, md_ctx, pkey)
        self._ctx: int | None = md_ctx
        init = lib.EVP_DigestSignInit if self._signing else lib.EVP_DigestVerifyInit
        try:
            with _owned(_ptr(lib.EVP_MD_fetch(None, b"SM3", None), "EVP_MD_fetch"), lib.EVP_MD_free) as md:
                _ok(init(md_ctx, None, md, None, pkey), f"EVP_Digest{self._verb}Init")
            pctx = _ptr(lib.EVP_MD_CTX_get_pkey_ctx(md_ctx), "EVP_MD_CTX_get_pkey_ctx")
            _ok(lib.EVP_PKEY_CTX_set1_id(pctx, DEFAULT_ID, len(DEFAULT_ID)), "EVP_PKEY_CTX_set1_id")
        except Sm2Error:
            self.close()
            raise

    def _context(self) -> int:
        if self._ctx is None:
            raise Sm2Error("the SM2 operation is finished")
        return self._ctx

    def update(self, data: bytes) -> None:
        """Feed message bytes. Raises ``Sm2Error`` (and frees the context) if OpenSSL fails."""
        fn = self._lib.EVP_DigestSignUpdate if self._signing else self._lib.EVP_DigestVerifyUpdate
        try:
            _ok(fn(self._context(), data, len(data)), f"EVP_Digest{self._verb}Update")
        except Sm2Error:
            self.close()
            raise

    def close(self) -> None:
        """Free the OpenSSL objects (idempotent)."""
        self._ctx = None
        self._finalizer()


class Signer(_Digesting):
    """Sign a message with SM3 and Z_A: ``update`` the message, ``finish`` returns the DER signature."""

    def finish(self) -> bytes:
        """The signature; frees the context."""
        try:
            ctx = self._context()
            return _two_pass(
                lambda buf, size: self._lib.EVP_DigestSignFinal(ctx, buf, size), "EVP_DigestSignFinal"
            )
        finally:
            self.close()

    def __init__(self, scalar: bytes, point: bytes) -> None:
        super().__init__(point, scalar)


class Verifier(_Digesting):
    """Verify a message signed with SM3 and Z_A: ``update`` the message, ``finish(signature)``."""

    _signing = False

    def finish(self, signature: bytes) -> None:
        """Raise ``Sm2Error`` unless ``signature`` verifies; frees the context."""
        try:
            ctx = self._context()
            _ok(self._lib.EVP_DigestVerifyFinal(ctx, signature, len(signature)), "EVP_DigestVerifyFinal")
        finally:
            self.close()

    def __init__(self, point: bytes) -> None:
        super().__init__(point, None)
