"""ML-DSA and ML-KEM (issue 15; docs/decisions.md "post-quantum keys").

Interop is checked against pyca/cryptography's own ML-DSA/ML-KEM, both ways: pyca verifies hukspy's
signatures and hukspy verifies pyca's; pyca encapsulates to an exported hukspy key and hukspy
decapsulates, and the reverse. Bad input gets upstream's codes (the upstream file and line of each is in
docs/decisions.md).
"""

from __future__ import annotations

import struct

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import HuksKeyAlg, HuksKeyPurpose, HuksTag, Keystore
from hukspy.backend.facts import PQ_PARAM_SETS
from hukspy.params import HuksParam
from hukspy.testing.support import P, options, raises_code, run_session

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
SIGN_VERIFY = _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY
KEM = _PU.HUKS_KEY_PURPOSE_WRAP | _PU.HUKS_KEY_PURPOSE_UNWRAP
DSA_SIZES = (44, 65, 87)
KEM_SIZES = (768, 1024)
_PYCA_DSA = {44: mldsa.MLDSA44PrivateKey, 65: mldsa.MLDSA65PrivateKey, 87: mldsa.MLDSA87PrivateKey}
_PYCA_KEM = {768: mlkem.MLKEM768PrivateKey, 1024: mlkem.MLKEM1024PrivateKey}


def key(alg: int, size: int, purpose: int, *extra: HuksParam) -> list[HuksParam]:
    return [P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, size), P(_T.HUKS_TAG_PURPOSE, purpose),
            *extra]


def gen(ks: Keystore, alias: str, alg: int, size: int, purpose: int) -> None:
    ks.generate_key_item(alias, options(*key(alg, size, purpose)))


def imp(ks: Keystore, alias: str, alg: int, size: int, purpose: int, import_type: int, data: bytes) -> None:
    ks.import_key_item(
        alias, options(*key(alg, size, purpose, P(_T.HUKS_TAG_IMPORT_KEY_TYPE, import_type)), in_data=data)
    )


def pair_material(alg: int, size: int, private: object, *, pub: bool = True) -> bytes:
    """The KEY_PAIR (or, ``pub=False``, PRIVATE_KEY) material, written here from the layout in
    docs/decisions.md independently of hukspy.formats."""
    seed = private.private_bytes_raw()  # type: ignore[attr-defined]
    public = private.public_key().public_bytes_raw() if pub else b""  # type: ignore[attr-defined]
    return struct.pack("<5I", alg, size, len(public), len(seed), 0) + public + seed


def spki(public: object) -> bytes:
    der: bytes = public.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def sign(ks: Keystore, alias: str, message: bytes, *extra: HuksParam) -> bytes:
    params = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ML_DSA), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN)]
    return run_session(ks, alias, [*params, *extra], [message[:10], message[10:]])


def verify(ks: Keystore, alias: str, message: bytes, sig: bytes, *extra: HuksParam) -> None:
    params = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ML_DSA),
              P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_VERIFY)]
    run_session(ks, alias, [*params, *extra], [message], finish=sig)


# ------------------------------------------------------------------------------ ML-DSA


@pytest.mark.parametrize("size", DSA_SIZES)
def test_ml_dsa_generated_key_interoperates_with_pyca(software_keystore: Keystore, size: int) -> None:
    ks = software_keystore
    gen(ks, "dsa", _A.HUKS_ALG_ML_DSA, size, SIGN_VERIFY)
    exported = ks.export_key_item("dsa", options()).out_data
    pub = serialization.load_der_public_key(exported)
    assert isinstance(pub, type(_PYCA_DSA[size].generate().public_key()))  # SPKI of the right set
    assert len(pub.public_bytes_raw()) == PQ_PARAM_SETS[(_A.HUKS_ALG_ML_DSA, size)].public_len  # type: ignore[union-attr]
    message = b"hukspy signs, pyca verifies" * 40
    sig = sign(ks, "dsa", message)
    pub.verify(sig, message)  # type: ignore[call-arg,union-attr]
    with pytest.raises(InvalidSignature):
        pub.verify(sig, message + b"x")  # type: ignore[call-arg,union-attr]
    verify(ks, "dsa", message, sig)
    with raises_code(12000006):
        verify(ks, "dsa", message, sig[:-1] + bytes([sig[-1] ^ 1]))


