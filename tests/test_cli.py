"""The ``hukspy`` command line (python-api.md §7): in-process through ``main([...])`` and as real
``python -m hukspy`` subprocesses, on the software keystore in a temporary ``HUKSPY_HOME``."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import (
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    HuksTag,
    Keystore,
    cli,
)
from hukspy.cli import (
    CHUNK_SIZE,
    PROGRESS_MIN,
    TAG_ENUMS,
    Progress,
    enum_name,
    enum_names,
    main,
    parse_enum,
)

MIB = 1024 * 1024


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh software keystore for the test: its own HUKSPY_HOME, no HUKSPY_KEYSTORE."""
    path = tmp_path / "home"
    monkeypatch.setenv("HUKSPY_HOME", str(path))
    monkeypatch.delenv("HUKSPY_KEYSTORE", raising=False)
    yield path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, "--json", *argv)
    assert code == 0, err
    return json.loads(out)


def aliases(capsys: pytest.CaptureFixture[str]) -> list[str]:
    result = run_json(capsys, "list")
    assert isinstance(result, dict)
    found = result["aliases"]
    assert isinstance(found, list)
    return found


# ---------------------------------------------------------------------------------------- names


def test_enum_names_derive_from_the_enums() -> None:
    assert enum_names(HuksKeyAlg)["aes"] == HuksKeyAlg.HUKS_ALG_AES
    assert enum_names(HuksKeyAlg)["3des"] == HuksKeyAlg.HUKS_ALG_3DES
    assert enum_names(HuksCipherMode)["gcm"] == HuksCipherMode.HUKS_MODE_GCM
    assert enum_names(HuksKeyDigest)["sha256"] == HuksKeyDigest.HUKS_DIGEST_SHA256
    # a word that every member shares may be left out: HUKS_KEY_TYPE_KEY_PAIR is "pair" and "key_pair"
    assert parse_enum(HuksImportKeyType, "pair") == HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    assert parse_enum(HuksImportKeyType, "key_pair") == HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    assert parse_enum(HuksImportKeyType, "public") == HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY
    # unambiguous prefixes, dashes, case and numbers
    assert parse_enum(HuksKeyPadding, "pkcs1") == HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5
    assert parse_enum(HuksKeyPadding, "PKCS1-V1-5") == HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5
    assert parse_enum(HuksKeyAlg, "20") == HuksKeyAlg.HUKS_ALG_AES
    assert parse_enum(HuksKeyPurpose, "encrypt,decrypt", flags=True) == 3
    assert parse_enum(HuksKeyPurpose, "sign|verify", flags=True) == 12
    with pytest.raises(ValueError, match="ambiguous"):
        parse_enum(HuksKeyPadding, "pkcs")
    with pytest.raises(ValueError, match=r"unknown.*aes"):
        parse_enum(HuksKeyAlg, "blowfish")


_TAG_ENUM_CLASSES: list[type[IntEnum]] = sorted({e for e, _ in TAG_ENUMS.values()}, key=lambda e: e.__name__)


@pytest.mark.parametrize("enum_cls", _TAG_ENUM_CLASSES)
def test_every_enum_member_round_trips_through_its_name(enum_cls: type[IntEnum]) -> None:
    for member in enum_cls.__members__.values():
        name = enum_name(enum_cls, member)
        assert parse_enum(enum_cls, name) == member, name


# ---------------------------------------------------------------------------------------- key management


def test_generate_list_info_export_delete(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys,
        "generate",
        "ec1",
        "--alg",
        "ecc",
        "--size",
        "256",
        "--purpose",
        "sign,verify",
        "--digest",
        "sha256",
    )
    assert code == 0, err
    assert "ec1" in aliases(capsys)

    info = run_json(capsys, "info", "ec1")
    assert isinstance(info, dict)
    props = info["properties"]
    assert isinstance(props, dict)
    assert props["algorithm"] == "ecc"
    assert props["key_size"] == 256
    assert props["purpose"] == ["sign", "verify"]
    assert props["digest"] == "sha256"

    code, out, _ = run(capsys, "info", "ec1")
    assert code == 0
    assert any(line.split() == ["algorithm", "ecc"] for line in out.splitlines())

    der_file = tmp_path / "ec1.der"
    code, _, err = run(capsys, "export", "ec1", "--format", "der", "-o", str(der_file))
    assert code == 0, err
    public = serialization.load_der_public_key(der_file.read_bytes())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"

    code, out, _ = run(capsys, "export", "ec1", "--format", "pem")
    assert code == 0
    assert out.startswith("-----BEGIN PUBLIC KEY-----")
    assert (
        serialization.load_pem_public_key(out.encode()).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == der_file.read_bytes()
    )

    exported = run_json(capsys, "export", "ec1")
    assert isinstance(exported, dict)
    assert bytes.fromhex(str(exported["public_key"])) == der_file.read_bytes()

    code, _, err = run(capsys, "delete", "ec1")
    assert code == 0, err
    assert "ec1" not in aliases(capsys)
    code, _, err = run(capsys, "delete", "ec1")
    assert code == 1
    assert err.startswith("error 12000011: ")


