"""``hukspy csr`` and ``hukspy cert`` (issue 16 item 4; hukspy/cli/certs.py): for each key type and every
backend that declares it, the request and the self-signed certificate the command writes are checked by
a real ``openssl`` process and by pyca; a malformed ``--subject``, ``--san`` or ``--days`` is an
``error 401`` line and a non-zero exit.

The keystore each test generates its key in is closed before the command runs: the command opens its
own, as it would in a shell (a plain swtpm serves one client at a time).
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID

from hukspy import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.cli import main
from hukspy.params import HuksParam
from hukspy.spec import KeySpec, OpKind, OpSpec
from hukspy.testing import P, ensure_generated, open_keystore

A, D, PAD, T = HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksTag
SIGN = HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN | HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY
SUBJECT = "CN=hukspy cli test,O=Example"


@dataclass(frozen=True)
class KeyType:
    label: str
    alg: int
    size: int

    def op(self) -> OpSpec:
        """The signature session the command runs: PKCS#1 v1.5/SHA-256 (RSA), ECDSA-SHA256, Ed25519."""
        rsa = self.alg == A.HUKS_ALG_RSA
        digest = None if self.alg == A.HUKS_ALG_ED25519 else D.HUKS_DIGEST_SHA256
        return OpSpec(OpKind.SIGN, alg=self.alg, padding=PAD.HUKS_PADDING_PKCS1_V1_5 if rsa else None,
                      digest=digest)


