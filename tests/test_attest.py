"""``attest_key_item`` / ``anon_attest_key_item`` on the software keystore (docs/attestation.md).

The chain is parsed with pyca ``cryptography``: every signature is checked up to the self-signed root,
the leaf must certify the key's exported public key, and hukspy's extension must carry the challenge,
the key's properties, the ID values and the security level.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Final

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.x509.oid import NameOID

from hukspy import HuksKeyAlg, HuksKeyDigest, HuksKeyPurpose, HuksTag, Keystore
from hukspy.attestation import OID, OID_TEXT, KeyDescription, parse_description
from hukspy.params import HuksParam, ParamSet
from hukspy.testing import open_keystore
from hukspy.testing.support import P, options, raises_code

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_SIGN: Final = _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY
#: (alg, size, purpose, extra params) of every asymmetric key type that can be attested
KEYS: Final[list[tuple[int, int, int, tuple[HuksParam, ...]]]] = [
    (_A.HUKS_ALG_ECC, 256, _SIGN, (P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),)),
    (_A.HUKS_ALG_ECC, 521, _PU.HUKS_KEY_PURPOSE_AGREE, ()),
    (_A.HUKS_ALG_RSA, 2048, _SIGN, (P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
                                    P(_T.HUKS_TAG_PADDING, 3))),
    (_A.HUKS_ALG_ED25519, 256, _SIGN, ()),
    (_A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE, ()),
    (_A.HUKS_ALG_DSA, 1024, _SIGN, (P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),)),
]
IDS: Final = {
    _T.HUKS_TAG_ATTESTATION_ID_ALIAS: b"my key",
    _T.HUKS_TAG_ATTESTATION_APPLICATION_ID: b"com.example.app",
    _T.HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO: b"level info",
}


@pytest.fixture
def ks(software_keystore: Keystore) -> Keystore:
    return software_keystore


def _generate(ks: Keystore, alias: str, alg: int, size: int, purpose: int, *extra: HuksParam) -> None:
    ks.generate_key_item(alias, options(P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, size),
                                        P(_T.HUKS_TAG_PURPOSE, purpose), *extra))


def _chain(pems: list[str] | None) -> list[x509.Certificate]:
    assert pems is not None
    assert all(p.startswith("-----BEGIN CERTIFICATE-----\n") for p in pems)
    return [x509.load_pem_x509_certificate(p.encode("latin-1")) for p in pems]


def _check_signatures(chain: list[x509.Certificate]) -> None:
    leaf, ca, root = chain
    root.verify_directly_issued_by(root)
    ca.verify_directly_issued_by(root)
    leaf.verify_directly_issued_by(ca)
    for cert, is_ca in ((root, True), (ca, True), (leaf, False)):
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is is_ca


def _description(leaf: x509.Certificate) -> KeyDescription:
    ext = leaf.extensions.get_extension_for_oid(OID)
    assert not ext.critical
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    return parse_description(ext.value.value)


def _public_der(ks: Keystore, alias: str, alg: int) -> bytes:
    exported = ks.export_key_item(alias, options()).out_data
    if alg == _A.HUKS_ALG_X25519:
        return x25519.X25519PublicKey.from_public_bytes(exported).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if alg == _A.HUKS_ALG_ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(exported).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return exported


@pytest.mark.parametrize(("alg", "size", "purpose", "extra"), KEYS,
                         ids=[f"{HuksKeyAlg(k[0]).name[9:]}-{k[1]}" for k in KEYS])
def test_attest(ks: Keystore, alg: int, size: int, purpose: int, extra: tuple[HuksParam, ...]) -> None:
    _generate(ks, "k", alg, size, purpose, *extra)
    challenge = b"a fresh challenge from the verifier"
    params = [P(_T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge), *(P(t, v) for t, v in IDS.items())]
    chain = _chain(ks.attest_key_item("k", options(*params)).cert_chains)
    assert len(chain) == 3
    _check_signatures(chain)
    leaf = chain[0]
    spki = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert spki == _public_der(ks, "k", alg)
    d = _description(leaf)
    assert (d.version, d.security_level, d.anonymous, d.challenge) == (1, "software", False, challenge)
    props = ks.get_key_item_properties("k", options()).properties
    assert ParamSet.decode(d.key_properties).to_params() == props
    assert d.ids == {int(t): v for t, v in IDS.items()}
    # the identified CA names its keystore
    serials = chain[2].subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    assert len(serials) == 1 and len(str(serials[0].value)) == 32


def test_extension_is_plain_der(ks: Keystore) -> None:
    """The extension decoded by a general DER parser (asn1crypto), independent of hukspy's decoder."""
    from asn1crypto import core as asn1core  # a declared test dependency (pyproject.toml [test])
    _generate(ks, "k", _A.HUKS_ALG_ED25519, 256, _SIGN)
    leaf = _chain(ks.attest_key_item("k", options(P(_T.HUKS_TAG_ATTESTATION_CHALLENGE, b"c"),
                                                  P(_T.HUKS_TAG_ATTESTATION_ID_ALIAS, b"a"))).cert_chains)[0]
    ext = leaf.extensions.get_extension_for_oid(x509.ObjectIdentifier(OID_TEXT)).value
    assert isinstance(ext, x509.UnrecognizedExtension)
    seq = asn1core.Sequence.load(ext.value)
    fields = [seq[i] for i in range(len(seq))]
    assert [type(f).__name__ for f in fields[:3]] == ["Integer", "UTF8String", "Boolean"]
    assert fields[0].native == 1 and fields[1].native == "software" and fields[2].native is False
    assert fields[3].native == b"c"
    props = ks.get_key_item_properties("k", options()).properties
    assert ParamSet.decode(fields[4].native).to_params() == props
    ids = fields[5]
    assert len(ids) == 1 and ids[0][0].native == _T.HUKS_TAG_ATTESTATION_ID_ALIAS and ids[0][1].native == b"a"


