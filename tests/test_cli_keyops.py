"""``hukspy.cli.keyops`` (agree, derive, import-wrapped, wrap, unwrap, attest) through ``main(argv)``, and
the selftest rows of ``hukspy.selftest.keyops``; results are compared with pyca computations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hukspy import HuksKeyAlg, HuksKeyFlag, HuksOptions, HuksParam, HuksTag, Keystore, cli, wrapped
from hukspy.cli import main
from hukspy.cli.keyops import COMMANDS
from hukspy.selftest.keyops import ALIAS_PREFIX, keyop_rows
from hukspy.testing import open_keystore


def _hukspy(uri: str, *argv: str) -> int:
    """The main command (generate, export, ...), in-process."""
    return cli.main(["--keystore", uri, *argv])


def _keyops(uri: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["--keystore", uri, "--json", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"software:{tmp_path / 'ks'}"


def test_agree_and_store(uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _hukspy(uri, "generate", "a", "--alg", "x25519", "--size", "256", "--purpose", "agree") == 0
    assert _hukspy(uri, "export", "a", "--format", "raw", "-o", str(tmp_path / "a.pub")) == 0
    peer = x25519.X25519PrivateKey.generate()
    (tmp_path / "peer.pem").write_bytes(peer.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    want = peer.exchange(x25519.X25519PublicKey.from_public_bytes((tmp_path / "a.pub").read_bytes()))
    code, out = _keyops(uri, capsys, "agree", "a", str(tmp_path / "peer.pem"))
    assert code == 0 and out["secret"] == want.hex()
    code, out = _keyops(uri, capsys, "agree", "a", str(tmp_path / "peer.pem"), "--store", "agreed")
    assert code == 0 and out["stored"] == "agreed"
    with open_keystore(uri) as ks:
        props = {p.tag: p.value for p in ks.get_key_item_properties("agreed", HuksOptions()).properties or []}
    assert props[HuksTag.HUKS_TAG_KEY_FLAG] == HuksKeyFlag.HUKS_KEY_FLAG_AGREE_KEY
    assert props[HuksTag.HUKS_TAG_KEY_SIZE] == 256
    assert props[HuksTag.HUKS_TAG_ALGORITHM] == HuksKeyAlg.HUKS_ALG_AES


def test_derive(uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ikm = bytes(range(32))
    (tmp_path / "ikm").write_bytes(ikm)
    assert _hukspy(uri, "import", "d", "--alg", "aes", "--size", "256", "--purpose", "derive",
                   "--digest", "sha256", str(tmp_path / "ikm")) == 0
    code, out = _keyops(uri, capsys, "derive", "d", "--kdf", "hkdf", "--length", "20", "--salt", "0011",
                        "--info", "6869")
    assert code == 0
    assert out["derived"] == HKDF(hashes.SHA256(), 20, bytes.fromhex("0011"), b"hi").derive(ikm).hex()
    assert main(["--keystore", uri, "derive", "d", "--kdf", "pbkdf2", "--length", "16",
                 "--iterations", "1000",
                 "--salt", "00" * 16, "-o", str(tmp_path / "out.bin")]) == 0
    assert (tmp_path / "out.bin").read_bytes() == hashlib.pbkdf2_hmac("sha256", ikm, bytes(16), 1000, 16)


def test_import_wrapped_wrap_unwrap(uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _hukspy(uri, "generate", "w", "--alg", "ecc", "--size", "256", "--purpose", "unwrap") == 0
    assert _hukspy(uri, "export", "w", "--format", "der", "-o", str(tmp_path / "w.pub")) == 0
    secret = bytes(range(32))
    in_data = wrapped.build_wrapped_key(2, (tmp_path / "w.pub").read_bytes(), secret)
    (tmp_path / "wrapped").write_bytes(in_data)
    code, out = _keyops(uri, capsys, "import-wrapped", "k", "w", str(tmp_path / "wrapped"), "--suite", "ecdh",
                        "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt",
                        "--param", "is_allowed_wrap=true")
    assert code == 0 and out["imported"] is True
    assert main(["--keystore", uri, "wrap", "k", "-o", str(tmp_path / "blob")]) == 0
    assert secret not in (tmp_path / "blob").read_bytes()
    assert main(["--keystore", uri, "unwrap", "k2", str(tmp_path / "blob")]) == 0
    with open_keystore(uri) as ks:
        t = HuksTag
        h = ks.init_session("k2", HuksOptions([
            HuksParam(t.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), HuksParam(t.HUKS_TAG_PURPOSE, 1),
            HuksParam(t.HUKS_TAG_KEY_SIZE, 256), HuksParam(t.HUKS_TAG_PADDING, 0),
            HuksParam(t.HUKS_TAG_BLOCK_MODE, 32), HuksParam(t.HUKS_TAG_NONCE, bytes(12))]))
        ct = ks.finish_session(h, HuksOptions(in_data=b"z")).out_data
    assert AESGCM(secret).decrypt(bytes(12), ct, None) == b"z"
    # a tampered blob: exit 1, error 12000006
    blob = (tmp_path / "blob").read_bytes()
    (tmp_path / "bad").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    code, out = _keyops(uri, capsys, "unwrap", "k3", str(tmp_path / "bad"))
    assert code == 1 and out["error"]["code"] == 12000006  # type: ignore[index]


def test_attest(uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _hukspy(uri, "generate", "e", "--alg", "ed25519", "--size", "256", "--purpose", "sign,verify") == 0
    assert main(["--keystore", uri, "attest", "e", "--challenge", "c0ffee", "--id", "alias=6b6579",
                 "-o", str(tmp_path / "chain.pem")]) == 0
    chain = x509.load_pem_x509_certificates((tmp_path / "chain.pem").read_bytes())
    assert len(chain) == 3
    chain[0].verify_directly_issued_by(chain[1])
    code, out = _keyops(uri, capsys, "attest", "e", "--anon", "--challenge", "c0ffee", "--id", "alias=6b6579")
    assert code == 0 and out["anonymous"] is True
    assert out["description"] == {"version": 1, "security_level": "software", "anonymous": True,
                                  "challenge": "c0ffee", "ids": {"attestation_id_alias": "6b6579"}}
    assert main(["--keystore", uri, "attest", "missing"]) == 1
    assert main(["--keystore", uri, "attest", "e", "--id", "nonsense"]) == 2


def test_commands_listed() -> None:
    assert sorted(COMMANDS) == ["agree", "attest", "derive", "import-wrapped", "unwrap", "wrap"]


def test_selftest_rows(software_keystore: Keystore) -> None:
    rows = keyop_rows(software_keystore)
    failed = [(r.capability, r.detail) for r in rows if not r.ok]
    assert not failed
    ops = {r.op for r in rows}
    assert {"agree+store", "derive", "import-wrapped", "wrap/unwrap", "attest", "anon-attest"} <= ops
    aliases = software_keystore.list_aliases(HuksOptions()).key_aliases
    assert not [a for a in aliases if a.startswith(ALIAS_PREFIX)]