KEY_TYPES = [
    KeyType("RSA-2048", A.HUKS_ALG_RSA, 2048),
    KeyType("EC-P256", A.HUKS_ALG_ECC, 256),
    KeyType("Ed25519", A.HUKS_ALG_ED25519, 256),
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real ``openssl``. Its exit status is the verdict of ``verify``; ``req -verify`` exits 0 either
    way (OpenSSL 3.0) and only says "verify OK" or "verify failure"."""
    argv = ["openssl", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def signing_key(uri: str, kt: KeyType, *extra: HuksParam) -> tuple[str, PublicKeyTypes]:
    """(alias, pyca public key) of a signing key of type ``kt`` in the keystore at ``uri``, which is
    closed again; skips when the backend does not declare that key and its signature."""
    with open_keystore(uri) as ks:
        caps = ks.capabilities()
        if caps.key(kt.alg, kt.size) is None or not caps.supports_op(KeySpec(kt.alg, kt.size, SIGN), kt.op()):
            pytest.skip(f"the {ks.backend_name} keystore does not declare {kt.label} signatures")
        alias = ensure_generated(ks, kt.alg, kt.size, SIGN, extra)
        return alias, ks.public_key(alias)


def tampered(path: Path, tmp_path: Path) -> Path:
    """A copy of the PEM object at ``path`` with the last byte of its signature changed."""
    data = path.read_bytes()
    obj: x509.Certificate | x509.CertificateSigningRequest
    if b"CERTIFICATE REQUEST" in data:
        obj = x509.load_pem_x509_csr(data)
    else:
        obj = x509.load_pem_x509_certificate(data)
    der = obj.public_bytes(serialization.Encoding.DER)
    bad = tmp_path / f"bad-{path.name}"
    body = base64.encodebytes(der[:-1] + bytes([der[-1] ^ 1])).decode()
    label = "CERTIFICATE REQUEST" if isinstance(obj, x509.CertificateSigningRequest) else "CERTIFICATE"
    bad.write_text(f"-----BEGIN {label}-----\n{body}-----END {label}-----\n")
    return bad


@pytest.mark.parametrize("kt", KEY_TYPES, ids=lambda kt: kt.label)
def test_csr_and_certificate_verify_with_openssl_and_pyca(
    keystore_uri: str, kt: KeyType, tmp_path: Path, capsys: pytest.CaptureFixture[str], openssl_cli: str
) -> None:
    alias, public = signing_key(keystore_uri, kt)
    ks = ("--keystore", keystore_uri)

    req = tmp_path / "req.pem"
    code, _, err = run(capsys, *ks, "csr", alias, "--subject", SUBJECT, "--san", "DNS:hukspy.example",
                       "--san", "IP:192.0.2.7", "-o", str(req))
    assert code == 0, err
    checked = openssl("req", "-verify", "-noout", "-in", req)
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked.stderr
    forged = openssl("req", "-verify", "-noout", "-in", tampered(req, tmp_path))
    assert "verify OK" not in forged.stdout + forged.stderr and "verify failure" in forged.stderr
    csr = x509.load_pem_x509_csr(req.read_bytes())
    assert csr.is_signature_valid
    assert csr.public_key() == public
    assert csr.subject.rfc4514_string() == SUBJECT
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["hukspy.example"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]

    cert_path = tmp_path / "cert.pem"
    code, _, err = run(capsys, *ks, "cert", alias, "--subject", SUBJECT, "--days", "30", "-o", str(cert_path))
    assert code == 0, err
    checked = openssl("verify", "-CAfile", cert_path, cert_path)
    assert checked.returncode == 0 and f"{cert_path}: OK" in checked.stdout, checked.stdout + checked.stderr
    # A trust anchor's own signature is checked only with -check_ss_sig: without it, openssl accepts a
    # self-signed certificate whose signature is wrong (the tampered copy below).
    checked = openssl("verify", "-check_ss_sig", "-CAfile", cert_path, cert_path)
    assert checked.returncode == 0 and f"{cert_path}: OK" in checked.stdout, checked.stdout + checked.stderr
    bad = tampered(cert_path, tmp_path)
    assert openssl("verify", "-check_ss_sig", "-CAfile", bad, bad).returncode != 0
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    cert.verify_directly_issued_by(cert)  # raises InvalidSignature for a bad signature
    assert cert.public_key() == public
    assert cert.subject == cert.issuer and cert.subject.rfc4514_string() == SUBJECT
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=30)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_json_der_and_the_keys_own_digest_and_padding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], openssl_cli: str
) -> None:
    uri = f"software:{tmp_path / 'ks'}"
    # an RSA key whose PADDING is PSS signs with PSS; an EC key whose DIGEST is SHA-384 signs with it
    pss, pss_public = signing_key(uri, KEY_TYPES[0], P(T.HUKS_TAG_PADDING, PAD.HUKS_PADDING_PSS),
                                  P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256))
    path = tmp_path / "pss.pem"
    code, out, err = run(capsys, "--keystore", uri, "--json", "cert", pss, "--subject", "CN=pss",
                         "--days", "1", "-o", str(path))
    assert code == 0, err
    result = json.loads(out)
    assert result["alias"] == pss and result["subject"] == "CN=pss"
    assert result["certificate"].encode() == path.read_bytes()  # --json with -o: both
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    assert isinstance(cert.signature_algorithm_parameters, padding.PSS)
    checked = openssl("verify", "-check_ss_sig", "-CAfile", path, path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert cert.public_key() == pss_public

    ec384, _ = signing_key(uri, KEY_TYPES[1], P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA384))
    der = tmp_path / "req.der"
    code, _, err = run(capsys, "--keystore", uri, "csr", ec384, "--subject", "CN=ec", "--format", "der",
                       "-o", str(der))
    assert code == 0, err
    csr = x509.load_der_x509_csr(der.read_bytes())
    assert csr.is_signature_valid and isinstance(csr.signature_hash_algorithm, hashes.SHA384)
    checked = openssl("req", "-verify", "-noout", "-inform", "DER", "-in", der)
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr, checked.stderr
    # a digest other than the key's is the key's 401
    code, _, err = run(capsys, "--keystore", uri, "csr", ec384, "--subject", "CN=ec", "--digest", "sha256",
                       "-o", str(tmp_path / "x.pem"))
    assert code == 1 and err.startswith("error 401: ")
    # without -o and --json, the PEM goes to stdout
    code, out, err = run(capsys, "--keystore", uri, "csr", ec384, "--subject", "CN=ec")
    assert code == 0 and out.startswith("-----BEGIN CERTIFICATE REQUEST-----\n"), err


BAD = [
    ("csr", "--subject", "not a name"),
    ("csr", "--subject", ""),
    ("csr", "--subject", "CN=x", "--san", "FTP:x"),
    ("csr", "--subject", "CN=x", "--san", "DNS:"),
    ("csr", "--subject", "CN=x", "--san", "IP:999.1.1.1"),
    ("cert", "--subject", "CN=x", "--days", "0"),
    ("cert", "--subject", "CN=x", "--days", "-5"),
    ("cert", "--subject", "CN=x", "--days", "ten"),
    ("cert", "--subject", "CN=x", "--days", "99999999"),
    ("cert", "--subject", "x=y=z", "--days", "1"),
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a[1:]) for a in BAD])
def test_bad_subject_san_or_days_is_a_401_error_line(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"software:{tmp_path / 'ks'}"
    alias, _ = signing_key(uri, KEY_TYPES[1])
    out_file = tmp_path / "out.pem"
    command, *rest = argv
    code, out, err = run(capsys, "--keystore", uri, command, alias, *rest, "-o", str(out_file))
    assert code == 1
    assert err.startswith("error 401: ") and err.count("\n") == 1, err
    assert not out and not out_file.exists()
    code, out, err = run(capsys, "--keystore", uri, "--json", command, alias, *rest)
    assert code == 1
    assert json.loads(out)["error"]["code"] == 401


def test_keys_that_cannot_sign_a_certificate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"software:{tmp_path / 'ks'}"
    with open_keystore(uri) as ks:
        aes = ensure_generated(ks, A.HUKS_ALG_AES, 256, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)
    code, _, err = run(capsys, "--keystore", uri, "csr", aes, "--subject", "CN=x")
    assert code == 1 and err.startswith("error 12000003: "), err
    code, _, err = run(capsys, "--keystore", uri, "cert", "missing", "--subject", "CN=x", "--days", "1")
    assert code == 1 and err.startswith("error 12000011: "), err
    code, _, err = run(capsys, "--keystore", uri, "csr", "missing", "--subject", "CN=x", "--format", "der",
                       "-o", str(tmp_path / "r.pem"))
    assert code == 2 and ".pem path" in err  # a .pem path holds PEM: a usage error


def test_the_name_reads_back_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"software:{tmp_path / 'ks'}"
    alias, _ = signing_key(uri, KEY_TYPES[2])
    code, out, err = run(capsys, "--keystore", uri, "csr", alias,
                         "--subject", r"CN=a\, b,OU=unit,O=Org,C=DE", "--san", "email:a@example.org",
                         "--san", "URI:https://example.org/")
    assert code == 0, err
    csr = x509.load_pem_x509_csr(out.encode())
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "a, b"
    assert csr.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "DE"
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["a@example.org"]
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["https://example.org/"]