@pytest.mark.parametrize("size", DSA_SIZES)
def test_ml_dsa_pyca_signatures_verify_on_imported_keys(software_keystore: Keystore, size: int) -> None:
    ks = software_keystore
    private = _PYCA_DSA[size].generate()
    message = b"pyca signs, hukspy verifies"
    imp(ks, "pub", _A.HUKS_ALG_ML_DSA, size, _PU.HUKS_KEY_PURPOSE_VERIFY, 0, spki(private.public_key()))
    verify(ks, "pub", message, private.sign(message))
    with raises_code(12000006):
        verify(ks, "pub", message + b"!", private.sign(message))
    pair = pair_material(_A.HUKS_ALG_ML_DSA, size, private)
    imp(ks, "pair", _A.HUKS_ALG_ML_DSA, size, SIGN_VERIFY, 2, pair)
    assert ks.export_key_item("pair", options()).out_data == spki(private.public_key())
    private.public_key().verify(sign(ks, "pair", message), message)
    imp(ks, "priv", _A.HUKS_ALG_ML_DSA, size, _PU.HUKS_KEY_PURPOSE_SIGN, 1,
        pair_material(_A.HUKS_ALG_ML_DSA, size, private, pub=False))
    private.public_key().verify(sign(ks, "priv", message), message)


def test_ml_dsa_context_is_the_fips_204_context(software_keystore: Keystore) -> None:
    ks = software_keystore
    gen(ks, "dsa", _A.HUKS_ALG_ML_DSA, 65, SIGN_VERIFY)
    pub = serialization.load_der_public_key(ks.export_key_item("dsa", options()).out_data)
    ctx = P(_T.HUKS_TAG_CONTEXT, b"hukspy context")
    sig = sign(ks, "dsa", b"message", ctx)
    pub.verify(sig, b"message", b"hukspy context")  # type: ignore[call-arg,union-attr]
    with pytest.raises(InvalidSignature):
        pub.verify(sig, b"message")  # type: ignore[call-arg,union-attr]
    verify(ks, "dsa", b"message", sig, ctx)
    with raises_code(12000006):
        verify(ks, "dsa", b"message", sig)
    sign(ks, "dsa", b"m", P(_T.HUKS_TAG_CONTEXT, bytes(255)))
    with raises_code(401):  # HKS_ML_DSA_CONTEXT_MAX_SIZE 255
        sign(ks, "dsa", b"m", P(_T.HUKS_TAG_CONTEXT, bytes(256)))


def test_ml_dsa_bad_input_codes(software_keystore: Keystore) -> None:
    ks = software_keystore
    with raises_code(12000003):  # INVALID_KEY_SIZE: not a parameter set
        gen(ks, "x", _A.HUKS_ALG_ML_DSA, 64, SIGN_VERIFY)
    for purpose in (_PU.HUKS_KEY_PURPOSE_ENCRYPT, _PU.HUKS_KEY_PURPOSE_MAC, _PU.HUKS_KEY_PURPOSE_WRAP):
        with raises_code(12000003):  # g_invalidPurpose
            gen(ks, "x", _A.HUKS_ALG_ML_DSA, 44, purpose)
    private = mldsa.MLDSA44PrivateKey.generate()
    good = pair_material(_A.HUKS_ALG_ML_DSA, 44, private)
    other = pair_material(_A.HUKS_ALG_ML_DSA, 44, mldsa.MLDSA44PrivateKey.generate())
    mixed = good[: 20 + 1312] + other[20 + 1312 :]  # the public half of one key, the seed of another
    for bad in (good[:-1], good + b"\0", mixed, struct.pack("<5I", 201, 65, 1312, 32, 0) + good[20:]):
        with raises_code(401):  # INVALID_KEY_INFO
            imp(ks, "x", _A.HUKS_ALG_ML_DSA, 44, SIGN_VERIFY, 2, bad)
    expanded = struct.pack("<5I", 201, 44, 1312, 2560, 0) + bytes(1312 + 2560)
    with raises_code(12000001):  # upstream's expanded private key: pyca cannot load it
        imp(ks, "x", _A.HUKS_ALG_ML_DSA, 44, SIGN_VERIFY, 2, expanded)
    with raises_code(401):  # a public key of another parameter set
        imp(ks, "x", _A.HUKS_ALG_ML_DSA, 65, _PU.HUKS_KEY_PURPOSE_VERIFY, 0, spki(private.public_key()))
    with raises_code(12000003):  # imported ML-DSA keys lose WRAP/UNWRAP
        imp(ks, "x", _A.HUKS_ALG_ML_DSA, 44, _PU.HUKS_KEY_PURPOSE_UNWRAP, 2, good)
    gen(ks, "dsa", _A.HUKS_ALG_ML_DSA, 44, SIGN_VERIFY)
    with raises_code(401):  # HKS_ML_DSA_MESSAGE_MAX_SIZE 102400
        sign(ks, "dsa", bytes(102401))
    assert len(sign(ks, "dsa", bytes(102400))) == 2420


