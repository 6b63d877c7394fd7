"""``hukspy pin set|change|remove|status``, ``hukspy lock|unlock`` (docs/userauth.md, "Command line"):
PINs come from getpass or ``--pin-stdin``, never from an argument, and never appear in any output."""

from __future__ import annotations

import getpass
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hukspy.cli import main

PIN = "902113"
NEW = "557731"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("HUKSPY_HOME", str(path))
    monkeypatch.delenv("HUKSPY_KEYSTORE", raising=False)
    yield path


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str
         ) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert PIN not in out + err and NEW not in out + err
    return code, out, err


def _status(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    code, out, _ = _run(capsys, monkeypatch, "", "--json", "pin", "status")
    assert code == 0
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_pin_lifecycle_with_pin_stdin(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _status(capsys, monkeypatch)["pin_set"] is False
    code, out, _ = _run(capsys, monkeypatch, f"{PIN}\n", "pin", "set", "--pin-stdin", "--json")
    assert code == 0 and json.loads(out)["pin_set"] is True
    assert _run(capsys, monkeypatch, "", "lock")[0] == 0
    assert _status(capsys, monkeypatch)["locked"] is True
    code, out, err = _run(capsys, monkeypatch, "000000\n", "--json", "unlock", "--pin-stdin")
    assert code == 1 and json.loads(out)["error"]["code"] == 12500001
    assert "error 12500001: Authentication failed: wrong PIN; 4 attempts left" in err
    assert _run(capsys, monkeypatch, f"{PIN}\n", "unlock", "--pin-stdin")[0] == 0
    assert _status(capsys, monkeypatch)["locked"] is False
    assert _run(capsys, monkeypatch, f"{PIN}\n{NEW}\n", "pin", "change", "--pin-stdin")[0] == 0
    code, _, err = _run(capsys, monkeypatch, f"{PIN}\n", "pin", "remove", "--pin-stdin")
    assert code == 1 and "12500001" in err
    assert _run(capsys, monkeypatch, f"{NEW}\n", "pin", "remove", "--pin-stdin")[0] == 0
    assert _status(capsys, monkeypatch)["pin_set"] is False
    code, _, err = _run(capsys, monkeypatch, f"{PIN}\n", "unlock", "--pin-stdin")
    assert code == 1 and "error 12500010" in err
    code, _, _ = _run(capsys, monkeypatch, "", "unlock", "--pin-stdin")  # no line: usage error
    assert code == 2


def test_pin_set_prompts_twice_with_getpass(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PIN, "something else"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    code, _, err = _run(capsys, monkeypatch, "", "pin", "set")
    assert code == 2 and "differ" in err and prompts == ["New PIN: ", "Repeat new PIN: "]
    assert _status(capsys, monkeypatch)["pin_set"] is False
    answers = iter([PIN, PIN])
    assert _run(capsys, monkeypatch, "", "pin", "set")[0] == 0
    assert _status(capsys, monkeypatch)["pin_set"] is True


def test_the_console_script_never_prints_the_pin(home: Path) -> None:
    env = dict(os.environ, HUKSPY_HOME=str(home))
    cmd = [sys.executable, "-m", "hukspy", "--json"]
    for argv, stdin, expect in (
        (["pin", "set", "--pin-stdin"], f"{PIN}\n", 0),
        (["unlock", "--pin-stdin"], f"{NEW}\n", 1),
        (["pin", "status"], "", 0),
    ):
        proc = subprocess.run(
            [*cmd, *argv], input=stdin, capture_output=True, text=True, env=env, check=False
        )
        assert proc.returncode == expect, proc.stderr
        assert PIN not in proc.stdout + proc.stderr and NEW not in proc.stdout + proc.stderr
        json.loads(proc.stdout)