def test_anonymous(ks: Keystore) -> None:
    _generate(ks, "k", _A.HUKS_ALG_ECC, 256, _SIGN, P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256))
    challenge = options(P(_T.HUKS_TAG_ATTESTATION_CHALLENGE, b"x"))
    anon = _chain(ks.anon_attest_key_item("k", challenge).cert_chains)
    named = _chain(ks.attest_key_item("k", challenge).cert_chains)
    assert len(anon) == 3  # XTS KeyAttestation: certChains.length == 3
    _check_signatures(anon)
    d = _description(anon[0])
    assert d.anonymous and d.challenge == b"x" and d.security_level == "software"
    for cert in anon[1:]:
        assert not cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
        assert "anonymous" in str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    assert anon[2].public_key() != named[2].public_key()  # a distinct CA key
    assert anon[0].public_key() == named[0].public_key()


def test_anonymous_offline_is_the_local_anonymous_chain(ks: Keystore) -> None:
    """API 26 ``anon_attest_key_item_offline(key_alias, params)``: the anonymous chain, made locally."""
    _generate(ks, "k", _A.HUKS_ALG_ECC, 256, _SIGN, P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256))
    challenge = P(_T.HUKS_TAG_ATTESTATION_CHALLENGE, b"y")
    offline = _chain(ks.anon_attest_key_item_offline("k", [challenge]).cert_chains)
    anon = _chain(ks.anon_attest_key_item("k", options(challenge)).cert_chains)
    _check_signatures(offline)
    d = _description(offline[0])
    assert d.anonymous and d.challenge == b"y"
    assert [c.public_key() for c in offline[1:]] == [c.public_key() for c in anon[1:]]


def test_ca_per_keystore(ks: Keystore, tmp_path: Path) -> None:
    _generate(ks, "k", _A.HUKS_ALG_ED25519, 256, _SIGN)
    one = _chain(ks.attest_key_item("k", options()).cert_chains)
    two = _chain(ks.attest_key_item("k", options()).cert_chains)
    assert one[1:] == two[1:] and one[0].serial_number != two[0].serial_number
    assert _description(one[0]).challenge == b""
    for name in ("attest-ca.pem", "master.key"):
        path = tmp_path / "keystore" / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert (tmp_path / "keystore" / "attest-ca.pem").exists()
    assert not (tmp_path / "keystore" / "attest-anon-ca.pem").exists()  # created on first use only
    with open_keystore(f"software:{tmp_path / 'keystore'}") as again:  # the same CA after reopening
        assert _chain(again.attest_key_item("k", options()).cert_chains)[1:] == one[1:]
    with open_keystore(f"software:{tmp_path / 'other'}") as other:
        _generate(other, "k", _A.HUKS_ALG_ED25519, 256, _SIGN)
        foreign = _chain(other.attest_key_item("k", options()).cert_chains)
    assert foreign[2].public_key() != one[2].public_key()
    with pytest.raises(Exception):  # noqa: B017 - pyca raises InvalidSignature or ValueError
        foreign[1].verify_directly_issued_by(one[2])


@pytest.mark.parametrize("method", ["attest_key_item", "anon_attest_key_item"])
def test_errors(ks: Keystore, method: str) -> None:
    attest = getattr(ks, method)
    _generate(ks, "aes", _A.HUKS_ALG_AES, 256, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT)
    _generate(ks, "hmac", _A.HUKS_ALG_HMAC, 256, _PU.HUKS_KEY_PURPOSE_MAC,
              P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256))
    for symmetric in ("aes", "hmac"):
        with raises_code(401):  # XTS Cipher_AnonAttestation_0014
            attest(symmetric, options())
    with raises_code(12000011):
        attest("missing", options())
    _generate(ks, "dh", _A.HUKS_ALG_DH, 2048, _PU.HUKS_KEY_PURPOSE_AGREE)
    with raises_code(12000001):  # an X.509 certificate cannot hold a DH key
        attest("dh", options())


@pytest.mark.parametrize("anonymous", [False, True], ids=["attest", "anon_attest"])
def test_attest_sm2(ks: Keystore, anonymous: bool) -> None:
    """An SM2 key (which pyca has no key object for) is certified with its exported
    SubjectPublicKeyInfo byte for byte; the chain verifies and the leaf carries the description
    (docs/attestation.md). XTS SecurityHuksSignExtendRSA AnonAttestation_0012 found it missing."""
    from asn1crypto import x509 as asn1_x509

    if not ks.capabilities().key(_A.HUKS_ALG_SM2, 256):
        pytest.skip("this pyca/libcrypto has no SM2")
    _generate(ks, "sm2", _A.HUKS_ALG_SM2, 256, _SIGN, P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3))
    challenge = b"sm2 challenge"
    attest = ks.anon_attest_key_item if anonymous else ks.attest_key_item
    chain = _chain(attest("sm2", options(P(_T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains)
    _check_signatures(chain)
    leaf = asn1_x509.Certificate.load(chain[0].public_bytes(serialization.Encoding.DER))
    assert leaf["tbs_certificate"]["subject_public_key_info"].dump() == ks.export_key_item(
        "sm2", options()).out_data
    d = _description(chain[0])
    assert (d.anonymous, d.challenge) == (anonymous, challenge)
