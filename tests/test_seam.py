"""The seam between the facade and its backends (docs/architecture.md, "The seam"), on every backend.

- Capability lookups treat an explicit default like an absent tag (issue 11, items 1 and 2b).
- A malformed agreement peer key gets one code on every backend (docs/decisions.md).
- Every native error type of ``hukspy.backend`` has a code in every ``Action``; the software backend's
  error table is complete for every ``Action``.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import pytest
from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import hukspy.backend.errors as native
from hukspy import HuksError, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag, Keystore
from hukspy.backend import NATIVE_CODES, Action, NativeError
from hukspy.enums import HuksCipherMode, HuksImportKeyType
from hukspy.software import engine
from hukspy.software.backend import ERROR_TABLE
from hukspy.spec import KeySpec, OpKind, OpSpec
from hukspy.testing.support import P, options, raises_code, run_session, unique_alias

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_D = HuksKeyDigest
_PAD = HuksKeyPadding


def _declares(ks: Keystore, alg: int, size: int, op: OpSpec) -> bool:
    return ks.capabilities().supports_op(KeySpec(alg, size, 0), op)


# ------------------------------------------------------------------------------ issue 11, item 1


@pytest.mark.parametrize("digest", [None, _D.HUKS_DIGEST_NONE], ids=["absent", "explicit-NONE"])
def test_issue11_item1_rsa_pkcs1_v1_5_with_explicit_digest_none(
    keystore: Keystore, digest: int | None
) -> None:
    """RSA PKCS1_V1_5 encryption with HUKS_TAG_DIGEST=HUKS_DIGEST_NONE works wherever it works without
    the tag (XTS passes DIGEST_NONE explicitly); on main the software keystore raised 12000001."""
    ks = keystore
    size = 2048
    if not _declares(
        ks,
        _A.HUKS_ALG_RSA,
        size,
        OpSpec(OpKind.ENCRYPT, _A.HUKS_ALG_RSA, padding=_PAD.HUKS_PADDING_PKCS1_V1_5),
    ):
        pytest.skip(f"{ks.backend_name} declares no RSA-{size} PKCS1_V1_5 encryption")
    alias = unique_alias("pkcs1")
    digest_param = [] if digest is None else [P(_T.HUKS_TAG_DIGEST, digest)]
    base = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_RSA),
        P(_T.HUKS_TAG_KEY_SIZE, size),
        P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_PKCS1_V1_5),
        P(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
        *digest_param,
    ]
    ks.generate_key_item(
        alias,
        options(*base, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT)),
    )
    try:
        ct = run_session(
            ks, alias, [*base, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT)], [b"message"]
        )
        assert len(ct) == size // 8
        plain = run_session(ks, alias, [*base, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_DECRYPT)], [ct])
        assert plain == b"message"
    finally:
        ks.delete_key_item(alias, options())


# ------------------------------------------------------------------------------ issue 11, item 2b


def test_issue11_item2b_public_key_import_without_import_key_type(keystore: Keystore) -> None:
    """A public key (exported SPKI) imported without HUKS_TAG_IMPORT_KEY_TYPE is a public key, as
    policy and formats read it and as upstream's XTS helpers import it; on main every backend raised
    12000001 for ECC-256. The imported key verifies the original key's signature."""
    ks = keystore
    signer, imported = unique_alias("signer"), unique_alias("imported")
    params = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
        P(_T.HUKS_TAG_KEY_SIZE, 256),
        P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256),
    ]
    ks.generate_key_item(
        signer,
        options(*params, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY)),
    )
    try:
        spki = ks.export_key_item(signer, options()).out_data
        assert spki is not None
        ks.import_key_item(
            imported, options(*params, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_VERIFY), in_data=spki)
        )
        props = {p.tag: p.value for p in ks.get_key_item_properties(imported, options()).properties or []}
        assert _T.HUKS_TAG_IMPORT_KEY_TYPE not in props  # stored as given: absent
        assert ks.export_key_item(imported, options()).out_data == spki
        sig = run_session(ks, signer, [*params, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN)], [b"data"])
        run_session(
            ks,
            imported,
            [*params, P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_VERIFY)],
            [b"data"],
            finish=sig,
        )
        loaded = serialization.load_der_public_key(spki)
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        loaded.verify(sig, b"data", ec.ECDSA(hashes.SHA256()))  # independent check of the same signature
    finally:
        for alias in (signer, imported):
            if ks.has_key_item(alias, options()):
                ks.delete_key_item(alias, options())


