"""Issue 12's command-line items, each through the real ``python -m hukspy`` in a subprocess with its
own ``HUKSPY_HOME`` (docs: README "Command line")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def hukspy(
    home: Path, *argv: str, stdin: bytes = b"", keystore: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m hukspy ARGV`` with ``HUKSPY_HOME=home`` (and ``HUKSPY_KEYSTORE`` only if given)."""
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["HUKSPY_HOME"] = str(home)
    if keystore is not None:
        env["HUKSPY_KEYSTORE"] = keystore
    return subprocess.run(
        [sys.executable, "-m", "hukspy", *argv], input=stdin, capture_output=True, env=env, timeout=600,
        check=False,
    )


def tree(path: Path) -> set[str]:
    """Every file and directory under ``path``, relative to it (empty when it does not exist)."""
    return {str(p.relative_to(path)) for p in path.rglob("*")} if path.exists() else set()


# ------------------------------------------------------------------------------- item 2: selftest


@pytest.mark.slow
def test_selftest_without_a_keystore_leaves_nothing_in_hukspy_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = hukspy(home, "--json", "selftest")
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["backend"] == "software" and result["failed"] == 0 and result["passed"] > 10
    assert tree(home) == set()


@pytest.mark.slow
def test_selftest_on_a_named_keystore_removes_what_it_created(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = tmp_path / "store"
    uri = f"software:{store}"
    made = hukspy(home, "--keystore", uri, "generate", "mine", "--alg", "aes", "--size", "256",
                  "--purpose", "encrypt,decrypt", "--mode", "gcm", "--padding", "none")
    assert made.returncode == 0, made.stderr.decode()
    before = tree(store)
    assert before and "attest-ca.pem" not in before
    done = hukspy(home, "--json", "selftest", keystore=uri)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["failed"] == 0
    assert tree(store) == before  # the attestation CA files it made are gone
    listed = hukspy(home, "--keystore", uri, "--json", "list")
    assert json.loads(listed.stdout)["aliases"] == ["mine"]
    # a keystore directory the selftest itself brought into being is removed altogether
    fresh = tmp_path / "fresh"
    done = hukspy(home, "--keystore", f"software:{fresh}", "selftest")
    assert done.returncode == 0, done.stderr.decode()
    assert not fresh.exists()
    assert tree(home) == set()


# ------------------------------------------------------------------------------- item 3: --version


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    from hukspy import __version__

    done = hukspy(tmp_path / "home", "--version")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == f"hukspy {__version__}\n"
    assert __version__.count(".") == 2