# ------------------------------------------------------------------------------ ML-KEM


@pytest.mark.parametrize("size", KEM_SIZES)
def test_ml_kem_interoperates_with_pyca_both_ways(software_keystore: Keystore, size: int) -> None:
    ks = software_keystore
    pq = PQ_PARAM_SETS[(_A.HUKS_ALG_ML_KEM, size)]
    gen(ks, "kem", _A.HUKS_ALG_ML_KEM, size, KEM)
    pub = serialization.load_der_public_key(ks.export_key_item("kem", options()).out_data)
    secret, ct = pub.encapsulate()  # type: ignore[union-attr]
    got = ks.decapsulate("kem", [], ct)
    assert got.shared_secret == secret and got.out_data == b""
    # pyca decapsulates what hukspy encapsulated to a hukspy-held copy of a pyca key
    private = _PYCA_KEM[size].generate()
    imp(ks, "pair", _A.HUKS_ALG_ML_KEM, size, KEM, 2, pair_material(_A.HUKS_ALG_ML_KEM, size, private))
    imp(ks, "pub", _A.HUKS_ALG_ML_KEM, size, _PU.HUKS_KEY_PURPOSE_WRAP, 0, spki(private.public_key()))
    for alias in ("pair", "pub"):
        result = ks.encapsulate(alias, [])
        assert len(result.out_data) == pq.ciphertext_len
        assert result.shared_secret is not None
        assert private.decapsulate(result.out_data) == result.shared_secret
    secret, ct = private.public_key().encapsulate()
    assert ks.decapsulate("pair", [], ct).shared_secret == secret
    imp(ks, "priv", _A.HUKS_ALG_ML_KEM, size, _PU.HUKS_KEY_PURPOSE_UNWRAP, 1,
        pair_material(_A.HUKS_ALG_ML_KEM, size, private, pub=False))
    assert ks.decapsulate("priv", [], ct).shared_secret == secret
    assert "shared_secret=<32 bytes>" in repr(got) and secret.hex() not in repr(got)


def test_ml_kem_huks_managed_secret_is_a_usable_key(software_keystore: Keystore) -> None:
    """With a shared key alias and params (KEY_SIZE 256), the secret is stored as that key, not returned;
    the stored AES key holds exactly the secret (checked with pyca AES-GCM against the app-managed
    decapsulation of the same ciphertext)."""
    ks = software_keystore
    gen(ks, "kem", _A.HUKS_ALG_ML_KEM, 768, KEM)
    aes = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, 256),
           P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT)]
    result = ks.encapsulate("kem", [], "sent", aes)
    assert result.shared_secret is None and len(result.out_data) == 1088
    secret = ks.decapsulate("kem", [], result.out_data).shared_secret
    assert secret is not None
    assert ks.decapsulate("kem", [], result.out_data, "received", aes).shared_secret is None
    nonce = bytes(12)
    for alias in ("sent", "received"):
        ct = run_session(ks, alias, [*aes[:1], P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
                                     P(_T.HUKS_TAG_BLOCK_MODE, 32), P(_T.HUKS_TAG_PADDING, 0),
                                     P(_T.HUKS_TAG_NONCE, nonce)], [b"hello"])
        assert AESGCM(secret).decrypt(nonce, ct, None) == b"hello"
    flags = {alias: {p.tag: p.value for p in ks.get_key_item_properties(alias, options()).properties or []}
             [_T.HUKS_TAG_KEY_FLAG] for alias in ("sent", "received")}
    assert flags == {"sent": 2, "received": 1}  # GENERATE for encapsulate, IMPORT for decapsulate
    with raises_code(12000017):  # KEY_OVERRIDE=false on an existing shared key alias
        ks.encapsulate("kem", [], "sent", [*aes, P(_T.HUKS_TAG_KEY_OVERRIDE, False)])