def test_issue11_item2b_every_declared_public_import_type_is_found(keystore: Keystore) -> None:
    """The facade asks the capabilities with the import type HUKS reads (absent = PUBLIC_KEY): every
    asymmetric key a backend can import as PUBLIC_KEY is importable without the tag."""
    from hukspy import policy
    from hukspy.params import ParamSet

    caps = keystore.capabilities()
    public = int(HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY)
    for cap in caps.keys:
        if public not in cap.imports:
            continue
        params = ParamSet.parse(
            [
                P(_T.HUKS_TAG_ALGORITHM, cap.alg),
                P(_T.HUKS_TAG_KEY_SIZE, cap.size),
                P(
                    _T.HUKS_TAG_PURPOSE,
                    _PU.HUKS_KEY_PURPOSE_AGREE
                    if cap.alg in (_A.HUKS_ALG_X25519, _A.HUKS_ALG_DH)
                    else _PU.HUKS_KEY_PURPOSE_WRAP
                    if cap.alg == _A.HUKS_ALG_ML_KEM
                    else _PU.HUKS_KEY_PURPOSE_VERIFY,
                ),
            ]
        )
        plan = policy.check_create(params, 1)  # HUKS_KEY_FLAG_IMPORT_KEY
        assert plan.import_type == public and plan.import_type in cap.imports, cap


# ------------------------------------------------------------------------------ agreement peer key


def _agree(ks: Keystore, alias: str, peer: bytes) -> bytes:
    return run_session(
        ks,
        alias,
        [
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECDH),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_AGREE),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
        ],
        [peer, b""],
    )


