"""Attestation on SoftHSM2: the chain is signed by a CA key that lives on the token, and the leaf carries
hukspy's key description and the key's flags as the token reports them (read back by another process
with python-pkcs11 alone, and compared)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from _require import import_for
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from test_pkcs11 import KEYS, run_on_token
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

from hukspy import HuksError, Keystore
from hukspy.attestation import OID, parse_description
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPurpose as Pu
from hukspy.enums import HuksTag as T
from hukspy.formats import key_material
from hukspy.params import ParamSet
from hukspy.testing import P, options, unique_alias

if TYPE_CHECKING:
    from hukspy_pkcs11.attest import KeyEvidence
    from hukspy_pkcs11.testing import TokenInfo

import_for("pkcs11", "pkcs11")

_BY_LABEL = {label: params for label, params, _ in KEYS}
ECC = _BY_LABEL["ecc"]
RSA = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA), P(T.HUKS_TAG_KEY_SIZE, 2048),
       P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN | Pu.HUKS_KEY_PURPOSE_VERIFY),
       P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256), P(T.HUKS_TAG_PADDING, 3))  # PKCS1_V1_5
ED25519 = _BY_LABEL["ed25519"]
X25519 = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_X25519), P(T.HUKS_TAG_KEY_SIZE, 256),
          P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_AGREE))


@pytest.fixture
def ks(pkcs11_token: TokenInfo) -> Iterator[Keystore]:  # noqa: F811 - the imported fixture
    with Keystore(pkcs11_token.uri) as keystore:
        yield keystore


def chain_of(pems: list[str] | None) -> list[x509.Certificate]:
    assert pems
    return [x509.load_pem_x509_certificate(p.encode()) for p in pems]


def evidence(cert: x509.Certificate) -> KeyEvidence:
    from hukspy_pkcs11.attest import EVIDENCE_OID, parse_evidence

    ext = cert.extensions.get_extension_for_oid(EVIDENCE_OID)
    assert ext.critical is False
    return parse_evidence(ext.value.value)  # type: ignore[attr-defined]


def token_serial(token: TokenInfo) -> str:
    return run_on_token(token, "print(token.serial.decode().strip())").stdout.strip()


def check_chain(certs: list[x509.Certificate], public: bytes, alg: int) -> None:
    """Two certificates: the leaf issued and signed by the CA, the CA self-signed; the leaf certifies
    ``public`` (the exported key)."""
    assert len(certs) == 2
    leaf, ca = certs
    leaf.verify_directly_issued_by(ca)
    ca.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    if alg in (A.HUKS_ALG_ED25519, A.HUKS_ALG_X25519):
        got = leaf.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        got = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    assert got == public


def test_chain_is_signed_on_token_and_carries_challenge_properties_ids_and_token_flags(
    ks: Keystore, pkcs11_token: TokenInfo  # noqa: F811
) -> None:
    alias = unique_alias("att")
    ks.generate_key_item(alias, options(*ECC))
    challenge = os.urandom(24)
    res = ks.attest_key_item(alias, options(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge),
                                            P(T.HUKS_TAG_ATTESTATION_ID_ALIAS, alias.encode())))
    certs = chain_of(res.cert_chains)
    check_chain(certs, ks.export_key_item(alias, options()).out_data, A.HUKS_ALG_ECC)
    leaf, ca = certs
    d = parse_description(leaf.extensions.get_extension_for_oid(OID).value.value)  # type: ignore[attr-defined]
    assert d.security_level == "pkcs11" and d.anonymous is False and d.challenge == challenge
    assert d.ids == {int(T.HUKS_TAG_ATTESTATION_ID_ALIAS): alias.encode()}
    props = ks.get_key_item_properties(alias, options()).properties
    assert ParamSet.decode(d.key_properties).to_params() == props
    e = evidence(leaf)
    serial = token_serial(pkcs11_token)
    assert (e.token_label, e.token_serial, e.key_storage) == (pkcs11_token.label, serial, "token")
    assert e.token_manufacturer and e.token_model
    # The flags are those another process reads from the key's private object.
    proc = run_on_token(pkcs11_token, f"""
        [k] = session.get_objects({{Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: {alias!r}}})
        print(json.dumps([bool(k[a]) for a in (Attribute.LOCAL, Attribute.NEVER_EXTRACTABLE,
                          Attribute.ALWAYS_SENSITIVE, Attribute.SENSITIVE, Attribute.EXTRACTABLE)]))
    """)
    flags = [e.local, e.never_extractable, e.always_sensitive, e.sensitive, e.extractable]
    assert flags == json.loads(proc.stdout) == [True, True, True, True, False]
    # The identified CA names the token.
    names = {a.oid: a.value for a in ca.subject}
    assert names[NameOID.ORGANIZATIONAL_UNIT_NAME] == pkcs11_token.label
    assert names[NameOID.SERIAL_NUMBER] == serial
    ks.delete_key_item(alias, options())


def test_the_ca_key_lives_on_the_token_sensitive_and_its_certificate_beside_it(
    ks: Keystore, pkcs11_token: TokenInfo  # noqa: F811
) -> None:
    from hukspy_pkcs11.attest import CA_LABELS

    alias = unique_alias("att-ca")
    ks.generate_key_item(alias, options(*ECC))
    ca_der = {anon: chain_of(fn(alias, options()).cert_chains)[1].public_bytes(serialization.Encoding.DER)
              for anon, fn in ((False, ks.attest_key_item), (True, ks.anon_attest_key_item))}
    proc = run_on_token(pkcs11_token, f"""
        out = {{}}
        for anon, label in {{"0": {CA_LABELS[False]!r}, "1": {CA_LABELS[True]!r}}}.items():
            [k] = session.get_objects({{Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label}})
            try:
                k[Attribute.VALUE]
                readable = True
            except pkcs11.exceptions.AttributeSensitive:
                readable = False
            cls = ObjectClass.CERTIFICATE
            [c] = session.get_objects({{Attribute.CLASS: cls, Attribute.ID: k[Attribute.ID]}})
            out[anon] = dict(sensitive=k[Attribute.SENSITIVE], extractable=k[Attribute.EXTRACTABLE],
                             local=k[Attribute.LOCAL], readable=readable, token=k[Attribute.TOKEN],
                             cert=bytes(c[Attribute.VALUE]).hex())
        print(json.dumps(out))
    """)
    found = json.loads(proc.stdout)
    for anon in (False, True):
        row = found[str(int(anon))]
        assert row["sensitive"] is True and row["extractable"] is False and row["readable"] is False
        assert row["local"] is True and row["token"] is True
        assert bytes.fromhex(row["cert"]) == ca_der[anon]
    assert ca_der[False] != ca_der[True]
    # A second keystore (a second host on the same token) finds the same CAs.
    with Keystore(pkcs11_token.uri) as other:
        again = chain_of(other.attest_key_item(alias, options()).cert_chains)
        assert again[1].public_bytes(serialization.Encoding.DER) == ca_der[False]
    ks.delete_key_item(alias, options())


def test_anonymous_chain_carries_no_token_identity(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    alias = unique_alias("att-anon")
    ks.generate_key_item(alias, options(*ECC))
    challenge = os.urandom(16)
    certs = chain_of(ks.anon_attest_key_item(
        alias, options(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains)
    check_chain(certs, ks.export_key_item(alias, options()).out_data, A.HUKS_ALG_ECC)
    leaf, ca = certs
    d = parse_description(leaf.extensions.get_extension_for_oid(OID).value.value)  # type: ignore[attr-defined]
    assert d.anonymous is True and d.challenge == challenge and d.security_level == "pkcs11"
    e = evidence(leaf)
    assert e.token_label == e.token_serial == ""
    assert (e.local, e.never_extractable, e.sensitive, e.extractable) == (True, True, True, False)
    serial = token_serial(pkcs11_token)
    for cert in certs:
        text = cert.public_bytes(serialization.Encoding.DER)
        assert serial.encode() not in text  # (the label "hukspy" is also the O= of every CA: not checked)
    assert {a.oid for a in ca.subject} == {NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME}
    ks.delete_key_item(alias, options())


@pytest.mark.parametrize(("params", "alg"), [(RSA, A.HUKS_ALG_RSA), (ED25519, A.HUKS_ALG_ED25519)])
def test_rsa_and_ed25519_keys(ks: Keystore, params: tuple[object, ...], alg: int) -> None:
    alias = unique_alias("att-kind")
    ks.generate_key_item(alias, options(*params))  # type: ignore[arg-type]
    certs = chain_of(ks.attest_key_item(alias, options()).cert_chains)
    check_chain(certs, ks.export_key_item(alias, options()).out_data, alg)
    ks.delete_key_item(alias, options())


def test_an_imported_key_is_not_local(ks: Keystore) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    alias = unique_alias("att-imp")
    private = ec.generate_private_key(ec.SECP256R1())
    params = (*ECC, P(T.HUKS_TAG_IMPORT_KEY_TYPE, 2))  # HUKS_KEY_TYPE_KEY_PAIR
    ks.import_key_item(alias, options(*params, in_data=key_material(private)))
    certs = chain_of(ks.attest_key_item(alias, options()).cert_chains)
    check_chain(certs, ks.export_key_item(alias, options()).out_data, A.HUKS_ALG_ECC)
    e = evidence(certs[0])
    assert e.key_storage == "token"
    assert (e.local, e.never_extractable, e.always_sensitive) == (False, False, False)
    assert (e.sensitive, e.extractable) == (True, False)
    ks.delete_key_item(alias, options())


def test_a_sealed_key_says_so(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    with Keystore(pkcs11_token.uri + "&fallback=sealed") as ks:
        alias = unique_alias("att-sealed")
        ks.generate_key_item(alias, options(*X25519))
        assert ks.key_storage(alias, options()) == "pkcs11:sealed"
        certs = chain_of(ks.attest_key_item(alias, options()).cert_chains)
        check_chain(certs, ks.export_key_item(alias, options()).out_data, A.HUKS_ALG_X25519)
        d = parse_description(certs[0].extensions.get_extension_for_oid(OID).value.value)  # type: ignore[attr-defined]
        assert d.security_level == "pkcs11:sealed"
        e = evidence(certs[0])
        assert e.key_storage == "sealed" and e.local is False and e.never_extractable is False
        ks.delete_key_item(alias, options())


def test_a_deleted_key_is_12000011(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    alias = unique_alias("att-gone")
    ks.generate_key_item(alias, options(*ECC))
    run_on_token(pkcs11_token, f"""
        for o in session.get_objects({{Attribute.LABEL: {alias!r}}}):
            if o[Attribute.CLASS] in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
                o.destroy()
    """)
    with pytest.raises(HuksError) as info:
        ks.attest_key_item(alias, options())
    assert info.value.code == 12000011
    ks.delete_key_item(alias, options())


def test_a_ca_destroyed_by_another_process_is_made_again(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    from hukspy_pkcs11.attest import CA_LABELS

    alias = unique_alias("att-newca")
    ks.generate_key_item(alias, options(*ECC))
    before = chain_of(ks.attest_key_item(alias, options()).cert_chains)[1]
    run_on_token(pkcs11_token, f"""
        for o in session.get_objects({{Attribute.LABEL: {CA_LABELS[False]!r}}}):
            o.destroy()
    """)
    after = chain_of(ks.attest_key_item(alias, options()).cert_chains)
    check_chain(after, ks.export_key_item(alias, options()).out_data, A.HUKS_ALG_ECC)
    assert after[1].public_key() != before.public_key()
    ks.delete_key_item(alias, options())
