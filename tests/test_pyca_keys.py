"""hukspy keys as pyca ``cryptography`` keys (``hukspy.pyca``, docs/cryptography.md), on every backend.

Every signature here is made by the keystore (in the HSM or TPM for pkcs11/tpm2) through the pyca key
object, and checked twice: by pyca against the exported public key, and by a real ``openssl``
process. What a backend does not declare (``Keystore.capabilities()``) is skipped with the reason.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import NoDigestInfo, Prehashed
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

import hukspy
from hukspy import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag, Keystore
from hukspy.backend import KeyRecord
from hukspy.params import ParamSet
from hukspy.pyca import HuksKey
from hukspy.spec import KeySpec, OpKind, OpSpec
from hukspy.testing import P, ensure_generated, open_keystore, options, raises_code, unique_alias

A, D, PAD, PU, T = HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
SIGN = PU.HUKS_KEY_PURPOSE_SIGN | PU.HUKS_KEY_PURPOSE_VERIFY
CIPHER = PU.HUKS_KEY_PURPOSE_ENCRYPT | PU.HUKS_KEY_PURPOSE_DECRYPT
AGREE = int(PU.HUKS_KEY_PURPOSE_AGREE)
NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hukspy pyca test")])
_DIGESTS = {
    D.HUKS_DIGEST_SHA1: hashes.SHA1,
    D.HUKS_DIGEST_SHA256: hashes.SHA256,
    D.HUKS_DIGEST_SHA384: hashes.SHA384,
    D.HUKS_DIGEST_SHA512: hashes.SHA512,
}


@dataclass(frozen=True)
class KeyType:
    label: str
    alg: int
    size: int
    digest: int | None  # the digest the builders sign with (None: Ed25519)

    @property
    def hash(self) -> hashes.HashAlgorithm | None:
        return None if self.digest is None else _DIGESTS[self.digest]()


KEY_TYPES = [
    KeyType("RSA-2048", A.HUKS_ALG_RSA, 2048, D.HUKS_DIGEST_SHA256),
    KeyType("EC-P256", A.HUKS_ALG_ECC, 256, D.HUKS_DIGEST_SHA256),
    KeyType("EC-P384", A.HUKS_ALG_ECC, 384, D.HUKS_DIGEST_SHA384),
    KeyType("Ed25519", A.HUKS_ALG_ED25519, 256, None),
]


def declared(ks: Keystore, alg: int, size: int, purpose: int, op: OpSpec) -> bool:
    """Whether the keystore declares a key of ``alg``-``size`` and ``op`` on it."""
    return ks.capabilities().key(alg, size) is not None and ks.capabilities().supports_op(
        KeySpec(alg, size, purpose), op
    )


def require(ks: Keystore, alg: int, size: int, purpose: int, op: OpSpec) -> None:
    if not declared(ks, alg, size, purpose, op):
        pytest.skip(f"the {ks.backend_name} keystore does not declare {op!r} on {A(alg).name}-{size}")


def sign_op(kt: KeyType) -> OpSpec:
    """The session the x509 builders run: PKCS#1 v1.5 for RSA, ECDSA, or Ed25519."""
    pad = PAD.HUKS_PADDING_PKCS1_V1_5 if kt.alg == A.HUKS_ALG_RSA else None
    return OpSpec(OpKind.SIGN, alg=kt.alg, padding=pad, digest=kt.digest)