@pytest.mark.parametrize(
    "peer", [b"\x30\x03\x02\x01\x00", b"not a key at all", bytes(91)], ids=["der-integer", "text", "zeros"]
)
def test_malformed_agreement_peer_key_is_401_on_every_backend(keystore: Keystore, peer: bytes) -> None:
    """A peer key that is no SPKI public key of the agreement's algorithm is 401 (upstream: the X.509
    conversion of the peer key fails with HKS_ERROR_INVALID_ARGUMENT, docs/decisions.md); on main it
    was 12000003 on pkcs11/tpm2 and 12000006 on software."""
    ks = keystore
    if not _declares(ks, _A.HUKS_ALG_ECC, 256, OpSpec(OpKind.AGREE, _A.HUKS_ALG_ECDH)):
        pytest.skip(f"{ks.backend_name} declares no ECDH on P-256")
    alias = unique_alias("agree")
    ks.generate_key_item(
        alias,
        options(
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_AGREE),
        ),
    )
    try:
        with raises_code(401):
            _agree(ks, alias, peer)
        rsa_spki = _rsa_public_spki()
        with raises_code(401):  # a well-formed SPKI of another algorithm is no ECDH peer key either
            _agree(ks, alias, rsa_spki)
        other_curve = (
            ec.generate_private_key(ec.SECP384R1())
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        with raises_code(12000006):  # a valid key of another curve: the agreement itself fails
            _agree(ks, alias, other_curve)
        good = ec.generate_private_key(ec.SECP256R1())
        mine = serialization.load_der_public_key(ks.export_key_item(alias, options()).out_data or b"")
        assert isinstance(mine, ec.EllipticCurvePublicKey)
        spki = good.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert _agree(ks, alias, spki) == good.exchange(ec.ECDH(), mine)
    finally:
        ks.delete_key_item(alias, options())


def _rsa_public_spki() -> bytes:
    key = rsa.generate_private_key(65537, 2048)
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# ------------------------------------------------------------------------------ error tables by Action


@pytest.mark.parametrize("action", list(Action))
def test_native_error_types_have_a_code_in_every_action(action: Action) -> None:
    """Every native type of ``hukspy.backend.errors`` is in ``NATIVE_CODES`` (or listed as unmapped)."""
    types = {obj for obj in vars(native).values() if isinstance(obj, type) and issubclass(obj, NativeError)}
    assert set(NATIVE_CODES.unmapped) <= types
    for cls in types - set(NATIVE_CODES.unmapped):
        found = NATIVE_CODES.translate(cls("what"), action, None)
        assert found is not None and found.info == "what", cls


@pytest.mark.parametrize("action", list(Action))
def test_software_error_table_is_complete_for_every_action(action: Action) -> None:
    """Every exception class the software engine and its stores raise (its own, pyca/cryptography's,
    ``sqlite3``'s, the OS's, ``ValueError``/``TypeError``) has a code in every ``Action`` and session
    kind, or is listed as deliberately unmapped."""
    engine_classes = {
        obj
        for obj in vars(engine).values()
        if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == engine.__name__
    }
    crypto_classes = {
        obj
        for obj in vars(crypto_exceptions).values()
        if isinstance(obj, type) and issubclass(obj, BaseException)
    }
    classes = (
        engine_classes
        | crypto_classes
        | {
            sqlite3.Error,
            sqlite3.OperationalError,
            OSError,
            PermissionError,
            ValueError,
            TypeError,
            MemoryError,
        }
    )
    for cls in classes - set(ERROR_TABLE.unmapped):
        for kind in (None, *OpKind):
            found = ERROR_TABLE.translate(_instance(cls), action, kind)
            assert found is not None and found.code >= 401, (cls, action, kind)
    assert set(ERROR_TABLE.unmapped) <= classes
    assert all(ERROR_TABLE.unmapped.values())


def _instance(cls: type[BaseException]) -> BaseException:
    try:
        return cls()
    except TypeError:  # a class that needs its message
        return cls("x")  # type: ignore[call-arg]


# ------------------------------------------------------------------------------ no HuksError below the seam

_ROOT = Path(__file__).resolve().parents[1]
#: The backends converted to native errors (the TPM backend joins this list when it is converted).
_NATIVE_ONLY = ("hukspy/software", "backends/pkcs11/hukspy_pkcs11")


@pytest.mark.parametrize("package", _NATIVE_ONLY)
def test_no_backend_builds_a_huks_error(package: str) -> None:
    """Backends raise native errors; only the facade builds a ``HuksError`` (docs/architecture.md)."""
    error_names = {"HuksError", *(cls.__name__ for cls in _huks_error_classes())}
    built = []
    for path in sorted((_ROOT / package).rglob("*.py")):
        if path.name == "testing.py":  # test helpers for the plug-in, not backend code
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in error_names:
                    built.append(f"{path.relative_to(_ROOT)}:{node.lineno} {name}")
    assert built == []


def _huks_error_classes() -> list[type[HuksError]]:
    out: list[type[HuksError]] = []
    todo: list[type[HuksError]] = [HuksError]
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


# ------------------------------------------------------------------------------ HUKS filters capabilities


def test_policy_filters_declared_capabilities_once() -> None:
    """A backend declares what its device can do; ``policy.allowed_capabilities`` (applied by
    ``Keystore`` at open) keeps what HUKS allows: CMAC on AES keys only at 256 bits (MAC_KEY_SIZES),
    no ECDSA with MD5 (GEN_EXPECT), everything else unchanged."""
    from hukspy import policy
    from hukspy.backend import Capabilities, OpCap

    cmac_on_aes = OpCap(OpKind.MAC, _A.HUKS_ALG_AES, _A.HUKS_ALG_CMAC, sizes=frozenset({128, 192, 256}))
    ecdsa_md5 = OpCap(OpKind.SIGN, _A.HUKS_ALG_ECC, _A.HUKS_ALG_ECC, digest=_D.HUKS_DIGEST_MD5)
    hmac = OpCap(OpKind.MAC, _A.HUKS_ALG_HMAC, _A.HUKS_ALG_HMAC, digest=_D.HUKS_DIGEST_SHA256)
    caps = Capabilities("test", frozenset(), frozenset({cmac_on_aes, ecdsa_md5, hmac}))
    allowed = policy.allowed_capabilities(caps)
    assert allowed.ops == frozenset(
        {OpCap(OpKind.MAC, _A.HUKS_ALG_AES, _A.HUKS_ALG_CMAC, sizes=frozenset({256})), hmac}
    )
    assert policy.allowed_capabilities(allowed) is allowed  # nothing left to filter


def test_keystore_capabilities_are_filtered(keystore: Keystore) -> None:
    """No keystore declares an AES CMAC below 256 bits, whatever its device can do."""
    for op in keystore.capabilities().ops:
        if op.kind is OpKind.MAC and op.key_alg == _A.HUKS_ALG_AES:
            assert op.sizes == frozenset({256}), op
