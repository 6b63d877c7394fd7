"""The pieces attestation is built from since issue 16 item 3 (docs/attestation.md, "How the certificates
are made"): ``hukspy.backend.signer.DeviceEcKey``, the key object the token and TPM CAs sign with, and
the asn1crypto encoding of the key description with its strict decoder. The chains themselves are
checked by tests/test_attest.py and tests/backends/ on every backend."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import NameOID

from hukspy.attestation import encode_description, parse_description
from hukspy.backend import UnsupportedError
from hukspy.backend.signer import DeviceEcKey
from hukspy.spec import AttestIds


def _device() -> tuple[DeviceEcKey, list[tuple[bytes, str]]]:
    """A DeviceEcKey whose "device" is a pyca key here, and the (data, hash name) it was asked to sign."""
    inner = ec.generate_private_key(ec.SECP256R1())
    calls: list[tuple[bytes, str]] = []

    def sign_with(data: bytes, algorithm: hashes.HashAlgorithm) -> tuple[int, int]:
        calls.append((data, algorithm.name))
        return decode_dss_signature(inner.sign(data, ec.ECDSA(algorithm)))

    return DeviceEcKey(inner.public_key(), sign_with, "the test device"), calls


def test_a_certificate_builder_signs_through_the_device() -> None:
    key, calls = _device()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert.verify_directly_issued_by(cert)
    assert calls == [(cert.tbs_certificate_bytes, "sha256")]  # one call, over the TBSCertificate
    assert key.curve.name == "secp256r1" and key.key_size == 256
    assert copy.deepcopy(key) is key and "test device" in repr(key)


def test_the_device_key_does_only_ecdsa_over_a_hash_and_never_gives_its_material() -> None:
    key, calls = _device()
    refused: list[Callable[[], object]] = [
        lambda: key.sign(b"\0" * 32, ec.ECDSA(Prehashed(hashes.SHA256()))),
        lambda: key.sign(b"m", ec.ECDSA(hashes.SHA256(), deterministic_signing=True)),
        lambda: key.exchange(ec.ECDH(), ec.generate_private_key(ec.SECP256R1()).public_key()),
        lambda: key.private_numbers(),
        lambda: key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
    ]
    for call in refused:
        with pytest.raises(UnsupportedError):
            call()
    assert calls == []


GOOD = encode_description(
    AttestIds(challenge=b"c", properties=b"p", ids={0x500001F6: b"app", 0x500001FF: b"alias"}), "pkcs11", True
)


def test_the_description_round_trips() -> None:
    d = parse_description(GOOD)
    assert (d.version, d.security_level, d.anonymous, d.challenge, d.key_properties) == (
        1, "pkcs11", True, b"c", b"p")
    assert d.ids == {0x500001F6: b"app", 0x500001FF: b"alias"}

_ID5, _ID7 = b"\x30\x06\x02\x01\x05\x04\x01a", b"\x30\x06\x02\x01\x07\x04\x01b"
SORTED = encode_description(AttestIds(ids={7: b"b", 5: b"a"}), "x", False)
SWAPPED = SORTED.replace(_ID5 + _ID7, _ID7 + _ID5)
assert _ID5 + _ID7 in SORTED and SWAPPED != SORTED


@pytest.mark.parametrize(
    "der",
    [
        GOOD + b"\0",  # trailing bytes
        GOOD.replace(b"\x01\x01\xff", b"\x01\x01\x01"),  # a BOOLEAN that is not 0xFF
        b"\x30\x81" + GOOD[1:],  # a non-minimal length
        GOOD.replace(b"\x02\x01\x01", b"\x02\x02\x00\x01", 1),  # a non-minimal INTEGER
        GOOD.replace(b"\x02\x01\x01", b"\x02\x01\xff", 1),  # version -1
        SWAPPED,  # the ids out of order
        b"",
        b"\x04\x00",
    ],
    ids=["trailing", "boolean", "length", "integer", "negative", "order", "empty", "not-a-sequence"],
)
def test_anything_but_the_der_of_the_structure_is_refused(der: bytes) -> None:
    assert der != GOOD
    with pytest.raises(ValueError):
        parse_description(der)