def test_export_of_25519_keys_raw_and_pem(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for alg, purpose, cls in (
        ("x25519", "agree", x25519.X25519PublicKey),
        ("ed25519", "sign,verify", ed25519.Ed25519PublicKey),
    ):
        assert run(capsys, "generate", alg, "--alg", alg, "--size", "256", "--purpose", purpose)[0] == 0
        assert run(capsys, "export", alg, "--format", "raw", "-o", str(tmp_path / alg))[0] == 0
        raw = (tmp_path / alg).read_bytes()
        assert len(raw) == 32
        code, out, err = run(capsys, "export", alg, "--format", "pem")
        assert code == 0, err
        public = serialization.load_pem_public_key(out.encode())
        assert isinstance(public, cls)
        assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw
        assert run_json(capsys, "export", alg) == {"alias": alg, "format": "raw", "public_key": raw.hex()}


def test_storage_levels_are_separate(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
            "generate",
            "de-key",
            "--level",
            "de",
            "--alg",
            "aes",
            "--size",
            "128",
            "--purpose",
            "encrypt,decrypt",
        )[0]
        == 0
    )
    assert run_json(capsys, "list", "--level", "de") == {"level": "de", "aliases": ["de-key"]}
    assert aliases(capsys) == []
    assert run(capsys, "info", "de-key")[0] == 1
    assert run(capsys, "info", "--level", "de", "de-key")[0] == 0


