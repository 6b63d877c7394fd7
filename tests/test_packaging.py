"""Packaging metadata of the three distributions (issue 12, item 13): an SPDX licence expression and
the licence text in each, the plug-ins' README as their description, a changelog.

Reads the installed metadata (``pip install -e`` writes it from each pyproject.toml, as
ci/test-all.sh does), so a distribution built from these files carries the same.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
#: distribution -> its source directory
DISTRIBUTIONS: Final = {
    "hukspy": ROOT,
    "hukspy-pkcs11": ROOT / "backends" / "pkcs11",
    "hukspy-tpm2": ROOT / "backends" / "tpm2",
}


def _installed(dist: str) -> metadata.PackageMetadata:
    try:
        return metadata.metadata(dist)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{dist} is not installed (ci/test-all.sh installs all three)", pytrace=False)


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_licence_expression_and_file(dist: str) -> None:
    meta = _installed(dist)
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    text = (DISTRIBUTIONS[dist] / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text  # the full text, not a stub


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_readme_is_the_long_description(dist: str) -> None:
    meta = _installed(dist)
    assert meta["Description-Content-Type"] == "text/markdown"
    with (DISTRIBUTIONS[dist] / "pyproject.toml").open("rb") as f:
        assert tomllib.load(f)["project"]["readme"] == "README.md"
    readme = (DISTRIBUTIONS[dist] / "README.md").read_text(encoding="utf-8")
    body = meta.get_payload()  # type: ignore[attr-defined]
    # The title only: the rest may have changed since the last `pip install -e` (CI installs afresh).
    assert body.lstrip().splitlines()[0] == readme.splitlines()[0] == f"# {dist}"


def test_changelog_names_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {metadata.version('hukspy')}" in changelog


def test_hukspy_testing_imports_without_pytest() -> None:
    """``import hukspy.testing`` works where pytest is not installed (pytest is the ``testing`` extra,
    needed by the conformance suite only)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pytest'] = None\n"  # an import of pytest now raises ImportError
        "import hukspy.testing\n"
        "from hukspy.testing import open_keystore, param\n"
        "try:\n"
        "    import hukspy.testing.conformance\n"
        "except ImportError as exc:\n"
        "    print('conformance needs', exc.name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "conformance needs pytest"
    requires = metadata.requires("hukspy") or []
    assert any(r.startswith("pytest") and 'extra == "testing"' in r for r in requires), requires
