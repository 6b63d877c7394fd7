"""``hukspy asset ...``: the subcommand of hukspy/asset/cli.py, run through its own argparse parser
(the main CLI calls the same ``add_parser``/``run``)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

import hukspy
from hukspy.asset import cli


class Cli:
    def __init__(
        self, keystore: hukspy.Keystore, store: Path, owner: str, capsys: pytest.CaptureFixture[str]
    ):
        self.base = ["--keystore", keystore.uri, "--store", str(store), "--owner", owner]
        self.capsys = capsys
        parser = argparse.ArgumentParser(prog="hukspy")
        subparsers = parser.add_subparsers(dest="command", required=True)
        cli.add_parser(subparsers)
        self.parser = parser

    def __call__(
        self, monkeypatch: pytest.MonkeyPatch, command: str, *argv: str, stdin: bytes = b""
    ) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        args = self.parser.parse_args(["asset", command, *self.base, *argv])
        assert args.func is cli.run
        code = cli.run(args)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def run(keystore: hukspy.Keystore, tmp_path: Path, owner: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(keystore, tmp_path / "asset", owner, capsys)


def test_add_query_update_remove(run: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, _ = run(monkeypatch, "add", "--alias", "db", "--label", "normal1=prod", stdin=b"pa55word\n")
    assert code == 0 and "db" in out
    code, out, _ = run(monkeypatch, "query", "--alias", "db", "--secret", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["secret"] == "pa55word" and row["alias"] == "db" and row["data_label_normal_1"] == "prod"
    assert row["accessibility"] == 1 and row["is_persistent"] is False

    secret_file = tmp_path / "new.bin"
    secret_file.write_bytes(b"\xff\x00binary\n")
    assert run(monkeypatch, "update", "--alias", "db", "--secret-file", str(secret_file), "--raw")[0] == 0
    code, out, _ = run(monkeypatch, "query", "--alias", "db", "--secret", "--json")
    assert json.loads(out)[0]["secret"] == {"base64": "/wBiaW5hcnkK"}
    code, out, _ = run(monkeypatch, "query")
    assert code == 0 and "alias: db" in out and "secret" not in out

    code, _, err = run(monkeypatch, "remove")
    assert code == 1 and "401" in err  # removing everything needs --all
    assert run(monkeypatch, "remove", "--alias", "db")[0] == 0
    code, _, err = run(monkeypatch, "query", "--alias", "db")
    assert code == 1 and "24000002" in err and "The asset is not found." in err


def test_add_options_and_errors(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["--alias", "a", "--accessibility", "unlocked", "--sync-type", "2", "--persistent", "--json"]
    code, out, _ = run(monkeypatch, "add", *argv, stdin=b"s")
    assert code == 0 and json.loads(out) == {"added": "a"}
    code, _, err = run(monkeypatch, "add", "--alias", "a", stdin=b"s")
    assert code == 1 and "24000003" in err
    assert (
        run(monkeypatch, "add", "--alias", "a", "--overwrite", "--label", "critical1=c", stdin=b"t")[0] == 0
    )
    code, out, _ = run(monkeypatch, "query", "--json")
    (row,) = json.loads(out)
    assert row["data_label_critical_1"] == "c" and row["accessibility"] == 1  # the row was replaced
    code, _, err = run(monkeypatch, "add", "--alias", "b", stdin=b"")
    assert code == 1 and "401" in err  # an empty secret
    code, _, err = run(monkeypatch, "query", "--secret")
    assert code == 1 and "24000017" in err
    with pytest.raises(SystemExit):
        run(monkeypatch, "add", "--alias", "x", "--label", "bogus=1")


def test_secret_never_comes_from_argv(run: Cli) -> None:
    for command in ("add", "update"):
        with pytest.raises(SystemExit):
            run.parser.parse_args(["asset", command, "--alias", "a", "--secret", "s3cret"])
