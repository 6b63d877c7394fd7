"""Independent checks of one declared capability, against pyca ``cryptography``.

``check_key_case`` generates (and imports, per declared import type) one ``KeyCase``;
``check_op_cap`` runs one ``OpCap`` end to end on each kind of key the backend can hold (generated,
and imported when import is declared) and checks the result without trusting hukspy:

- signatures are verified with the exported public key (or the imported pyca key);
- verification is fed signatures made by pyca with an imported key (and must reject a tampered one
  with 12000006);
- ciphers, MACs and derivations on an imported key of known bytes are compared byte for byte with
  pyca; on a generated key they are round-tripped;
- agreement is compared with pyca's exchange from the peer's side.

A check raises ``AssertionError`` (or whatever hukspy raised) on failure and ``NotExercised`` when the
suite has no way to exercise the entry; the suite reports both.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac, hashes, hmac, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    CipherAlgorithm,
    algorithms,
    modes,
)
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from hukspy.backend import Capabilities, OpCap
from hukspy.backend.facts import PQ_PARAM_SETS, pss_digest_salt_fits
from hukspy.enums import (
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksRsaPssSaltLenType,
    HuksTag,
)
from hukspy.formats import pq_param_set
from hukspy.keystore import Keystore
from hukspy.params import HuksParam
from hukspy.spec import OpKind, Sm2Key
from hukspy.testing import sm2ref
from hukspy.testing.cases import (
    KIND_PURPOSE,
    PURPOSE_CLASS,
    PURPOSE_CLASSES,
    KeyCase,
    digest_bytes,
    import_purpose,
    key_class,
)
from hukspy.testing.materials import encode_private, encode_public, small_rsa_key
from hukspy.testing.support import (
    alg_name,
    ensure_generated,
    ensure_imported_secret,
    options,
    param,
    raises_code,
    run_session,
    split_irregular,
    unique_alias,
)

__all__ = [
    "AGAINST_HUKSPY",
    "FAMILIES",
    "NotExercised",
    "NotIndependentlyChecked",
    "check_key_case",
    "check_op_cap",
    "describe",
    "family_of",
    "read_key_description",
]

_ALG = HuksKeyAlg
_TAG = HuksTag
_MODE = HuksCipherMode
_PADDING = HuksKeyPadding
_DIGEST = HuksKeyDigest
_PURPOSE = HuksKeyPurpose
_IMPORT = HuksImportKeyType


class NotExercised(Exception):  # noqa: N818 - a verdict, not an error
    """The suite cannot exercise this declared entry (no way to verify it independently)."""


class NotIndependentlyChecked(UserWarning):
    """A declared entry the suite could only check against hukspy itself (a round trip, a signature
    hukspy made), or an import whose material pyca cannot produce: said and counted (pytest's warnings
    summary), not passed in silence."""


#: The mark of a key source that was checked against hukspy only (``check_op_cap``'s result).
AGAINST_HUKSPY: Final = " (checked against hukspy only)"


HASHES: Final[dict[int, Callable[[], hashes.HashAlgorithm]]] = {
    _DIGEST.HUKS_DIGEST_MD5: hashes.MD5,
    _DIGEST.HUKS_DIGEST_SHA1: hashes.SHA1,
    _DIGEST.HUKS_DIGEST_SHA224: hashes.SHA224,
    _DIGEST.HUKS_DIGEST_SHA256: hashes.SHA256,
    _DIGEST.HUKS_DIGEST_SHA384: hashes.SHA384,
    _DIGEST.HUKS_DIGEST_SHA512: hashes.SHA512,
    _DIGEST.HUKS_DIGEST_SM3: hashes.SM3,
}

CURVES: Final[dict[int, Callable[[], ec.EllipticCurve]]] = {
    224: ec.SECP224R1,
    256: ec.SECP256R1,
    384: ec.SECP384R1,
    521: ec.SECP521R1,
}
#: The hash whose output an ECDSA DIGEST_NONE input of each curve is shaped like.
_PREHASH_FOR_CURVE: Final[dict[int, Callable[[], hashes.HashAlgorithm]]] = {
    224: hashes.SHA224,
    256: hashes.SHA256,
    384: hashes.SHA384,
    521: hashes.SHA512,
}

#: (kind, key algorithm) families the suite knows how to exercise; a declared OpCap outside them fails
#: ``test_every_declared_op_is_exercised``.
FAMILIES: Final[tuple[tuple[OpKind, int], ...]] = (
    *(
        (k, a)
        for k in (OpKind.ENCRYPT, OpKind.DECRYPT)
        for a in (
            _ALG.HUKS_ALG_AES,
            _ALG.HUKS_ALG_DES,
            _ALG.HUKS_ALG_3DES,
            _ALG.HUKS_ALG_SM4,
            _ALG.HUKS_ALG_RSA,
            _ALG.HUKS_ALG_SM2,
        )
    ),
    *(
        (k, a)
        for k in (OpKind.SIGN, OpKind.VERIFY)
        for a in (
            _ALG.HUKS_ALG_RSA,
            _ALG.HUKS_ALG_ECC,
            _ALG.HUKS_ALG_DSA,
            _ALG.HUKS_ALG_ED25519,
            _ALG.HUKS_ALG_SM2,
            _ALG.HUKS_ALG_ML_DSA,
        )
    ),
    (OpKind.ENCAPSULATE, _ALG.HUKS_ALG_ML_KEM),
    (OpKind.DECAPSULATE, _ALG.HUKS_ALG_ML_KEM),
    *(
        (OpKind.MAC, a)
        for a in (
            _ALG.HUKS_ALG_HMAC,
            _ALG.HUKS_ALG_SM3,
            _ALG.HUKS_ALG_CMAC,
            _ALG.HUKS_ALG_AES,
            _ALG.HUKS_ALG_DES,
            _ALG.HUKS_ALG_3DES,
        )
    ),
    *((OpKind.AGREE, a) for a in (_ALG.HUKS_ALG_ECC, _ALG.HUKS_ALG_X25519, _ALG.HUKS_ALG_DH,
                                  _ALG.HUKS_ALG_ED25519)),
    *(
        (OpKind.DERIVE, a)
        for a in (
            _ALG.HUKS_ALG_AES,
            _ALG.HUKS_ALG_HMAC,
            _ALG.HUKS_ALG_CMAC,
            _ALG.HUKS_ALG_SM4,
            _ALG.HUKS_ALG_DES,
            _ALG.HUKS_ALG_3DES,
        )
    ),
)

_BLOCK_CIPHERS: Final = frozenset(
    {_ALG.HUKS_ALG_AES, _ALG.HUKS_ALG_DES, _ALG.HUKS_ALG_3DES, _ALG.HUKS_ALG_SM4}
)
_IV_MODES: Final = frozenset(
    {_MODE.HUKS_MODE_CBC, _MODE.HUKS_MODE_CTR, _MODE.HUKS_MODE_OFB, _MODE.HUKS_MODE_CFB}
)
_AEAD_MODES: Final = frozenset({_MODE.HUKS_MODE_GCM, _MODE.HUKS_MODE_CCM})


def family_of(cap: OpCap) -> tuple[OpKind, int]:
    return cap.kind, cap.key_alg


def _enum_name(enum: type[IntEnum], value: int | None) -> str:
    if value is None:
        return "-"
    try:
        return str(enum(value).name).split("_", 2)[-1]
    except ValueError:
        return str(value)


def describe(cap: OpCap) -> str:
    """``encrypt AES/AES GCM NONE -`` style name of an OpCap."""
    return (
        f"{cap.kind.value} {alg_name(cap.key_alg)}/{alg_name(cap.alg)} "
        f"{_enum_name(HuksCipherMode, cap.mode)} "
        f"{_enum_name(HuksKeyPadding, cap.padding)} {_enum_name(HuksKeyDigest, cap.digest)}"
    )


def _import_types(caps: Capabilities, alg: int, size: int) -> frozenset[int]:
    cap = caps.key(alg, size)
    return frozenset() if cap is None else cap.imports


def _can_generate(caps: Capabilities, alg: int, size: int) -> bool:
    cap = caps.key(alg, size)
    return cap is not None and cap.generate


# ------------------------------------------------------------------------------------------ keys


def load_exported(alg: int, data: bytes) -> object:
    """The pyca public key of an ``export_key_item`` result (SPKI DER, raw 32 bytes for 25519; for SM2,
    which pyca cannot load, an ``Sm2Key`` with the point of the 91-byte SPKI)."""
    if alg == _ALG.HUKS_ALG_SM2:
        prefix = sm2ref.spki(b"")
        assert len(data) == 91 and data.startswith(prefix), "SM2 export must be the 91-byte SM2 SPKI"
        return Sm2Key(data[len(prefix) :])
    if alg == _ALG.HUKS_ALG_ED25519:
        assert len(data) == 32, f"Ed25519 export must be 32 raw bytes, got {len(data)}"
        return ed25519.Ed25519PublicKey.from_public_bytes(data)
    if alg == _ALG.HUKS_ALG_X25519:
        assert len(data) == 32, f"X25519 export must be 32 raw bytes, got {len(data)}"
        return x25519.X25519PublicKey.from_public_bytes(data)
    return serialization.load_der_public_key(data)


def _public_size(pub: object) -> int:
    if isinstance(pub, Sm2Key):
        return 256
    if isinstance(pub, rsa.RSAPublicKey | dsa.DSAPublicKey):
        return pub.key_size
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return pub.curve.key_size
    if isinstance(pub, dh.DHPublicKey):
        return pub.parameters().parameter_numbers().p.bit_length()
    if isinstance(pub, ed25519.Ed25519PublicKey | x25519.X25519PublicKey):
        return 256
    pq = pq_param_set(pub)  # type: ignore[arg-type]
    if pq is not None:
        return pq[1]
    raise AssertionError(f"unexpected public key type {type(pub).__name__}")


def _same_public(a: object, b: object) -> bool:
    if isinstance(a, Sm2Key) or isinstance(b, Sm2Key):
        return isinstance(a, Sm2Key) and isinstance(b, Sm2Key) and a.point == b.point
    fmt = serialization.PublicFormat
    if isinstance(a, ed25519.Ed25519PublicKey | x25519.X25519PublicKey) and isinstance(
        b, ed25519.Ed25519PublicKey | x25519.X25519PublicKey
    ):
        enc = serialization.Encoding.Raw
        return a.public_bytes(enc, fmt.Raw) == b.public_bytes(enc, fmt.Raw)
    der = serialization.Encoding.DER
    return bool(
        a.public_bytes(der, fmt.SubjectPublicKeyInfo)  # type: ignore[attr-defined]
        == b.public_bytes(der, fmt.SubjectPublicKeyInfo)  # type: ignore[attr-defined]
    )


def _props(ks: Keystore, alias: str) -> dict[int, object]:
    result = ks.get_key_item_properties(alias, options())
    assert result.properties is not None, "get_key_item_properties returned no properties"
    return {int(p.tag): p.value for p in result.properties}


_PYCA_CACHE: dict[tuple[int, int], object] = {}
_DOMAIN_CACHE: dict[tuple[int, int], object] = {}


def _domain(ks: Keystore, alg: int, size: int) -> object | None:
    """DH/DSA domain parameters of ``size``, read from a key the backend generates (else pyca's)."""
    key = (alg, size)
    if key in _DOMAIN_CACHE:
        return _DOMAIN_CACHE[key]
    caps = ks.capabilities()
    params: object | None = None
    if _can_generate(caps, alg, size):
        alias = ensure_generated(ks, alg, size, dict(PURPOSE_CLASSES)[key_class(caps, alg, size)[0]])
        pub = load_exported(alg, ks.export_key_item(alias, options()).out_data)
        if isinstance(pub, dh.DHPublicKey | dsa.DSAPublicKey):
            params = pub.parameters()
    elif alg == _ALG.HUKS_ALG_DSA and size <= 2048:
        params = dsa.generate_parameters(size)
    _DOMAIN_CACHE[key] = params
    return params


def pyca_private(ks: Keystore, alg: int, size: int) -> object | None:
    """A pyca private key of ``alg``/``size`` (cached), or None when pyca cannot make one."""
    key = (alg, size)
    if key in _PYCA_CACHE:
        return _PYCA_CACHE[key]
    made: object | None = None
    if alg == _ALG.HUKS_ALG_RSA:
        made = rsa.generate_private_key(65537, size) if size >= 1024 else small_rsa_key(size)
    elif alg == _ALG.HUKS_ALG_ECC and size in CURVES:
        made = ec.generate_private_key(CURVES[size]())
    elif alg == _ALG.HUKS_ALG_ED25519:
        made = ed25519.Ed25519PrivateKey.generate()
    elif alg == _ALG.HUKS_ALG_SM2 and size == 256:
        made = sm2ref.generate()
    elif alg == _ALG.HUKS_ALG_X25519:
        made = x25519.X25519PrivateKey.generate()
    elif (alg, size) in PQ_PARAM_SETS:
        made = PQ_PARAM_SETS[(alg, size)].private.generate()  # type: ignore[attr-defined]
    elif alg in (_ALG.HUKS_ALG_DH, _ALG.HUKS_ALG_DSA):
        params = _domain(ks, alg, size)
        if isinstance(params, dh.DHParameters | dsa.DSAParameters):
            made = params.generate_private_key()
    _PYCA_CACHE[key] = made
    return made


def _public_of(private: object) -> object:
    if isinstance(private, Sm2Key):
        return Sm2Key(private.point)
    return private.public_key()  # type: ignore[attr-defined]


_IMPORTED: dict[tuple[str, str], object] = {}


def import_asymmetric(
    ks: Keystore, alg: int, size: int, purpose: int, import_type: int, alias: str | None = None
) -> tuple[str, object] | None:
    """Import a pyca key as ``import_type``; return (alias, pyca private-or-public key) or None when pyca
    cannot make such a key. Without ``alias`` the key is shared (imported once per keystore URI)."""
    private = pyca_private(ks, alg, size)
    if private is None:
        return None
    public = import_type == _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY
    known = _public_of(private) if public else private
    shared = alias is None
    if alias is None:
        alias = f"hukspy-conformance:imp:{alg_name(alg)}-{size}:p{purpose}:t{import_type}"
        if _IMPORTED.get((ks.uri, alias)) is known and ks.has_key_item(alias, options()):
            return alias, known
    data = encode_public(alg, known) if public else encode_private(alg, size, private, import_type)
    ks.import_key_item(
        alias,
        options(
            param(_TAG.HUKS_TAG_ALGORITHM, alg),
            param(_TAG.HUKS_TAG_KEY_SIZE, size),
            param(_TAG.HUKS_TAG_PURPOSE, purpose),
            param(_TAG.HUKS_TAG_IMPORT_KEY_TYPE, import_type),
            in_data=data,
        ),
    )
    if shared:
        _IMPORTED[(ks.uri, alias)] = known
    return alias, known


def check_key_case(ks: Keystore, case: KeyCase) -> list[str]:
    """Generate (if declared) and import (each declared type) one key kind; check properties and
    export; delete. Returns what was exercised. Raises on any failure."""
    cap, purpose = case.cap, case.purpose_bits
    extra = () if case.digest is None else (param(_TAG.HUKS_TAG_DIGEST, case.digest),)
    base = (
        param(_TAG.HUKS_TAG_ALGORITHM, cap.alg),
        param(_TAG.HUKS_TAG_KEY_SIZE, cap.size),
        param(_TAG.HUKS_TAG_PURPOSE, purpose),
    )
    done: list[str] = []
    if cap.generate:
        alias = unique_alias(f"gen-{alg_name(cap.alg)}-{cap.size}")
        ks.generate_key_item(alias, options(*base, *extra))
        try:
            _check_stored(ks, alias, cap.alg, cap.size, purpose)
            if not case.symmetric:
                pub = load_exported(cap.alg, ks.export_key_item(alias, options()).out_data)
                assert _public_size(pub) == cap.size, f"exported key has {_public_size(pub)} bits"
                if isinstance(pub, dh.DHPublicKey | dsa.DSAPublicKey):
                    _DOMAIN_CACHE.setdefault((cap.alg, cap.size), pub.parameters())
        finally:
            ks.delete_key_item(alias, options())
        assert not ks.has_key_item(alias, options()), "the key is still there after delete_key_item"
        done.append("generate")
    if case.symmetric:
        if case.imports:
            alias = unique_alias(f"imp-{alg_name(cap.alg)}-{cap.size}")
            ks.import_key_item(alias, options(*base, *extra, in_data=os.urandom(cap.size // 8)))
            try:
                _check_stored(ks, alias, cap.alg, cap.size, purpose)
            finally:
                ks.delete_key_item(alias, options())
            done.append("import raw")
        return done
    for import_type in case.imports:
        ipurpose = import_purpose(purpose, import_type)
        alias = unique_alias(f"imp-{alg_name(cap.alg)}-{cap.size}-{import_type}")
        made = import_asymmetric(ks, cap.alg, cap.size, ipurpose, import_type, alias)
        if made is None:
            why = f"{alg_name(cap.alg)}-{cap.size} import type {import_type}: pyca cannot make the material"
            warnings.warn(NotIndependentlyChecked(why), stacklevel=2)
            done.append(f"import type {import_type}: not exercised")
            continue
        alias, known = made
        try:
            _check_stored(ks, alias, cap.alg, cap.size, ipurpose)
            exported = load_exported(cap.alg, ks.export_key_item(alias, options()).out_data)
            expected = known if import_type == _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY else _public_of(known)
            assert _same_public(exported, expected), "the exported public key is not the imported one"
        finally:
            ks.delete_key_item(alias, options())
        done.append(f"import type {import_type}")
    return done


def _check_stored(ks: Keystore, alias: str, alg: int, size: int, purpose: int) -> None:
    assert ks.has_key_item(alias, options()) is True
    assert ks.is_key_item_exist(alias, options()) is True
    props = _props(ks, alias)
    assert props.get(_TAG.HUKS_TAG_ALGORITHM) == alg, (
        f"ALGORITHM property {props.get(_TAG.HUKS_TAG_ALGORITHM)}"
    )
    assert props.get(_TAG.HUKS_TAG_KEY_SIZE) == size, f"KEY_SIZE property {props.get(_TAG.HUKS_TAG_KEY_SIZE)}"
    assert props.get(_TAG.HUKS_TAG_PURPOSE) == purpose, f"PURPOSE property {props.get(_TAG.HUKS_TAG_PURPOSE)}"


# ------------------------------------------------------------------------------------------ sizes


# ------------------------------------------------------------------------------------------ ops


def _init_params(cap: OpCap, kind: OpKind | None = None, *extra: HuksParam) -> list[HuksParam]:
    ps = [
        param(_TAG.HUKS_TAG_ALGORITHM, cap.alg),
        param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[kind or cap.kind]),
    ]
    if cap.mode is not None:
        ps.append(param(_TAG.HUKS_TAG_BLOCK_MODE, cap.mode))
    if cap.padding is not None:
        ps.append(param(_TAG.HUKS_TAG_PADDING, cap.padding))
    if cap.digest is not None:
        ps.append(param(_TAG.HUKS_TAG_DIGEST, cap.digest))
    ps.extend(extra)
    return ps


def _sibling(caps: Capabilities, cap: OpCap, kind: OpKind) -> bool:
    """Whether the same OpCap with ``kind`` (e.g. DECRYPT for an ENCRYPT entry) is declared."""
    return any(
        c.kind is kind
        and c.key_alg == cap.key_alg
        and c.alg == cap.alg
        and c.mode == cap.mode
        and c.padding == cap.padding
        and c.digest == cap.digest
        for c in caps.ops
    )


def check_op_cap(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    """Run ``cap`` with a key of ``size`` bits on every key source the backend declares; return the
    sources exercised (those marked ``AGAINST_HUKSPY`` were checked against hukspy itself; when all are,
    a ``NotIndependentlyChecked`` warning says so). Raises ``AssertionError``/``HuksError`` on failure,
    ``NotExercised`` when nothing could be run."""
    family = (cap.kind, cap.key_alg)
    if family not in FAMILIES:
        raise NotExercised(f"the suite has no check for {describe(cap)}")
    if cap.key_alg in _BLOCK_CIPHERS and cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        done = _check_block_cipher(ks, cap, size)
    elif cap.key_alg == _ALG.HUKS_ALG_RSA and cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        done = _check_rsa_cipher(ks, cap, size)
    elif cap.key_alg == _ALG.HUKS_ALG_SM2 and cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        done = _check_sm2_cipher(ks, cap, size)
    elif cap.kind in (OpKind.SIGN, OpKind.VERIFY):
        done = _check_signature(ks, cap, size)
    elif cap.kind is OpKind.MAC:
        done = _check_mac(ks, cap, size)
    elif cap.kind is OpKind.AGREE:
        done = _check_agree(ks, cap, size)
    elif cap.kind in (OpKind.ENCAPSULATE, OpKind.DECAPSULATE):
        done = _check_kem(ks, cap, size)
    else:
        done = _check_derive(ks, cap, size)
    if not done:
        raise NotExercised(f"{describe(cap)} size {size}: no key source the suite can check with")
    if all(source.endswith(AGAINST_HUKSPY) for source in done):
        why = f"{describe(cap)} size {size}: checked against hukspy only ({'; '.join(done)})"
        warnings.warn(NotIndependentlyChecked(why), stacklevel=2)
    return done


# ---------------------------------------------------------------- symmetric ciphers


def _block_size(alg: int) -> int:
    return 8 if alg in (_ALG.HUKS_ALG_DES, _ALG.HUKS_ALG_3DES) else 16


def _pyca_algorithm(alg: int, key: bytes) -> CipherAlgorithm:
    if alg == _ALG.HUKS_ALG_AES:
        return algorithms.AES(key)
    if alg == _ALG.HUKS_ALG_SM4:
        return algorithms.SM4(key)
    return TripleDES(key)


def _pyca_mode(mode: int | None, iv: bytes) -> modes.Mode:
    table: dict[int, Callable[[], modes.Mode]] = {
        _MODE.HUKS_MODE_ECB: modes.ECB,
        _MODE.HUKS_MODE_CBC: lambda: modes.CBC(iv),
        _MODE.HUKS_MODE_CTR: lambda: modes.CTR(iv),
        _MODE.HUKS_MODE_OFB: lambda: modes.OFB(iv),
        _MODE.HUKS_MODE_CFB: lambda: modes.CFB(iv),
    }
    if mode not in table:
        raise NotExercised(f"no pyca reference for block mode {mode}")
    return table[mode]()


def reference_encrypt(cap: OpCap, key: bytes, iv: bytes, nonce: bytes, aad: bytes, pt: bytes) -> bytes:
    """What HUKS encryption of ``pt`` must give, from pyca: ``ct`` (``ct ‖ tag`` for GCM/CCM)."""
    if cap.mode == _MODE.HUKS_MODE_GCM:
        return AESGCM(key).encrypt(nonce, pt, aad)
    if cap.mode == _MODE.HUKS_MODE_CCM:
        return AESCCM(key, tag_length=16).encrypt(nonce, pt, aad)
    data = pt
    if cap.padding == _PADDING.HUKS_PADDING_PKCS7:
        padder = sym_padding.PKCS7(_block_size(cap.key_alg) * 8).padder()
        data = padder.update(pt) + padder.finalize()
    cipher: Cipher[modes.Mode] = Cipher(_pyca_algorithm(cap.key_alg, key), _pyca_mode(cap.mode, iv))
    enc = cipher.encryptor()  # type: ignore[misc]  # pyca's stub overloads on the mode type
    return enc.update(data) + enc.finalize()


def _plaintext(cap: OpCap) -> bytes:
    bs = _block_size(cap.key_alg)
    aligned = (
        cap.mode in (_MODE.HUKS_MODE_ECB, _MODE.HUKS_MODE_CBC) and cap.padding != _PADDING.HUKS_PADDING_PKCS7
    )
    return os.urandom(6 * bs if aligned else 6 * bs + 5)


def _cipher_material(cap: OpCap) -> tuple[bytes, bytes, bytes, list[HuksParam]]:
    iv = os.urandom(_block_size(cap.key_alg))
    nonce = os.urandom(12)
    aad = os.urandom(20)
    extra: list[HuksParam] = []
    if cap.mode in _IV_MODES:
        extra.append(param(_TAG.HUKS_TAG_IV, iv))
    if cap.mode in _AEAD_MODES:
        extra += [param(_TAG.HUKS_TAG_NONCE, nonce), param(_TAG.HUKS_TAG_ASSOCIATED_DATA, aad)]
    return iv, nonce, aad, extra


def _decrypt_params(cap: OpCap, extra: Sequence[HuksParam], ct_tag: bytes) -> tuple[list[HuksParam], bytes]:
    """Init params and finish data for decrypting ``ct_tag`` (GCM/CCM: the tag goes in AE_TAG)."""
    if cap.mode in _AEAD_MODES:
        return _init_params(cap, OpKind.DECRYPT, *extra, param(_TAG.HUKS_TAG_AE_TAG, ct_tag[-16:])), ct_tag[
            :-16
        ]
    return _init_params(cap, OpKind.DECRYPT, *extra), ct_tag


def _check_block_cipher(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    caps = ks.capabilities()
    bs = _block_size(cap.key_alg)
    purpose = PURPOSE_CLASS[OpKind.ENCRYPT]
    done: list[str] = []
    if _import_types(caps, cap.key_alg, size):
        alias, key = ensure_imported_secret(ks, cap.key_alg, size, purpose)
        iv, nonce, aad, extra = _cipher_material(cap)
        pt = _plaintext(cap)
        expected = reference_encrypt(cap, key, iv, nonce, aad, pt)
        if cap.kind is OpKind.ENCRYPT:
            got = run_session(ks, alias, _init_params(cap, None, *extra), split_irregular(pt, bs))
            assert got == expected, f"ciphertext differs from pyca ({len(got)} vs {len(expected)} bytes)"
        else:
            params, data = _decrypt_params(cap, extra, expected)
            got = run_session(ks, alias, params, split_irregular(data, bs))
            assert got == pt, "decryption of pyca's ciphertext differs from the plaintext"
            if cap.mode in _AEAD_MODES:
                bad = bytes([expected[-1] ^ 1])
                params, data = _decrypt_params(cap, extra, expected[:-1] + bad)
                with raises_code(12000006):
                    run_session(ks, alias, params, [data])
        done.append("imported")
    if (
        _can_generate(caps, cap.key_alg, size)
        and _sibling(caps, cap, OpKind.DECRYPT)
        and _sibling(caps, cap, OpKind.ENCRYPT)
    ):
        alias = ensure_generated(ks, cap.key_alg, size, purpose)
        _iv, _nonce, _aad, extra = _cipher_material(cap)
        pt = _plaintext(cap)
        ct = run_session(ks, alias, _init_params(cap, OpKind.ENCRYPT, *extra), split_irregular(pt, bs))
        params, data = _decrypt_params(cap, extra, ct)
        assert run_session(ks, alias, params, split_irregular(data, bs)) == pt, "round trip failed"
        done.append("generated, round trip" + AGAINST_HUKSPY)
    return done


# ---------------------------------------------------------------- RSA ciphers


def _oaep(cap: OpCap) -> rsa_padding.AsymmetricPadding:
    if cap.padding == _PADDING.HUKS_PADDING_OAEP:
        h = HASHES.get(cap.digest or 0, hashes.SHA1)()
        return rsa_padding.OAEP(rsa_padding.MGF1(h), h, None)
    if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5:
        return rsa_padding.PKCS1v15()
    raise NotExercised(f"no pyca reference for RSA padding {cap.padding}")


def _raw_rsa_message(size: int) -> bytes:
    return b"\x00" + os.urandom(size // 8 - 1)


def _check_rsa_cipher(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.ENCRYPT]
    raw = cap.padding == _PADDING.HUKS_PADDING_NONE
    room = size // 8 - (2 * digest_bytes(cap.digest) + 2 if cap.padding == _PADDING.HUKS_PADDING_OAEP else 11)
    message = _raw_rsa_message(size) if raw else os.urandom(max(1, min(24, room)))
    done: list[str] = []
    keys: list[tuple[str, str, object | None]] = []
    if _can_generate(caps, cap.key_alg, size):
        keys.append(("generated", ensure_generated(ks, cap.key_alg, size, purpose), None))
    types = _import_types(caps, cap.key_alg, size)
    if _IMPORT.HUKS_KEY_TYPE_KEY_PAIR in types:
        made = import_asymmetric(ks, cap.key_alg, size, purpose, _IMPORT.HUKS_KEY_TYPE_KEY_PAIR)
        if made is not None:
            keys.append(("imported pair", made[0], made[1]))
    for source, alias, private in keys:
        pub = load_exported(cap.key_alg, ks.export_key_item(alias, options()).out_data)
        assert isinstance(pub, rsa.RSAPublicKey)
        params = _init_params(cap)
        if cap.kind is OpKind.ENCRYPT:
            ct = run_session(ks, alias, params, [message[:5], message[5:]])
            assert len(ct) == size // 8, f"RSA ciphertext of {len(ct)} bytes"
            if raw:
                n, e = pub.public_numbers().n, pub.public_numbers().e
                assert int.from_bytes(ct, "big") == pow(int.from_bytes(message, "big"), e, n)
            elif isinstance(private, rsa.RSAPrivateKey):
                assert private.decrypt(ct, _oaep(cap)) == message, "pyca cannot decrypt it"
            elif _sibling(caps, cap, OpKind.DECRYPT):
                back = run_session(ks, alias, _init_params(cap, OpKind.DECRYPT), [ct])
                assert back == message, "RSA round trip failed"
                source += ", round trip" + AGAINST_HUKSPY
            else:
                continue
        else:
            if raw:
                n, e = pub.public_numbers().n, pub.public_numbers().e
                m = int.from_bytes(message, "big")
                ct = pow(m, e, n).to_bytes(size // 8, "big")
            else:
                ct = pub.encrypt(message, _oaep(cap))
            got = run_session(ks, alias, params, [ct])
            assert got == message, "decryption of pyca's RSA ciphertext differs"
        done.append(source)
    return done


# ---------------------------------------------------------------- signatures


def _pss_salt(size: int, h: hashes.HashAlgorithm, salt_type: int | None) -> int:
    if salt_type == HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_DIGEST:
        return h.digest_size
    em_len = (size - 1 + 7) // 8
    return em_len - h.digest_size - 2


def _message(cap: OpCap, size: int, pub: object) -> bytes:
    """A message of the shape the op needs (DIGEST_NONE: a pre-hashed value)."""
    none = cap.digest in (None, _DIGEST.HUKS_DIGEST_NONE)
    if not none or cap.key_alg in (_ALG.HUKS_ALG_ED25519, _ALG.HUKS_ALG_ML_DSA):
        return os.urandom(1000)
    if cap.key_alg == _ALG.HUKS_ALG_SM2:
        return os.urandom(32)  # DIGEST_NONE: the value e itself
    if cap.key_alg == _ALG.HUKS_ALG_ECC:
        return os.urandom(_PREHASH_FOR_CURVE[size]().digest_size)
    if cap.key_alg == _ALG.HUKS_ALG_DSA:
        assert isinstance(pub, dsa.DSAPublicKey)
        q_bits = pub.parameters().parameter_numbers().q.bit_length()
        return os.urandom(min(q_bits, 256) // 8)
    if cap.padding == _PADDING.HUKS_PADDING_NONE:
        return _raw_rsa_message(size)
    # RSA-PSS: a SHA-1-sized hash value fits every key size with either salt length
    return os.urandom(20 if cap.padding == _PADDING.HUKS_PADDING_PSS else 32)


def _prehash(n: int) -> hashes.HashAlgorithm:
    """The hash whose output length is ``n`` (a DIGEST_NONE input is shaped like one)."""
    table: dict[int, Callable[[], hashes.HashAlgorithm]] = {
        20: hashes.SHA1,
        28: hashes.SHA224,
        32: hashes.SHA256,
        48: hashes.SHA384,
        64: hashes.SHA512,
    }
    return table[n]()


def _pkcs1_em(message: bytes, k: int) -> int:
    return int.from_bytes(b"\x00\x01" + b"\xff" * (k - 3 - len(message)) + b"\x00" + message, "big")


def verify_independent(
    cap: OpCap, size: int, pub: object, message: bytes, sig: bytes, salt_type: int | None = None
) -> bool:
    """Verify ``sig`` with pyca; False when pyca has no way to check this combination.

    Raises ``InvalidSignature`` (or ``AssertionError``) for a wrong signature.
    """
    digest = cap.digest
    none = digest in (None, _DIGEST.HUKS_DIGEST_NONE)
    if isinstance(pub, Sm2Key):
        assert pub.point is not None
        value = message if none else sm2ref.digest_value(pub.point, message)
        if not sm2ref.verify(pub.point, value, sig):
            raise InvalidSignature
        return True
    if isinstance(pub, ed25519.Ed25519PublicKey):
        pub.verify(sig, message)
        return True
    if cap.key_alg == _ALG.HUKS_ALG_ML_DSA:  # FIPS 204 pure ML-DSA, empty context
        pub.verify(sig, message)  # type: ignore[attr-defined]
        return True
    if isinstance(pub, ec.EllipticCurvePublicKey):
        algo = Prehashed(_prehash(len(message))) if none else HASHES[digest or 0]()
        pub.verify(sig, message, ec.ECDSA(algo))
        return True
    if isinstance(pub, dsa.DSAPublicKey):
        dalgo: hashes.HashAlgorithm | Prehashed = (
            Prehashed(_prehash(len(message))) if none else HASHES[digest or 0]()
        )
        pub.verify(sig, message, dalgo)
        return True
    assert isinstance(pub, rsa.RSAPublicKey), f"unexpected public key {type(pub).__name__}"
    assert len(sig) == size // 8, f"RSA signature of {len(sig)} bytes for a {size}-bit key"
    n, e = pub.public_numbers().n, pub.public_numbers().e
    if none:
        if cap.padding == _PADDING.HUKS_PADDING_NONE:
            if pow(int.from_bytes(sig, "big"), e, n) != int.from_bytes(message, "big"):
                raise InvalidSignature
            return True
        if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5:
            if pub.recover_data_from_signature(sig, rsa_padding.PKCS1v15(), None) != message:
                raise InvalidSignature
            return True
        if cap.padding == _PADDING.HUKS_PADDING_PSS:  # the message is the hash value its length names
            ph = _prehash(len(message))
            pub.verify(sig, message, rsa_padding.PSS(rsa_padding.MGF1(ph), _pss_salt(size, ph, salt_type)),
                       Prehashed(ph))
            return True
        return False
    h = HASHES[digest or 0]()
    if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5:
        pub.verify(sig, message, rsa_padding.PKCS1v15(), h)
        return True
    if cap.padding == _PADDING.HUKS_PADDING_PSS:
        pss = rsa_padding.PSS(rsa_padding.MGF1(h), _pss_salt(size, h, salt_type))
        pub.verify(sig, message, pss, h)
        return True
    return False


def sign_independent(cap: OpCap, size: int, private: object, message: bytes) -> bytes | None:
    """A signature made by pyca in the HUKS convention of ``cap``; None when pyca cannot make one."""
    digest = cap.digest
    none = digest in (None, _DIGEST.HUKS_DIGEST_NONE)
    if isinstance(private, Sm2Key):
        assert private.point is not None and private.scalar is not None
        return sm2ref.sign(private.scalar, message if none else sm2ref.digest_value(private.point, message))
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return private.sign(message)
    if cap.key_alg == _ALG.HUKS_ALG_ML_DSA:
        signature: bytes = private.sign(message)  # type: ignore[attr-defined]
        return signature
    if isinstance(private, ec.EllipticCurvePrivateKey):
        algo = Prehashed(_prehash(len(message))) if none else HASHES[digest or 0]()
        return private.sign(message, ec.ECDSA(algo))
    if isinstance(private, dsa.DSAPrivateKey):
        dalgo: hashes.HashAlgorithm | Prehashed = (
            Prehashed(_prehash(len(message))) if none else HASHES[digest or 0]()
        )
        return private.sign(message, dalgo)
    if not isinstance(private, rsa.RSAPrivateKey):
        return None
    k = size // 8
    nums = private.private_numbers()
    n, d = nums.public_numbers.n, nums.d
    if none:
        if cap.padding == _PADDING.HUKS_PADDING_NONE:
            return pow(int.from_bytes(message, "big"), d, n).to_bytes(k, "big")
        if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5:
            return pow(_pkcs1_em(message, k), d, n).to_bytes(k, "big")
        if cap.padding == _PADDING.HUKS_PADDING_PSS:
            ph = _prehash(len(message))
            return private.sign(message, rsa_padding.PSS(rsa_padding.MGF1(ph), _pss_salt(size, ph, None)),
                                Prehashed(ph))
        return None
    h = HASHES[digest or 0]()
    if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5:
        return private.sign(message, rsa_padding.PKCS1v15(), h)
    if cap.padding == _PADDING.HUKS_PADDING_PSS:
        return private.sign(message, rsa_padding.PSS(rsa_padding.MGF1(h), _pss_salt(size, h, None)), h)
    return None


def _tamper(sig: bytes) -> bytes:
    return sig[:-1] + bytes([sig[-1] ^ 0x01])


def _sign_pieces(message: bytes) -> list[bytes]:
    return split_irregular(message) if len(message) > 64 else [message]


def _check_signature(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.SIGN]
    types = _import_types(caps, cap.key_alg, size)
    keys: list[tuple[str, str, object | None]] = []
    if _can_generate(caps, cap.key_alg, size):
        keys.append(("generated", ensure_generated(ks, cap.key_alg, size, purpose), None))
    if _IMPORT.HUKS_KEY_TYPE_KEY_PAIR in types:
        made = import_asymmetric(ks, cap.key_alg, size, purpose, _IMPORT.HUKS_KEY_TYPE_KEY_PAIR)
        if made is not None:
            keys.append(("imported pair", made[0], made[1]))
    if cap.kind is OpKind.VERIFY and _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY in types:
        made = import_asymmetric(
            ks, cap.key_alg, size, _PURPOSE.HUKS_KEY_PURPOSE_VERIFY, _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY
        )
        private = pyca_private(ks, cap.key_alg, size)
        if made is not None:
            keys.append(("imported public key", made[0], private))
    done: list[str] = []
    for source, alias, private in keys:
        pub = load_exported(cap.key_alg, ks.export_key_item(alias, options()).out_data)
        message = _message(cap, size, pub)
        if cap.kind is OpKind.SIGN:
            salt_types: list[int | None] = [None]
            if cap.padding == _PADDING.HUKS_PADDING_PSS:
                salt_types += [
                    HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_DIGEST,
                    HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_MAX,
                ]
            by_hukspy = False
            for salt in salt_types:
                extra = () if salt is None else (param(_TAG.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, salt),)
                if salt == HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_DIGEST and cap.digest and \
                        cap.digest != _DIGEST.HUKS_DIGEST_NONE and not pss_digest_salt_fits(size, cap.digest):
                    # declared for the default MAX salt; the digest-length one does not fit this key
                    with raises_code(12000006):
                        run_session(ks, alias, _init_params(cap, None, *extra), _sign_pieces(message))
                    continue
                sig = run_session(ks, alias, _init_params(cap, None, *extra), _sign_pieces(message))
                if not verify_independent(cap, size, pub, message, sig, salt):
                    if not _sibling(caps, cap, OpKind.VERIFY):
                        raise NotExercised(f"{describe(cap)}: pyca cannot verify it, VERIFY is not declared")
                    run_session(ks, alias, _init_params(cap, OpKind.VERIFY, *extra), [message], finish=sig)
                    by_hukspy = True
            done.append(source + (", verified by hukspy" + AGAINST_HUKSPY if by_hukspy else ""))
        else:
            signed = sign_independent(cap, size, private, message) if private is not None else None
            if signed is None:
                if not _sibling(caps, cap, OpKind.SIGN) or source == "imported public key":
                    continue
                signed = run_session(ks, alias, _init_params(cap, OpKind.SIGN), _sign_pieces(message))
                source += ", signed by hukspy" + AGAINST_HUKSPY
            sig = signed
            verify = _init_params(cap)
            assert run_session(ks, alias, verify, _sign_pieces(message), finish=sig) == b"", (
                "verify's finish must return empty out_data"
            )
            with raises_code(12000006):
                run_session(ks, alias, verify, _sign_pieces(message), finish=_tamper(sig))
            done.append(source)
    return done


# ---------------------------------------------------------------- SM2 encryption


def _check_sm2_cipher(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    """SM2 encryption against ``sm2ref``: the reference encrypts to the key's exported point and
    hukspy decrypts; hukspy encrypts to an imported key and the reference decrypts (the C1 ‖ C3 ‖ C2
    DER form); a truncated ciphertext is 12000006. SM2 init needs a DIGEST (upstream's USE_KEY row)."""
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.ENCRYPT]
    sm3 = param(_TAG.HUKS_TAG_DIGEST, _DIGEST.HUKS_DIGEST_SM3)
    enc, dec = _init_params(cap, OpKind.ENCRYPT, sm3), _init_params(cap, OpKind.DECRYPT, sm3)
    message = os.urandom(200)
    types = _import_types(caps, cap.key_alg, size)
    done: list[str] = []
    if cap.kind is OpKind.DECRYPT and _can_generate(caps, cap.key_alg, size):
        alias = ensure_generated(ks, cap.key_alg, size, purpose, (sm3,))
        pub = load_exported(cap.key_alg, ks.export_key_item(alias, options()).out_data)
        assert isinstance(pub, Sm2Key) and pub.point is not None
        ct = sm2ref.encrypt(pub.point, message)
        assert run_session(ks, alias, dec, split_irregular(ct)) == message, "SM2 decryption differs"
        with raises_code(12000006):
            run_session(ks, alias, dec, [ct[:-1]])
        done.append("generated, encrypted by the reference")
    if cap.kind is OpKind.ENCRYPT and _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY in types:
        made = import_asymmetric(ks, cap.key_alg, size, _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT,
                                 _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY)
        private = pyca_private(ks, cap.key_alg, size)
        if made is not None and isinstance(private, Sm2Key) and private.scalar is not None:
            ct = run_session(ks, made[0], enc, split_irregular(message))
            assert sm2ref.decrypt(private.scalar, ct) == message, "the reference cannot decrypt hukspy's SM2"
            done.append("imported public key, decrypted by the reference")
    return done


# ---------------------------------------------------------------- ML-KEM


def _check_kem(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    """ENCAPSULATE: hukspy encapsulates, pyca decapsulates with the imported key (the generated key's
    secret is checked by hukspy's decapsulation, marked). DECAPSULATE: pyca encapsulates to the exported
    key, hukspy decapsulates to the same secret; a truncated ciphertext is 12000006."""
    caps = ks.capabilities()
    pq = PQ_PARAM_SETS[(cap.key_alg, size)]
    kem = _PURPOSE.HUKS_KEY_PURPOSE_WRAP | _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP
    types = _import_types(caps, cap.key_alg, size)
    keys: list[tuple[str, str, object | None]] = []
    if _can_generate(caps, cap.key_alg, size):
        keys.append(("generated", ensure_generated(ks, cap.key_alg, size, kem), None))
    if _IMPORT.HUKS_KEY_TYPE_KEY_PAIR in types:
        made = import_asymmetric(ks, cap.key_alg, size, kem, _IMPORT.HUKS_KEY_TYPE_KEY_PAIR)
        if made is not None:
            keys.append(("imported pair", made[0], made[1]))
    if cap.kind is OpKind.ENCAPSULATE and _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY in types:
        made = import_asymmetric(
            ks, cap.key_alg, size, _PURPOSE.HUKS_KEY_PURPOSE_WRAP, _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY
        )
        if made is not None:
            keys.append(("imported public key", made[0], pyca_private(ks, cap.key_alg, size)))
    done: list[str] = []
    for source, alias, private in keys:
        if cap.kind is OpKind.ENCAPSULATE:
            result = ks.encapsulate(alias, [])
            assert len(result.out_data) == pq.ciphertext_len, f"ciphertext of {len(result.out_data)} bytes"
            assert result.shared_secret is not None and len(result.shared_secret) == 32
            if private is not None:
                assert private.decapsulate(result.out_data) == result.shared_secret, (  # type: ignore[attr-defined]
                    "pyca decapsulates another secret"
                )
                done.append(source)
            else:
                again = ks.decapsulate(alias, [], result.out_data).shared_secret
                assert again == result.shared_secret, "hukspy decapsulates another secret"
                done.append(source + ", decapsulated by hukspy" + AGAINST_HUKSPY)
            continue
        pub = load_exported(cap.key_alg, ks.export_key_item(alias, options()).out_data)
        secret, ciphertext = pub.encapsulate()  # type: ignore[attr-defined]
        assert ks.decapsulate(alias, [], ciphertext).shared_secret == secret, "another secret than pyca's"
        with raises_code(12000006):
            ks.decapsulate(alias, [], ciphertext[:-1])
        done.append(source)
    return done


# ---------------------------------------------------------------- MAC


def _mac_reference(cap: OpCap, key: bytes, data: bytes) -> list[bytes]:
    """Candidate MACs from pyca (CMAC: AES-CMAC and 3DES-CMAC, whichever the key length allows)."""
    if cap.key_alg in (_ALG.HUKS_ALG_HMAC, _ALG.HUKS_ALG_SM3):
        digest = cap.digest if cap.digest is not None else _DIGEST.HUKS_DIGEST_SM3
        mac = hmac.HMAC(key, HASHES[digest]())
        mac.update(data)
        return [mac.finalize()]
    if cap.alg != _ALG.HUKS_ALG_CMAC:
        raise NotExercised(f"no pyca reference for MAC algorithm {cap.alg}")
    # CMAC keys: upstream leaves the block cipher open (AES or 3DES); AES/DES/3DES keys: their own cipher.
    table: dict[int, tuple[Callable[[bytes], BlockCipherAlgorithm], ...]] = {
        _ALG.HUKS_ALG_AES: (algorithms.AES,),
        _ALG.HUKS_ALG_DES: (TripleDES,),
        _ALG.HUKS_ALG_3DES: (TripleDES,),
    }
    ciphers = table.get(cap.key_alg, (algorithms.AES, TripleDES))
    out: list[bytes] = []
    for algo in ciphers:
        try:
            c = cmac.CMAC(algo(key))
        except ValueError:
            continue
        c.update(data)
        out.append(c.finalize())
    return out


def _check_mac(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.MAC]
    extra = (param(_TAG.HUKS_TAG_DIGEST, cap.digest),) if cap.digest is not None else ()
    data = os.urandom(3000)
    done: list[str] = []
    if _import_types(caps, cap.key_alg, size):
        alias, key = ensure_imported_secret(ks, cap.key_alg, size, purpose, extra)
        got = run_session(ks, alias, _init_params(cap), split_irregular(data))
        expected = _mac_reference(cap, key, data)
        assert got in expected, f"MAC differs from pyca ({got.hex()[:16]}...)"
        assert run_session(ks, alias, _init_params(cap), [b""]) in _mac_reference(cap, key, b""), "MAC of b''"
        done.append("imported")
    if _can_generate(caps, cap.key_alg, size):
        alias = ensure_generated(ks, cap.key_alg, size, purpose, extra)
        a = run_session(ks, alias, _init_params(cap), split_irregular(data))
        b = run_session(ks, alias, _init_params(cap), [data])
        assert a == b and len(a) in (8, 16, 20, 28, 32, 48, 64), "MAC not deterministic or odd length"
        done.append("generated, deterministic" + AGAINST_HUKSPY)
    return done


# ---------------------------------------------------------------- agreement


def _peer(ks: Keystore, cap: OpCap, size: int, ours: object) -> object | None:
    if isinstance(ours, ec.EllipticCurvePublicKey):
        return ec.generate_private_key(ours.curve)
    if isinstance(ours, x25519.X25519PublicKey):
        return x25519.X25519PrivateKey.generate()
    if isinstance(ours, dh.DHPublicKey):
        return ours.parameters().generate_private_key()
    return None


def _exchange(peer: object, ours: object) -> bytes:
    if isinstance(peer, ec.EllipticCurvePrivateKey) and isinstance(ours, ec.EllipticCurvePublicKey):
        return peer.exchange(ec.ECDH(), ours)
    if isinstance(peer, x25519.X25519PrivateKey) and isinstance(ours, x25519.X25519PublicKey):
        return peer.exchange(ours)
    if isinstance(peer, dh.DHPrivateKey) and isinstance(ours, dh.DHPublicKey):
        return peer.exchange(ours)
    raise AssertionError("mismatched agreement keys")


def _x25519_of_ed25519(private: ed25519.Ed25519PrivateKey) -> x25519.X25519PrivateKey:
    """RFC 8032 §5.1.5: the scalar of an Ed25519 key is the first half of SHA-512 of its seed."""
    seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return x25519.X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])


def _check_ed25519_agree(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    """X25519 agreement on an Ed25519 key (upstream HksOpensslEd25519AgreeKey): the peer sends its
    Ed25519 public key. Independent check on an imported pair: both sides' X25519 scalars come from
    their seeds, the expected secret from pyca's X25519 alone (so hukspy's Edwards-to-Montgomery map of
    the peer's public key is what is tested); a generated key is checked for consistency only."""
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.AGREE]
    keys: list[tuple[str, str, object | None]] = []
    if _can_generate(caps, cap.key_alg, size):
        keys.append(("generated", ensure_generated(ks, cap.key_alg, size, purpose), None))
    if _IMPORT.HUKS_KEY_TYPE_KEY_PAIR in _import_types(caps, cap.key_alg, size):
        made = import_asymmetric(ks, cap.key_alg, size, purpose, _IMPORT.HUKS_KEY_TYPE_KEY_PAIR)
        if made is not None:
            keys.append(("imported pair", made[0], made[1]))
    params = _init_params(cap, None, param(_TAG.HUKS_TAG_KEY_SIZE, size))
    done: list[str] = []
    for source, alias, private in keys:
        peer = ed25519.Ed25519PrivateKey.generate()
        peer_pub = encode_public(cap.key_alg, peer.public_key())
        got = run_session(ks, alias, params, [peer_pub])
        assert run_session(ks, alias, params, [peer_pub], finish=b"") == got, "update and finish differ"
        if isinstance(private, ed25519.Ed25519PrivateKey):
            expected = _x25519_of_ed25519(private).exchange(_x25519_of_ed25519(peer).public_key())
            assert got == expected, "shared secret differs"
            done.append(source)
        else:
            done.append(source + ", consistency only" + AGAINST_HUKSPY)
    return done


def _check_agree(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    if cap.key_alg == _ALG.HUKS_ALG_ED25519:
        return _check_ed25519_agree(ks, cap, size)
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.AGREE]
    keys: list[tuple[str, str]] = []
    if _can_generate(caps, cap.key_alg, size):
        keys.append(("generated", ensure_generated(ks, cap.key_alg, size, purpose)))
    if _IMPORT.HUKS_KEY_TYPE_KEY_PAIR in _import_types(caps, cap.key_alg, size):
        made = import_asymmetric(ks, cap.key_alg, size, purpose, _IMPORT.HUKS_KEY_TYPE_KEY_PAIR)
        if made is not None:
            keys.append(("imported pair", made[0]))
    done: list[str] = []
    params = _init_params(cap, None, param(_TAG.HUKS_TAG_KEY_SIZE, size))
    for source, alias in keys:
        ours = load_exported(cap.key_alg, ks.export_key_item(alias, options()).out_data)
        peer = _peer(ks, cap, size, ours)
        assert peer is not None, f"cannot make a peer for {type(ours).__name__}"
        peer_pub = encode_public(cap.key_alg, _public_of(peer))
        expected = _exchange(peer, ours)
        via_finish = run_session(ks, alias, params, [peer_pub])
        via_update = run_session(ks, alias, params, [peer_pub], finish=b"")
        for got in (via_finish, via_update):
            assert int.from_bytes(got, "big") == int.from_bytes(expected, "big"), "shared secret differs"
            assert len(got) <= max(len(expected), (size + 7) // 8), f"shared secret of {len(got)} bytes"
        done.append(source)
    return done


# ---------------------------------------------------------------- derivation


def _check_derive(ks: Keystore, cap: OpCap, size: int) -> list[str]:
    caps = ks.capabilities()
    purpose = PURPOSE_CLASS[OpKind.DERIVE]
    extra = (param(_TAG.HUKS_TAG_DIGEST, cap.digest),) if cap.digest is not None else ()
    salt, info, length, iterations = os.urandom(16), os.urandom(10), 48, 1000
    params = _init_params(
        cap, None, param(_TAG.HUKS_TAG_DERIVE_KEY_SIZE, length), param(_TAG.HUKS_TAG_SALT, salt)
    )
    if cap.alg == _ALG.HUKS_ALG_HKDF:
        params.append(param(_TAG.HUKS_TAG_INFO, info))
    elif cap.alg == _ALG.HUKS_ALG_PBKDF2:
        params.append(param(_TAG.HUKS_TAG_ITERATION, iterations))
    else:
        raise NotExercised(f"no pyca reference for derivation algorithm {cap.alg}")
    h = HASHES.get(cap.digest or _DIGEST.HUKS_DIGEST_SHA256, hashes.SHA256)()
    done: list[str] = []
    if _import_types(caps, cap.key_alg, size):
        alias, key = ensure_imported_secret(ks, cap.key_alg, size, purpose, extra)
        got = run_session(ks, alias, params, [b"", b""])
        if cap.alg == _ALG.HUKS_ALG_HKDF:
            expected = HKDF(h, length, salt, info).derive(key)
        else:
            expected = PBKDF2HMAC(h, length, salt, iterations).derive(key)
        assert got == expected, "derived bytes differ from pyca"
        done.append("imported")
    if _can_generate(caps, cap.key_alg, size):
        alias = ensure_generated(ks, cap.key_alg, size, purpose, extra)
        a = run_session(ks, alias, params, [b"", b""])
        b = run_session(ks, alias, params, [b""])
        assert a == b and len(a) == length, "derivation not deterministic or of the wrong length"
        done.append("generated, deterministic" + AGAINST_HUKSPY)
    return done


# ---------------------------------------------------------------- attestation


def read_key_description(der: bytes) -> tuple[bool, bytes]:
    """(anonymous, challenge) of hukspy's attestation key description (docs/attestation.md: SEQUENCE
    {version INTEGER, securityLevel UTF8String, anonymous BOOLEAN, challenge OCTET STRING, ...}), read
    by asn1crypto's generic DER parser, field by field by their universal tags, rather than by
    ``hukspy.attestation``'s decoder and its declared structure, so the suite does not check hukspy's
    encoder with hukspy's decoder."""
    from asn1crypto import core

    seq = core.Sequence.load(der, strict=True)
    kinds = [type(seq[i]).__name__ for i in range(min(len(seq), 4))]
    assert kinds == ["Integer", "UTF8String", "Boolean", "OctetString"], f"the description starts {kinds}"
    flag: bytes = seq[2].contents
    assert flag in (b"\x00", b"\xff"), f"a BOOLEAN of {flag.hex()}"
    challenge: bytes = seq[3].native
    return flag == b"\xff", challenge