def signing_key(ks: Keystore, kt: KeyType) -> HuksKey:
    require(ks, kt.alg, kt.size, SIGN, sign_op(kt))
    return ks.private_key(ensure_generated(ks, kt.alg, kt.size, SIGN))


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``openssl`` and return the finished process (its exit code is the verdict)."""
    return subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60, check=False)


def self_signed(key: Any, kt: KeyType) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(NAME)
        .issuer_name(NAME)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(key, kt.hash)
    )


def pem(
    path: Path, obj: x509.Certificate | x509.CertificateSigningRequest | x509.CertificateRevocationList
) -> str:
    path.write_bytes(obj.public_bytes(serialization.Encoding.PEM))
    return str(path)


# ------------------------------------------------------------------------------------ the key object


@pytest.mark.parametrize("kt", KEY_TYPES, ids=lambda kt: kt.label)
def test_private_key_is_a_pyca_key_whose_public_half_is_the_exported_one(
    keystore: Keystore, kt: KeyType
) -> None:
    key = signing_key(keystore, kt)
    expected = {
        A.HUKS_ALG_RSA: rsa.RSAPrivateKey,
        A.HUKS_ALG_ECC: ec.EllipticCurvePrivateKey,
        A.HUKS_ALG_ED25519: ed25519.Ed25519PrivateKey,
    }[kt.alg]
    assert isinstance(key, expected)
    exported = keystore.export_key_item(key.alias, options()).out_data
    pub = key.public_key()
    if kt.alg == A.HUKS_ALG_ED25519:
        assert pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == exported
    else:
        spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert spki == exported
        assert key.key_size == kt.size  # type: ignore[union-attr]
    assert keystore.public_key(key.alias) == pub
    # a key of the token/TPM itself (not a sealed host key), so its signatures are made there
    assert keystore.key_storage(key.alias, options()) == keystore.backend_name
    assert key.__copy__() is key


@pytest.mark.parametrize("kt", KEY_TYPES, ids=lambda kt: kt.label)
def test_private_bytes_raises(keystore: Keystore, kt: KeyType) -> None:
    key = signing_key(keystore, kt)
    with raises_code(12000003) as err:
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    assert key.alias in err.value.message
    if isinstance(key, ed25519.Ed25519PrivateKey):
        with raises_code(12000003):
            key.private_bytes_raw()
    else:
        with raises_code(12000003):
            key.private_numbers()


# ------------------------------------------------------------------------------------ X.509 and CMS


@pytest.mark.parametrize("kt", KEY_TYPES, ids=lambda kt: kt.label)
def test_csr_certificate_and_crl_verify_with_pyca_and_openssl(
    keystore: Keystore, kt: KeyType, tmp_path: Path
) -> None:
    key = signing_key(keystore, kt)
    san = x509.SubjectAlternativeName([x509.DNSName("hukspy.example")])
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(NAME)
        .add_extension(san, False)
        .sign(key, kt.hash)
    )
    assert csr.is_signature_valid
    assert csr.public_key() == key.public_key()
    req = openssl("req", "-in", pem(tmp_path / "req.pem", csr), "-verify", "-noout")
    assert req.returncode == 0, req.stderr
    assert "verify OK" in req.stdout + req.stderr

    cert = self_signed(key, kt)
    cert.verify_directly_issued_by(cert)
    assert cert.public_key() == key.public_key()
    cert_path = pem(tmp_path / "cert.pem", cert)
    ver = openssl("verify", "-CAfile", cert_path, cert_path)
    assert ver.returncode == 0 and f"{cert_path}: OK" in ver.stdout, ver.stdout + ver.stderr
    # openssl checks a trust anchor's own signature only with -check_ss_sig (without it, a self-signed
    # certificate with a wrong signature verifies too): the signature made through the key object, checked.
    ver = openssl("verify", "-check_ss_sig", "-CAfile", cert_path, cert_path)
    assert ver.returncode == 0 and f"{cert_path}: OK" in ver.stdout, ver.stdout + ver.stderr

    now = datetime.datetime.now(datetime.UTC)
    revoked = x509.RevokedCertificateBuilder().serial_number(7).revocation_date(now).build()
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(NAME)
        .last_update(now)
        .next_update(now + datetime.timedelta(days=1))
        .add_revoked_certificate(revoked)
        .sign(key, kt.hash)
    )
    assert crl.is_signature_valid(key.public_key())
    crl_check = openssl("crl", "-in", pem(tmp_path / "crl.pem", crl), "-CAfile", cert_path, "-noout")
    assert crl_check.returncode == 0 and "verify OK" in crl_check.stdout + crl_check.stderr, crl_check.stderr


def test_openssl_rejects_a_certificate_whose_signature_is_not_the_keys(
    keystore: Keystore, tmp_path: Path
) -> None:
    """The openssl checks above can fail: the same certificate re-signed by another key does not verify."""
    kt = KEY_TYPES[1]
    key = signing_key(keystore, kt)
    cert = self_signed(key, kt)
    forged = self_signed(ec.generate_private_key(ec.SECP256R1()), kt)  # same names, another key
    cert_path = pem(tmp_path / "cert.pem", cert)
    ver = openssl("verify", "-CAfile", cert_path, pem(tmp_path / "forged.pem", forged))
    assert ver.returncode != 0


@pytest.mark.parametrize("kt", [k for k in KEY_TYPES if k.alg != A.HUKS_ALG_ED25519], ids=lambda kt: kt.label)
def test_pkcs7_signature_verifies_with_openssl(keystore: Keystore, kt: KeyType, tmp_path: Path) -> None:
    key = signing_key(keystore, kt)
    cert = self_signed(key, kt)
    data = b"signed by a key that never left the keystore\n"
    assert kt.hash is not None
    signed = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(cert, key, kt.hash)  # type: ignore[arg-type]
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    (tmp_path / "msg.p7").write_bytes(signed)
    out = tmp_path / "content"
    res = openssl(
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "msg.p7"),
        "-CAfile",
        pem(tmp_path / "cert.pem", cert),
        "-purpose",
        "any",
        "-out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == data


# ------------------------------------------------------------------------------------ sign, decrypt, exchange


def test_prehashed_signatures_use_digest_none(keystore: Keystore) -> None:
    digest = hashlib.sha256(b"message").digest()
    ran = 0
    for kt in (KEY_TYPES[0], KEY_TYPES[1]):
        pad = PAD.HUKS_PADDING_PKCS1_V1_5 if kt.alg == A.HUKS_ALG_RSA else None
        op = OpSpec(OpKind.SIGN, alg=kt.alg, padding=pad, digest=D.HUKS_DIGEST_NONE)
        if not declared(keystore, kt.alg, kt.size, SIGN, op):
            continue
        key = keystore.private_key(ensure_generated(keystore, kt.alg, kt.size, SIGN))
        if isinstance(key, rsa.RSAPrivateKey):
            sig = key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
            key.public_key().verify(sig, b"message", padding.PKCS1v15(), hashes.SHA256())
            with raises_code(401):  # a Prehashed input must be the digest's length
                key.sign(digest[:-1], padding.PKCS1v15(), Prehashed(hashes.SHA256()))
            raw = b"no DigestInfo around these bytes"  # NoDigestInfo: DIGEST_NONE on the input as it is
            sig = key.sign(raw, padding.PKCS1v15(), NoDigestInfo())
            assert key.public_key().recover_data_from_signature(sig, padding.PKCS1v15(), None) == raw
        else:
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            sig = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
            key.public_key().verify(sig, b"message", ec.ECDSA(hashes.SHA256()))
            with raises_code(401):
                key.sign(digest[:-1], ec.ECDSA(Prehashed(hashes.SHA256())))
        ran += 1
    if not ran:
        pytest.skip(f"the {keystore.backend_name} keystore declares no DIGEST_NONE signature")


def test_rsa_pss_signature(keystore: Keystore) -> None:
    op = OpSpec(OpKind.SIGN, alg=A.HUKS_ALG_RSA, padding=PAD.HUKS_PADDING_PSS, digest=D.HUKS_DIGEST_SHA256)
    require(keystore, A.HUKS_ALG_RSA, 2048, SIGN, op)
    key = keystore.private_key(ensure_generated(keystore, A.HUKS_ALG_RSA, 2048, SIGN))
    assert isinstance(key, rsa.RSAPrivateKey)
    for salt in (padding.PSS.DIGEST_LENGTH, padding.PSS.MAX_LENGTH, 32):
        pss = padding.PSS(padding.MGF1(hashes.SHA256()), salt)
        sig = key.sign(b"pss", pss, hashes.SHA256())
        key.public_key().verify(
            sig,
            b"pss",
            pss
            if salt is not padding.PSS.MAX_LENGTH
            else padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO),
            hashes.SHA256(),
        )


def _oaep_digest(ks: Keystore) -> int:
    for digest in (D.HUKS_DIGEST_SHA256, D.HUKS_DIGEST_SHA1):
        op = OpSpec(
            OpKind.DECRYPT,
            alg=A.HUKS_ALG_RSA,
            padding=PAD.HUKS_PADDING_OAEP,
            digest=digest,
            mgf_digest=digest,
        )
        if declared(ks, A.HUKS_ALG_RSA, 2048, CIPHER, op):
            return digest
    pytest.skip(f"the {ks.backend_name} keystore declares no RSA-2048 OAEP decryption")


def test_rsa_decrypt_oaep_and_pkcs1(keystore: Keystore) -> None:
    key = keystore.private_key(ensure_generated(keystore, A.HUKS_ALG_RSA, 2048, CIPHER))
    assert isinstance(key, rsa.RSAPrivateKey)
    h = _DIGESTS[_oaep_digest(keystore)]
    oaep = padding.OAEP(padding.MGF1(h()), h(), None)
    secret = b"a session key, 32 bytes long!!!!"
    assert key.decrypt(key.public_key().encrypt(secret, oaep), oaep) == secret

    pkcs1 = OpSpec(OpKind.DECRYPT, alg=A.HUKS_ALG_RSA, padding=PAD.HUKS_PADDING_PKCS1_V1_5)
    require(keystore, A.HUKS_ALG_RSA, 2048, CIPHER, pkcs1)
    ct = key.public_key().encrypt(secret, padding.PKCS1v15())
    assert key.decrypt(ct, padding.PKCS1v15()) == secret


@pytest.mark.parametrize(
    ("size", "curve"), [(256, ec.SECP256R1()), (384, ec.SECP384R1())], ids=["P256", "P384"]
)
def test_ecdh_exchange_equals_pycas(keystore: Keystore, size: int, curve: ec.EllipticCurve) -> None:
    require(keystore, A.HUKS_ALG_ECC, size, AGREE, OpSpec(OpKind.AGREE, alg=A.HUKS_ALG_ECDH))
    ours = keystore.private_key(ensure_generated(keystore, A.HUKS_ALG_ECC, size, AGREE))
    assert isinstance(ours, ec.EllipticCurvePrivateKey)
    assert ours.curve.name == curve.name
    peer = ec.generate_private_key(curve)
    shared = ours.exchange(ec.ECDH(), peer.public_key())
    assert shared == peer.exchange(ec.ECDH(), ours.public_key())
    assert len(shared) == (size + 7) // 8


# -------------------------------------------------------------------------- what the key does not allow


def _rsa_key(ks: Keystore, purpose: int, *extra: object) -> rsa.RSAPrivateKey:
    key = ks.private_key(ensure_generated(ks, A.HUKS_ALG_RSA, 2048, purpose, extra))  # type: ignore[arg-type]
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def test_padding_or_digest_the_key_does_not_allow_gives_the_huks_code(keystore: Keystore) -> None:
    pss256 = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH)
    require(
        keystore,
        A.HUKS_ALG_RSA,
        2048,
        SIGN,
        OpSpec(OpKind.SIGN, alg=A.HUKS_ALG_RSA, padding=PAD.HUKS_PADDING_PSS, digest=D.HUKS_DIGEST_SHA256),
    )
    pinned = _rsa_key(
        keystore,
        SIGN,
        P(T.HUKS_TAG_PADDING, PAD.HUKS_PADDING_PSS),
        P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
    )
    pinned.public_key().verify(pinned.sign(b"m", pss256, hashes.SHA256()), b"m", pss256, hashes.SHA256())
    # PADDING and DIGEST are policy tags: a value other than the key's is 401 (huks-reference.md §4.3).
    with raises_code(401):
        pinned.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
    with raises_code(401):
        pinned.sign(
            b"m", padding.PSS(padding.MGF1(hashes.SHA384()), padding.PSS.DIGEST_LENGTH), hashes.SHA384()
        )
    with raises_code(401):  # the key's purpose is SIGN|VERIFY
        pinned.decrypt(b"\0" * 256, padding.PKCS1v15())
    oaep_digest = _oaep_digest(keystore)
    h = _DIGESTS[oaep_digest]
    oaep = padding.OAEP(padding.MGF1(h()), h(), None)
    oaep_only = (P(T.HUKS_TAG_PADDING, PAD.HUKS_PADDING_OAEP), P(T.HUKS_TAG_DIGEST, oaep_digest))
    dec = _rsa_key(keystore, CIPHER, *oaep_only)
    assert dec.decrypt(dec.public_key().encrypt(b"k", oaep), oaep) == b"k"
    with raises_code(401):  # the key's PADDING is OAEP
        dec.decrypt(dec.public_key().encrypt(b"k", padding.PKCS1v15()), padding.PKCS1v15())
    with raises_code(401):  # the key's purpose is ENCRYPT|DECRYPT
        dec.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
    # An encryption padding for a signature: INVALID_PADDING, 12000003.
    free = _rsa_key(keystore, SIGN)
    with raises_code(12000003):
        free.sign(b"m", padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None), hashes.SHA256())

    ec_kt = KEY_TYPES[1]
    require(keystore, A.HUKS_ALG_ECC, 256, SIGN, sign_op(ec_kt))
    ec_key = keystore.private_key(
        ensure_generated(keystore, A.HUKS_ALG_ECC, 256, SIGN, [P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)])
    )
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    ec_key.public_key().verify(ec_key.sign(b"m", ec.ECDSA(hashes.SHA256())), b"m", ec.ECDSA(hashes.SHA256()))
    with raises_code(401):
        ec_key.sign(b"m", ec.ECDSA(hashes.SHA384()))
    with raises_code(401):  # Prehashed is DIGEST_NONE, not the key's SHA256
        ec_key.sign(hashlib.sha256(b"m").digest(), ec.ECDSA(Prehashed(hashes.SHA256())))
    with raises_code(401):  # a SIGN key cannot agree
        ec_key.exchange(ec.ECDH(), ec.generate_private_key(ec.SECP256R1()).public_key())


def test_what_huks_cannot_express_is_12000001_before_any_session(software_keystore: Keystore) -> None:
    ks = Keystore(software_keystore.uri, session_limit=1)
    try:
        rsa_sign = _rsa_key(ks, SIGN)
        rsa_dec = _rsa_key(ks, CIPHER)
        ec_key = ks.private_key(ensure_generated(ks, A.HUKS_ALG_ECC, 256, SIGN))
        assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
        held = ks.init_session(
            ensure_generated(ks, A.HUKS_ALG_ECC, 256, SIGN),
            options(
                P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
                P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
                P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
            ),
        )
        try:  # the only session is taken: a request that needed one would fail with 12000010
            for call in (
                lambda: rsa_dec.decrypt(
                    b"x", padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), b"l")
                ),
                lambda: rsa_dec.decrypt(
                    b"x", padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA256(), None)  # noqa: S303
                ),
                lambda: rsa_sign.sign(b"m", padding.PSS(padding.MGF1(hashes.SHA256()), 7), hashes.SHA256()),
                lambda: rsa_sign.sign(b"m", padding.PKCS1v15(), hashes.SHA3_256()),
                lambda: rsa_sign.sign(
                    b"m" * 32, padding.PSS(padding.MGF1(hashes.SHA256()), 32), Prehashed(hashes.SHA256())
                ),
                lambda: ec_key.sign(b"m", ec.ECDSA(hashes.SHA256(), deterministic_signing=True)),
            ):
                with raises_code(12000001):
                    call()
            with raises_code(12000010):  # while an expressible one does need the session
                ec_key.sign(b"m", ec.ECDSA(hashes.SHA256()))
            with raises_code(401):
                rsa_sign.sign("text", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[arg-type]
        finally:
            ks.abort_session(held, options())
    finally:
        ks.close()


# ------------------------------------------------------------------------------------ which keys, and how


def test_private_key_codes(software_keystore: Keystore) -> None:
    ks = software_keystore
    with raises_code(12000011):
        ks.private_key("no-such-key")
    with raises_code(12000011):
        ks.public_key("no-such-key")
    aes = ensure_generated(ks, A.HUKS_ALG_AES, 256, CIPHER)
    with raises_code(12000003):
        ks.private_key(aes)
    with raises_code(12000003):
        ks.public_key(aes)
    x = ensure_generated(ks, A.HUKS_ALG_X25519, 256, AGREE)
    with raises_code(12000003):
        ks.private_key(x)
    assert isinstance(ks.public_key(x), x25519.X25519PublicKey)
    imported = unique_alias("pub")
    spki = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    ks.import_key_item(
        imported,
        options(
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_VERIFY),
            P(T.HUKS_TAG_IMPORT_KEY_TYPE, hukspy.HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY),
            in_data=spki,
        ),
    )
    with raises_code(12000003):
        ks.private_key(imported)
    assert (
        ks.public_key(imported).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == spki
    )
    with raises_code(401):
        ks.private_key(aes, "not options")  # type: ignore[arg-type]


def test_options_select_the_storage_level(software_keystore: Keystore) -> None:
    ks = software_keystore
    alias = unique_alias("de")
    de = P(T.HUKS_TAG_AUTH_STORAGE_LEVEL, hukspy.HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE)
    ks.generate_key_item(
        alias,
        options(
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, SIGN),
            de,
        ),
    )
    with raises_code(12000011):  # the default level is CE
        ks.private_key(alias)
    key = ks.private_key(alias, options(de))
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    key.public_key().verify(key.sign(b"de"), b"de")


def test_module_level_functions_use_the_default_keystore(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUKSPY_KEYSTORE", f"software:{tmp_path}")
    monkeypatch.setattr("hukspy.keystore._default", None)
    ks = hukspy.default_keystore()
    alias = ensure_generated(ks, A.HUKS_ALG_ED25519, 256, SIGN)
    key = hukspy.private_key(alias)
    assert hukspy.public_key(alias) == key.public_key()
    ks.close()


def test_user_auth_key_gives_12000008_from_the_first_call(software_keystore: Keystore) -> None:
    """hukspy creates no user-auth key today (12000013, docs/decisions.md), so the record is written to
    the real record store directly, as a key of an enrolled credential would be stored."""
    ks = software_keystore
    plain = ensure_generated(ks, A.HUKS_ALG_ECC, 256, SIGN)
    store = ks._backend.records()
    record = store.get(hukspy.HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE, plain)
    assert record is not None
    alias = unique_alias("auth")
    params = ParamSet(
        {**record.params, T.HUKS_TAG_USER_AUTH_TYPE: hukspy.HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN}
    )
    store.put(KeyRecord(alias, record.level, params, record.ref), replace=False)
    key = ks.private_key(alias)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    with raises_code(12000008):
        key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    with raises_code(12000008):
        x509.CertificateSigningRequestBuilder().subject_name(NAME).sign(key, hashes.SHA256())
    store.delete(record.level, alias)  # the ref is shared with ``plain``: drop the record only


def test_creating_the_object_opens_no_session_and_each_operation_opens_one(
    software_keystore: Keystore,
) -> None:
    with open_keystore(software_keystore.uri, session_limit=1) as ks:
        alias = ensure_generated(ks, A.HUKS_ALG_ED25519, 256, SIGN)
        held = ks.init_session(
            alias,
            options(
                P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN)
            ),
        )
        key = ks.private_key(alias)  # the limit is reached: this would fail if it opened a session
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        with raises_code(12000010):
            key.sign(b"m")
        ks.abort_session(held, options())
        key.public_key().verify(key.sign(b"m"), b"m")
        assert ks.open_sessions == 0


def test_one_key_object_signs_from_many_threads(keystore: Keystore) -> None:
    kt = KEY_TYPES[1]
    key = signing_key(keystore, kt)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    ecdsa = ec.ECDSA(hashes.SHA256())

    def work(n: int) -> int:
        for i in range(4):
            msg = f"{n}:{i}".encode()
            key.public_key().verify(key.sign(msg, ecdsa), msg, ecdsa)  # raises on a wrong signature
        return n

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(work, range(6))) == list(range(6))  # re-raises a thread's exception
