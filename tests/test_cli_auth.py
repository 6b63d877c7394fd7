"""``--pin-prompt`` on the key commands (issue 13 item 9; docs/userauth.md "Command line"): the session
of a user-auth key is authenticated with a PIN read by ``getpass``. ``getpass.getpass`` is replaced by
a function that answers the prompt (the terminal is the one thing a test cannot type into); the keystore,
the PIN check and the token are real."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hukspy import HuksAuthAccessType, HuksChallengeType, HuksKeyAlg, HuksKeyPurpose, HuksTag, Keystore
from hukspy.cli import main
from hukspy.testing.support import options, param

PIN = "975310"
KEY = bytes(range(32))
CLEAR_PASSWORD = HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("HUKSPY_HOME", str(path))
    monkeypatch.delenv("HUKSPY_KEYSTORE", raising=False)
    with Keystore("software:") as ks:
        ks.user_auth.enroll_pin(PIN.encode())
        ks.import_key_item("authmac", options(
            param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
            param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
            param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
            param(HuksTag.HUKS_TAG_DIGEST, 12),
            param(HuksTag.HUKS_TAG_USER_AUTH_TYPE, 4),
            param(HuksTag.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, CLEAR_PASSWORD),
            param(HuksTag.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL),
            in_data=KEY,
        ))
    yield path


def _mac(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    data = tmp_path / "data"
    data.write_bytes(b"hello")
    code = main(["--json", "mac", "authmac", "-i", str(data), "--format", "hex", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_pin_prompt_authenticates_the_session(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or PIN)
    code, out, err = _mac(capsys, tmp_path, "--pin-prompt")
    assert code == 0, err
    assert json.loads(out)["mac"] == hmac.new(KEY, b"hello", hashlib.sha256).hexdigest()
    assert prompts == ["PIN: "]
    assert PIN not in out + err


def test_without_pin_prompt_the_token_is_missing_401(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _mac(capsys, tmp_path)
    assert code != 0 and "401" in err


def test_wrong_pin_is_12500001(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "000000")
    code, out, err = _mac(capsys, tmp_path, "--pin-prompt")
    assert code != 0 and "12500001" in out + err
    assert "000000" not in out + err