def test_param_option_reaches_the_keystore(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = ("--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt")
    assert run(capsys, "generate", "k", *spec)[0] == 0
    code, _, err = run(capsys, "generate", "k", *spec, "--param", "key_override=false")
    assert code == 1
    assert err.startswith("error 12000017: ")
    # the same tag twice (--alg and --param algorithm=...) is a HUKS 401
    code, _, err = run(capsys, "generate", "k2", *spec, "--param", "algorithm=aes")
    assert code == 1
    assert err.startswith("error 401: ")


def test_import_raw_hmac_key_and_mac_matches_hmac(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = os.urandom(32)
    (tmp_path / "key.bin").write_bytes(key)
    code, _, err = run(
        capsys,
        "import",
        "mk",
        "--alg",
        "hmac",
        "--size",
        "256",
        "--purpose",
        "mac",
        "--digest",
        "sha256",
        str(tmp_path / "key.bin"),
    )
    assert code == 0, err
    data = os.urandom(200_000)  # more than one 64 KiB chunk
    (tmp_path / "data").write_bytes(data)
    result = run_json(capsys, "mac", "mk", "-i", str(tmp_path / "data"))
    assert isinstance(result, dict)
    assert result["mac"] == hmac.new(key, data, hashlib.sha256).hexdigest()
    code, _, _ = run(capsys, "mac", "mk", "-i", str(tmp_path / "data"), "-o", str(tmp_path / "mac"))
    assert code == 0
    assert (tmp_path / "mac").read_bytes() == hmac.new(key, data, hashlib.sha256).digest()


def test_import_pem_key_pair_infers_alg_and_size(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    private = ec.generate_private_key(ec.SECP384R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(pem)
    code, _, err = run(
        capsys, "import", "pem", "--type", "pair", "--purpose", "sign,verify", str(tmp_path / "key.pem")
    )
    assert code == 0, err
    info = run_json(capsys, "info", "pem")
    assert isinstance(info, dict) and isinstance(info["properties"], dict)
    assert info["properties"]["algorithm"] == "ecc"
    assert info["properties"]["key_size"] == 384
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert run(capsys, "export", "pem", "--format", "der", "-o", str(tmp_path / "pub.der"))[0] == 0
    assert (tmp_path / "pub.der").read_bytes() == spki
    # a signature made through the CLI verifies with the original key
    (tmp_path / "msg").write_bytes(b"message" * 1000)
    code, _, err = run(
        capsys, "sign", "pem", "--digest", "sha384", "-i", str(tmp_path / "msg"), "-o", str(tmp_path / "sig")
    )
    assert code == 0, err
    private.public_key().verify((tmp_path / "sig").read_bytes(), b"message" * 1000, ec.ECDSA(hashes.SHA384()))


def test_import_pem_public_and_der_private_without_type(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    signer = rsa.generate_private_key(65537, 2048)
    (tmp_path / "pub.pem").write_bytes(
        signer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code, _, err = run(capsys, "import", "rpub", "--purpose", "verify", str(tmp_path / "pub.pem"))
    assert code == 0, err
    info = run_json(capsys, "info", "rpub")
    assert isinstance(info, dict) and isinstance(info["properties"], dict)
    assert info["properties"]["key_size"] == 2048
    message = os.urandom(100_000)
    (tmp_path / "m").write_bytes(message)
    (tmp_path / "s").write_bytes(signer.sign(message, padding.PKCS1v15(), hashes.SHA256()))
    code, _, err = run(
        capsys,
        "verify",
        "rpub",
        "--padding",
        "pkcs1",
        "-i",
        str(tmp_path / "m"),
        "--signature",
        str(tmp_path / "s"),
    )
    assert code == 0, err

    ed = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "ed.der").write_bytes(
        ed.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    code, _, err = run(capsys, "import", "ed", "--purpose", "sign", str(tmp_path / "ed.der"))
    assert code == 0, err
    result = run_json(capsys, "sign", "ed", "-i", str(tmp_path / "m"))
    assert isinstance(result, dict)
    ed.public_key().verify(bytes.fromhex(str(result["signature"])), message)


# ---------------------------------------------------------------------------------------- streaming


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.bin"
    path.write_bytes(os.urandom(3 * MIB + 5))  # not a multiple of the block size
    return path


@pytest.mark.parametrize("mode", ["gcm", "cbc"])
def test_encrypt_decrypt_round_trip_3_mib(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, big_file: Path, mode: str
) -> None:
    assert (
        run(capsys, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt")[0] == 0
    )
    ct, back = tmp_path / "ct", tmp_path / "back"
    extra = ["--aad", "0011223344"] if mode == "gcm" else []
    code, _, err = run(capsys, "encrypt", "k", "--mode", mode, *extra, "-i", str(big_file), "-o", str(ct))
    assert code == 0, err
    n = big_file.stat().st_size
    if mode == "gcm":
        assert ct.stat().st_size == 12 + n + 16  # nonce ‖ ciphertext ‖ tag
    else:
        assert ct.stat().st_size == 16 + (n // 16 + 1) * 16  # iv ‖ PKCS7-padded ciphertext
    code, _, err = run(capsys, "decrypt", "k", "--mode", mode, *extra, "-i", str(ct), "-o", str(back))
    assert code == 0, err
    assert back.read_bytes() == big_file.read_bytes()


def test_gcm_file_format_is_ciphertext_tag_nonce(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = os.urandom(32)
    (tmp_path / "key").write_bytes(key)
    assert (
        run(
            capsys,
            "import",
            "k",
            "--alg",
            "aes",
            "--size",
            "256",
            "--purpose",
            "encrypt,decrypt",
            str(tmp_path / "key"),
        )[0]
        == 0
    )
    plain = os.urandom(150_000)
    (tmp_path / "p").write_bytes(plain)
    assert (
        run(
            capsys,
            "encrypt",
            "k",
            "--mode",
            "gcm",
            "--aad",
            "abcd",
            "-i",
            str(tmp_path / "p"),
            "-o",
            str(tmp_path / "c"),
        )[0]
        == 0
    )
    blob = (tmp_path / "c").read_bytes()
    # the Python API's layout, ciphertext ‖ tag ‖ nonce (issue 12: was nonce ‖ ciphertext ‖ tag)
    assert AESGCM(key).decrypt(blob[-12:], blob[:-12], bytes.fromhex("abcd")) == plain
    # and CBC: iv ‖ ciphertext, PKCS7
    assert (
        run(capsys, "encrypt", "k", "--mode", "cbc", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c2"))[0]
        == 0
    )
    blob = (tmp_path / "c2").read_bytes()
    dec = Cipher(algorithms.AES(key), modes.CBC(blob[:16])).decryptor()
    padded = dec.update(blob[16:]) + dec.finalize()
    assert padded[: -padded[-1]] == plain


def test_raw_gcm_with_huks_nonce(home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        run(capsys, "generate", "k", "--alg", "aes", "--size", "128", "--purpose", "encrypt,decrypt")[0] == 0
    )
    (tmp_path / "p").write_bytes(b"raw mode" * 5000)
    assert run(capsys, "encrypt", "k", "--raw", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c"))[0] == 0
    assert (tmp_path / "c").stat().st_size == 40000 + 16 + 12  # ciphertext ‖ tag ‖ HUKS's nonce
    assert run(capsys, "decrypt", "k", "--raw", "-i", str(tmp_path / "c"), "-o", str(tmp_path / "b"))[0] == 0
    assert (tmp_path / "b").read_bytes() == (tmp_path / "p").read_bytes()


def test_explicit_iv_and_nonce_framed_and_raw(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        run(capsys, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt")[0] == 0
    )
    plain = os.urandom(70_000)
    (tmp_path / "p").write_bytes(plain)
    iv, nonce = "00" * 16, "11" * 12
    for mode, flag, value, head in (
        ("cbc", "--iv", iv, 16),
        ("ctr", "--iv", iv, 16),
        ("gcm", "--nonce", nonce, 12),
    ):
        # framed: the given IV is the header, the nonce the trailer (GCM: ciphertext ‖ tag ‖ nonce);
        # decrypt reads it (and accepts the same value again)
        frame = slice(-head, None) if mode == "gcm" else slice(None, head)
        body = slice(None, -head) if mode == "gcm" else slice(head, None)
        assert (
            run(
                capsys,
                "encrypt",
                "k",
                "--mode",
                mode,
                flag,
                value,
                "-i",
                str(tmp_path / "p"),
                "-o",
                str(tmp_path / "c"),
            )[0]
            == 0
        )
        assert (tmp_path / "c").read_bytes()[frame] == bytes.fromhex(value)
        for extra in ([], [flag, value]):
            assert (
                run(
                    capsys,
                    "decrypt",
                    "k",
                    "--mode",
                    mode,
                    *extra,
                    "-i",
                    str(tmp_path / "c"),
                    "-o",
                    str(tmp_path / "b"),
                )[0]
                == 0
            )
            assert (tmp_path / "b").read_bytes() == plain
        code, _, err = run(
            capsys, "decrypt", "k", "--mode", mode, flag, "22" * head, "-i", str(tmp_path / "c")
        )
        assert code == 1 and err.startswith("error 401: "), err
        # raw: no header or trailer; decrypt needs the value again
        assert (
            run(
                capsys,
                "encrypt",
                "k",
                "--raw",
                "--mode",
                mode,
                flag,
                value,
                "-i",
                str(tmp_path / "p"),
                "-o",
                str(tmp_path / "r"),
            )[0]
            == 0
        )
        assert (tmp_path / "r").read_bytes() == (tmp_path / "c").read_bytes()[body]
        assert (
            run(
                capsys,
                "decrypt",
                "k",
                "--raw",
                "--mode",
                mode,
                flag,
                value,
                "-i",
                str(tmp_path / "r"),
                "-o",
                str(tmp_path / "b"),
            )[0]
            == 0
        )
        assert (tmp_path / "b").read_bytes() == plain
    # CBC raw without an IV: the keystore's own answer (12000002, missing IV)
    code, _, err = run(capsys, "encrypt", "k", "--raw", "--mode", "cbc", "-i", str(tmp_path / "p"))
    assert code == 1 and err.startswith("error 12000002: "), err


def test_tampered_gcm_fails_and_writes_no_output(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        run(capsys, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt")[0] == 0
    )
    (tmp_path / "p").write_bytes(os.urandom(100_000))
    assert run(capsys, "encrypt", "k", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c"))[0] == 0
    blob = bytearray((tmp_path / "c").read_bytes())
    blob[50_000] ^= 1
    (tmp_path / "c").write_bytes(bytes(blob))
    code, _, err = run(capsys, "decrypt", "k", "-i", str(tmp_path / "c"), "-o", str(tmp_path / "out"))
    assert code == 1
    assert err.startswith("error 12000006: ")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_sign_verify_and_a_failing_verify(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        run(capsys, "generate", "rsa", "--alg", "rsa", "--size", "2048", "--purpose", "sign,verify")[0] == 0
    )
    msg, sig = tmp_path / "msg", tmp_path / "sig"
    msg.write_bytes(os.urandom(300_000))
    code, _, err = run(capsys, "sign", "rsa", "-i", str(msg), "-o", str(sig))  # PSS, SHA-256 by default
    assert code == 0, err
    assert len(sig.read_bytes()) == 256
    code, _, err = run(capsys, "verify", "rsa", "-i", str(msg), "--signature", str(sig))
    assert code == 0, err
    assert run_json(capsys, "verify", "rsa", "-i", str(msg), "--signature", str(sig)) == {
        "alias": "rsa",
        "verified": True,
    }
    # a different digest, a changed message, a changed signature: 12000006
    msg.write_bytes(msg.read_bytes() + b"!")
    code, _, err = run(capsys, "verify", "rsa", "-i", str(msg), "--signature", str(sig))
    assert code == 1
    assert err.startswith("error 12000006: ")
    code, out, _ = run(capsys, "--json", "verify", "rsa", "-i", str(msg), "--signature", str(sig))
    assert code == 1
    assert json.loads(out)["error"]["code"] == 12000006


def test_signature_checks_out_with_pyca(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "generate", "e", "--alg", "ecc", "--size", "256", "--purpose", "sign,verify")[0] == 0
    assert run(capsys, "export", "e", "--format", "der", "-o", str(tmp_path / "pub"))[0] == 0
    public = serialization.load_der_public_key((tmp_path / "pub").read_bytes())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    (tmp_path / "m").write_bytes(b"x" * 70_000)
    result = run_json(capsys, "sign", "e", "-i", str(tmp_path / "m"))
    assert isinstance(result, dict)
    signature = bytes.fromhex(str(result["signature"]))
    public.verify(signature, b"x" * 70_000, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"y" * 70_000, ec.ECDSA(hashes.SHA256()))


# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak across fork+exec into
# ru_maxrss, so a child of a large pytest process would report pytest's own peak.
_PEAK_RSS = """
import runpy, sys
sys.argv = ["hukspy", *sys.argv[1:]]
try:
    runpy.run_module("hukspy", run_name="__main__")
finally:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    print("peak-kib", hwm, file=sys.stderr)
"""


def test_streaming_memory_stays_flat(home: Path, tmp_path: Path) -> None:
    """A 256 MiB file through encrypt and mac in a child process: its peak RSS stays far below the
    input size (the child reports its own peak)."""
    src = tmp_path / "big"
    with src.open("wb") as f:
        f.truncate(256 * MIB)  # sparse: zeros, no disk needed
    env = {**os.environ, "HUKSPY_HOME": str(home)}
    cli = [sys.executable, "-m", "hukspy"]
    subprocess.run(
        [*cli, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt"],
        env=env,
        check=True,
    )
    subprocess.run(
        [*cli, "generate", "h", "--alg", "hmac", "--size", "256", "--purpose", "mac", "--digest", "sha256"],
        env=env,
        check=True,
    )
    for argv in (["encrypt", "k", "-i", str(src)], ["mac", "h", "-i", str(src)]):
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        peak_kib = int(done.stderr.split("peak-kib")[1].split()[0])
        assert peak_kib < 128 * 1024, f"{argv[0]}: peak RSS {peak_kib} KiB for a 256 MiB input"


def test_chunks_are_64_kib(home: Path, tmp_path: Path) -> None:
    """The CLI feeds update_session in CHUNK_SIZE pieces (seen through a real Keystore subclass)."""
    sizes: list[int] = []

    class Recording(Keystore):
        def update_session(
            self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
        ) -> HuksReturnResult:
            sizes.append(len(options.in_data or b""))
            return super().update_session(handle, options, token)

    ks = Recording()
    try:
        assert (
            cli.main(["generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt"]) == 0
        )
        (tmp_path / "p").write_bytes(os.urandom(5 * CHUNK_SIZE + 7))
        args = cli.build_parser().parse_args(
            ["encrypt", "k", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c")]
        )
        cli.cmd_encrypt(ks, args)
    finally:
        ks.close()
    assert sizes == [CHUNK_SIZE] * 5 + [7]


def test_progress_bar_only_on_a_terminal_for_large_inputs() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = Progress(PROGRESS_MIN + 1, "encrypt", tty)
    bar.update(PROGRESS_MIN + 1)
    bar.close()
    assert "100%" in tty.getvalue() and "encrypt:" in tty.getvalue()

    small = Tty()
    bar = Progress(PROGRESS_MIN, "encrypt", small)
    bar.update(PROGRESS_MIN)
    bar.close()
    assert small.getvalue() == ""

    unknown = Tty()
    bar = Progress(None, "encrypt", unknown)
    bar.update(PROGRESS_MIN * 2)
    assert unknown.getvalue() == ""

    pipe = io.StringIO()
    bar = Progress(PROGRESS_MIN * 2, "encrypt", pipe)
    bar.update(PROGRESS_MIN * 2)
    bar.close()
    assert pipe.getvalue() == ""


# ---------------------------------------------------------------------------------------- errors


def test_missing_alias_is_12000011(home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "p").write_bytes(b"data")
    for argv in (
        ["info", "nope"],
        ["export", "nope"],
        ["delete", "nope"],
        ["encrypt", "nope", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c")],
        ["sign", "nope", "-i", str(tmp_path / "p")],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert err.startswith("error 12000011: "), (argv, err)
    code, out, err = run(capsys, "--json", "info", "nope")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == 12000011
    assert err.strip() == f"error 12000011: {error['message']}"


def test_usage_errors_exit_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys)[0] == 2
    code, _, err = run(capsys, "generate", "k", "--alg", "blowfish")
    assert code == 2
    assert "unknown KeyAlg 'blowfish'" in err
    assert run(capsys, "list", "--bogus")[0] == 2
    assert run(capsys, "encrypt", "k", "--iv", "zz")[0] == 2
    assert run(capsys, "--json", "encrypt", "k")[0] == 2  # --json needs -o for binary output
    assert run(capsys, "--help")[0] == 0


def test_huks_errors_from_the_keystore(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "generate", "k", "--alg", "aes", "--size", "256")  # no purpose
    assert code == 1
    assert err.startswith("error 12000002: ")
    code, _, err = run(capsys, "generate", "k", "--alg", "aes", "--size", "100", "--purpose", "encrypt")
    assert code == 1
    assert err.startswith("error 12000003: ")
    code, _, err = run(capsys, "encrypt", "k", "-i", str(tmp_path / "missing"))
    assert code == 1
    assert err.startswith("error 12000011: ")  # the key is looked up before the input is opened
    assert (
        run(capsys, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt")[0] == 0
    )
    code, _, err = run(capsys, "encrypt", "k", "-i", str(tmp_path / "missing"))
    assert code == 1
    assert err.startswith("error 12000004: ")
    code, _, err = run(capsys, "export", "k")  # a symmetric key has no public key
    assert code == 1
    assert err.startswith("error 12000003: ")
    code, _, err = run(capsys, "--keystore", "nosuch:", "list")
    assert code == 1
    assert err.startswith("error 401: ")


# ---------------------------------------------------------------------------------------- json, backends


def test_json_output_of_every_key_command(
    home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_json(
        capsys, "generate", "h", "--alg", "hmac", "--size", "256", "--purpose", "mac", "--digest", "sha512"
    ) == {"alias": "h", "generated": True}
    assert run_json(capsys, "list") == {"level": "ce", "aliases": ["h"]}
    (tmp_path / "p").write_bytes(b"abc")
    mac = run_json(capsys, "mac", "h", "-i", str(tmp_path / "p"))
    assert isinstance(mac, dict) and len(bytes.fromhex(str(mac["mac"]))) == 64
    assert run_json(capsys, "generate", "a", "--alg", "aes", "--size", "128", "--purpose", "encrypt,decrypt")
    enc = run_json(capsys, "encrypt", "a", "-i", str(tmp_path / "p"), "-o", str(tmp_path / "c"))
    assert enc == {"alias": "a", "bytes_in": 3, "bytes_out": 12 + 3 + 16, "output": str(tmp_path / "c")}
    dec = run_json(capsys, "decrypt", "a", "-i", str(tmp_path / "c"), "-o", str(tmp_path / "d"))
    assert isinstance(dec, dict) and dec["bytes_out"] == 3
    assert run_json(capsys, "delete", "h") == {"alias": "h", "deleted": True}


def test_backends_lists_software(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "backends")
    assert isinstance(result, dict)
    rows = result["backends"]
    assert isinstance(rows, list)
    by_name = {r["name"]: r for r in rows if isinstance(r, dict)}
    assert by_name["software"]["available"] is True
    for row in by_name.values():
        assert isinstance(row["available"], bool) and isinstance(row["reason"], str)
    code, out, _ = run(capsys, "backends")
    assert code == 0
    assert any(line.split()[:2] == ["software", "yes"] for line in out.splitlines())


def test_asset_command_is_wired(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import hukspy.asset.cli  # noqa: F401
    except ModuleNotFoundError:
        code, _, err = run(capsys, "asset", "add")
        assert code == 1
        assert err.startswith("error 801: ")
        return
    code, out, _ = run(capsys, "asset", "--help")
    assert code == 0
    assert "add" in out and "query" in out
    code, _, err = run(capsys, "asset", "query", "--alias", "nothing-here")
    assert code == 1
    assert "24000002" in err


# ---------------------------------------------------------------------------------------- subprocess


def test_python_m_hukspy_pipes(home: Path) -> None:
    """Real processes: stdin → encrypt → stdout → decrypt (a pipe, so GCM decrypt spools) → stdout."""
    env = {**os.environ, "HUKSPY_HOME": str(home)}
    env.pop("HUKSPY_KEYSTORE", None)
    cli = [sys.executable, "-m", "hukspy"]
    done = subprocess.run(
        [*cli, "generate", "p", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plain = os.urandom(1 * MIB + 3)
    enc = subprocess.run([*cli, "encrypt", "p"], env=env, input=plain, capture_output=True, check=False)
    assert enc.returncode == 0, enc.stderr
    assert len(enc.stdout) == 12 + len(plain) + 16
    dec = subprocess.Popen(
        [*cli, "decrypt", "p"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = dec.communicate(enc.stdout)
    assert dec.returncode == 0, err
    assert out == plain
    listed = subprocess.run([*cli, "--json", "list"], env=env, capture_output=True, text=True, check=False)
    assert json.loads(listed.stdout) == {"level": "ce", "aliases": ["p"]}
    missing = subprocess.run([*cli, "info", "q"], env=env, capture_output=True, text=True, check=False)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error 12000011: ")
    bad = subprocess.run([*cli, "frobnicate"], env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    # DH works without pyca's FFDH deprecation warnings reaching the user's terminal
    dh = subprocess.run(
        [*cli, "generate", "dh", "--alg", "dh", "--size", "2048", "--purpose", "agree"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert dh.returncode == 0, dh.stderr
    pem = subprocess.run(
        [*cli, "export", "dh", "--format", "pem"], env=env, capture_output=True, text=True, check=False
    )
    assert pem.returncode == 0, pem.stderr
    assert pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert "Warning" not in dh.stderr + pem.stderr


# ---------------------------------------------------------------------------------------- selftest


def test_selftest_passes_and_lists_every_declared_capability(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--json", "selftest")
    result = json.loads(out)
    rows = result["rows"]
    failed = [r["capability"] + ": " + r["detail"] for r in rows if not r["ok"]]
    assert code == 0, "\n".join(failed[:40])
    assert result["failed"] == 0 and result["passed"] == len(rows)
    caps = Keystore().capabilities()
    ops = {r["op"] for r in rows}
    assert {"generate", "encrypt/decrypt", "sign/verify", "mac", "agree", "derive", "delete"} <= ops
    generated = {(r["alg"], r["size"]) for r in rows if r["op"] == "generate"}
    assert generated == {(enum_name(HuksKeyAlg, k.alg), k.size) for k in caps.keys if k.generate}
    # every op capability appears at least once (by key algorithm and the op's parameters)
    seen = {(r["alg"], r["params"]) for r in rows}
    for cap in caps.ops:
        parts = [enum_name(HuksKeyAlg, cap.alg)] if cap.alg != cap.key_alg else []
        parts += [enum_name(HuksCipherMode, cap.mode)] if cap.mode is not None else []
        parts += [enum_name(HuksKeyPadding, cap.padding)] if cap.padding is not None else []
        parts += [enum_name(HuksKeyDigest, cap.digest)] if cap.digest is not None else []
        assert (enum_name(HuksKeyAlg, cap.key_alg), "/".join(parts)) in seen, cap
    # nothing is left behind
    assert aliases(capsys) == []
    # the text form: one table line per row, then the summary line
    cli.print_selftest(None, result)
    text = capsys.readouterr().out.rstrip().splitlines()
    assert text[-1] == f"{len(rows)} passed, 0 failed"
    assert len(text) == len(rows) + 4  # keystore line, header, rule, rows, summary


def test_printed_keystore_uris_hide_the_pin() -> None:
    """The selftest prints its keystore URI: a PKCS#11 ``pin-value`` must not reach the output."""
    from hukspy.cli.output import shown_uri

    uri = "pkcs11:token=t;pin-value=s3cret?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=4321"
    shown = shown_uri(uri)
    assert "s3cret" not in shown and "4321" not in shown
    assert shown == (
        "pkcs11:token=t;pin-value=<redacted>?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=<redacted>"
    )
    assert shown_uri("software:/tmp/ks") == "software:/tmp/ks"


# ------------------------------------------------------------------------------ issue 11, item 8


def _hukspy(home: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUKSPY_HOME": str(home)}
    env.pop("HUKSPY_KEYSTORE", None)
    return subprocess.run([sys.executable, "-m", "hukspy", *argv], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_item8_backup_and_restore_end_to_end(tmp_path: Path) -> None:
    """``hukspy backup DEST`` while another process has uncheckpointed writes in the WAL, then ``hukspy
    restore DEST`` into a fresh HUKSPY_HOME: the keys (including the one only in the WAL) and the ASSET
    secret work there. The backup is 0600 files in 0700 directories with no WAL, says loudly that it is
    key material, refuses a non-empty DEST; restore refuses a non-empty home unless --force and refuses
    a backup that differs from its manifest."""
    home, dest = tmp_path / "home", tmp_path / "backup"
    _ok(_hukspy(home, "generate", "k", "--alg", "aes", "--size", "256", "--purpose", "encrypt,decrypt",
                "--mode", "gcm", "--padding", "none"))
    _ok(_hukspy(home, "encrypt", "k", "-o", str(tmp_path / "ct"), stdin="payload"))
    _ok(_hukspy(home, "asset", "add", "--alias", "pw", "--secret-file", "-", stdin="s3cret"))
    hmac_key = [HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
                HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256),
                HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
                HuksParam(HuksTag.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)]
    with Keystore(home=str(home)) as live:  # open in this process: its write stays in the WAL
        live.generate_key_item("in-wal", HuksOptions(hmac_key))
        assert (home / "software" / "keys.db-wal").stat().st_size > 0
        made = _hukspy(home, "--json", "backup", str(dest))
        assert made.returncode == 0, made.stderr
    assert "IS key material" in made.stderr and "master.key" in made.stderr
    listed = json.loads(made.stdout)["files"]
    assert {"software/keys.db", "software/master.key"} <= set(listed)
    assert any(f.startswith("asset/") and f.endswith(".db") for f in listed)
    assert "IS key material" in (dest / "KEY-MATERIAL-WARNING.txt").read_text()
    for p in [dest, *dest.rglob("*")]:
        assert not p.name.endswith(("-wal", "-shm", "-journal"))
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    again = _hukspy(home, "backup", str(dest))
    assert again.returncode == 1 and "error 12000004" in again.stderr and "not empty" in again.stderr

    fresh = tmp_path / "fresh-home"
    _ok(_hukspy(fresh, "restore", str(dest)))
    assert _ok(_hukspy(fresh, "decrypt", "k", "-i", str(tmp_path / "ct"))) == "payload"
    assert "in-wal" in _ok(_hukspy(fresh, "list"))
    assert _ok(_hukspy(fresh, "asset", "query", "--alias", "pw", "--secret")) == "s3cret"
    refused = _hukspy(fresh, "restore", str(dest))
    assert refused.returncode == 1 and "error 12000004" in refused.stderr and "--force" in refused.stderr
    _ok(_hukspy(fresh, "restore", "--force", str(dest)))
    assert _ok(_hukspy(fresh, "decrypt", "k", "-i", str(tmp_path / "ct"))) == "payload"

    keys_db = dest / "software" / "keys.db"
    keys_db.write_bytes(keys_db.read_bytes()[:-1] + b"\x01")
    other = tmp_path / "other-home"
    bad = _hukspy(other, "restore", str(dest))
    assert bad.returncode == 1 and "differs from the manifest" in bad.stderr
    assert not other.exists() or not any(p.is_file() for p in other.rglob("*"))