def test_ml_kem_bad_input_codes(software_keystore: Keystore) -> None:
    ks = software_keystore
    gen(ks, "kem", _A.HUKS_ALG_ML_KEM, 768, KEM)
    gen(ks, "other", _A.HUKS_ALG_ML_KEM, 768, KEM)
    gen(ks, "dsa", _A.HUKS_ALG_ML_DSA, 44, SIGN_VERIFY)
    gen(ks, "wrap-only", _A.HUKS_ALG_ML_KEM, 1024, _PU.HUKS_KEY_PURPOSE_WRAP)
    result = ks.encapsulate("kem", [])
    ct, secret = result.out_data, result.shared_secret
    with raises_code(12000006):  # truncated ciphertext: EVP_PKEY_decapsulate fails
        ks.decapsulate("kem", [], ct[:-1])
    with raises_code(12000006):
        ks.decapsulate("kem", [], ct + b"\0")
    with raises_code(12000006):
        ks.decapsulate("kem", [], b"")
    # another key's encapsulation: FIPS 203 implicit rejection, an unrelated secret (no error)
    wrong = ks.decapsulate("other", [], ct).shared_secret
    assert wrong is not None and len(wrong) == 32 and wrong != secret
    with raises_code(12000003):  # INVALID_ALGORITHM
        ks.encapsulate("dsa", [])
    with raises_code(12000003):  # INVALID_PURPOSE: decapsulation needs UNWRAP
        ks.decapsulate("wrap-only", [], bytes(1568))
    with raises_code(12000011):
        ks.encapsulate("missing", [])
    with raises_code(12000018):  # an alias too long: HksReplaceErrCodeIf401
        ks.encapsulate("k" * 129, [])
    with raises_code(401):  # not a string: the NAPI argument check
        ks.encapsulate(b"kem", [])  # type: ignore[arg-type]
    with raises_code(401):
        ks.decapsulate("kem", [], "not bytes")  # type: ignore[arg-type]
    aes = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT)]
    with raises_code(12000002):  # HksKemCheckShareParam: KEY_SIZE required
        ks.encapsulate("kem", [], "s", aes)
    with raises_code(12000003):  # HksMlKemImport: KEY_SIZE must be 256
        ks.encapsulate("kem", [], "s", [*aes, P(_T.HUKS_TAG_KEY_SIZE, 128)])
    with raises_code(12000018):  # an alias without params
        ks.encapsulate("kem", [], "s", None)
    with raises_code(12000018):  # params without an alias
        ks.encapsulate("kem", [], None, [*aes, P(_T.HUKS_TAG_KEY_SIZE, 256)])
    with raises_code(12000003):  # the shared key params checked as an import: HMAC-256 with ENCRYPT
        ks.encapsulate("kem", [], "s", [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
                                        P(_T.HUKS_TAG_KEY_SIZE, 256),
                                        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT)])
    assert not ks.has_key_item("s", options())
    with raises_code(12000003):  # an ML-KEM public key may only have WRAP
        imp(ks, "x", _A.HUKS_ALG_ML_KEM, 768, KEM, 0, spki(mlkem.MLKEM768PrivateKey.generate().public_key()))
    with raises_code(12000003):  # no session on a WRAP/UNWRAP key
        run_session(ks, "kem", [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ML_KEM),
                                P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_UNWRAP)], [b""])


def test_module_level_functions_run_on_the_default_keystore(tmp_path: object,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import hukspy.keystore

    monkeypatch.setenv("HUKSPY_KEYSTORE", f"software:{tmp_path}/ks")
    monkeypatch.setattr(hukspy.keystore, "_default", None)
    try:
        hukspy.generate_key_item("kem", options(*key(_A.HUKS_ALG_ML_KEM, 768, KEM)))
        result = hukspy.encapsulate("kem", [])
        assert hukspy.decapsulate("kem", [], result.out_data).shared_secret == result.shared_secret
    finally:
        hukspy.keystore.default_keystore().close()


def test_hardware_without_the_flag_names_it(keystore: Keystore) -> None:
    """SoftHSM2 and swtpm have no ML-DSA/ML-KEM: without ``?fallback=sealed`` generate is 12000001 and
    the message names the flag (with it, the conformance suites exercise both, sealed)."""
    if keystore.backend_name == "software":
        pytest.skip("the software engine has them")
    for alg, size, purpose in ((_A.HUKS_ALG_ML_DSA, 65, SIGN_VERIFY), (_A.HUKS_ALG_ML_KEM, 768, KEM)):
        with raises_code(12000001) as info:
            gen(keystore, "pq", alg, size, purpose)
        assert "fallback=sealed" in str(info.value)
