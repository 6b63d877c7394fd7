"""Every fenced ``python`` block of README.md and docs/**/*.md runs (issue 12), so an example cannot rot.

Each block runs alone, as a script, in a fresh interpreter: the working directory is an empty temp
directory, ``HUKSPY_HOME`` another one, ``HUKSPY_KEYSTORE`` is unset, and ``docs/examples`` is on
``PYTHONPATH`` (so a block may import the helper scripts kept there). It passes when it exits 0; a block
checks its own result with ``assert``.

An HTML comment on the line right before the fence changes that (it is invisible in rendered Markdown):

- ``<!-- example: needs pkcs11 -->`` or ``<!-- example: needs tpm2 -->``: the block runs with
  ``$HUKSPY_KEYSTORE`` naming a SoftHSM2 token or an swtpm of the test fixtures (``keystore_uri`` in
  ``tests/conftest.py``); where that backend cannot run here the block is skipped with the reason, or
  fails when ``HUKSPY_REQUIRE`` names the backend.
- ``<!-- example: fragment REASON -->``: the block cannot run on any machine (it names a vendor's HSM
  module, a device file, a service's secrets); it is only compiled, then skipped with REASON, which
  must be given.

Blocks fenced as anything but ``python`` (``sh``, ``console``, ``asn1``) are not run here;
``tests/test_docs_code.py`` checks the ``hukspy`` command lines among them against the CLI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
EXAMPLES_DIR: Final = ROOT / "docs" / "examples"
#: ``<!-- example: KIND ARG -->`` on the line before a fence.
_MARKER: Final = re.compile(r"^<!--\s*example:\s*(?P<kind>\S+)\s*(?P<arg>.*?)\s*-->\s*$")
_FENCE: Final = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<info>[^`\s]*)")
_BACKENDS: Final = ("pkcs11", "tpm2")
_TIMEOUT_S: Final = 180


@dataclass(frozen=True)
class Block:
    """One fenced ``python`` block: where it is, its code, and its marker (``kind``, ``arg``) if any."""

    path: str
    line: int
    code: str
    kind: str | None
    arg: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def markdown_files() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path) -> list[Block]:
    """The fenced ``python`` blocks of ``path``, each with the marker on the line before it.

    Raises ``ValueError`` for a marker that is unknown, lacks its argument or is not followed by a
    ``python`` fence, and for a fence that is never closed: a typo must not turn a check into a skip.
    """
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        marker = _MARKER.match(lines[i].strip())
        if marker:
            kind, arg = marker["kind"], marker["arg"]
            nxt = _FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            if nxt is None or nxt["info"] != "python":
                raise ValueError(f"{rel}:{i + 1}: an example marker must be right before a ```python fence")
            if kind == "needs" and arg not in _BACKENDS:
                raise ValueError(f"{rel}:{i + 1}: 'needs' takes one of {_BACKENDS}, not {arg!r}")
            if kind == "fragment" and not arg:
                raise ValueError(f"{rel}:{i + 1}: 'fragment' needs the reason the block cannot run")
            if kind not in ("needs", "fragment"):
                raise ValueError(f"{rel}:{i + 1}: unknown example marker {kind!r}")
            i += 1
        else:
            kind, arg = None, ""
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence["fence"]), None)
        if end is None:
            raise ValueError(f"{rel}:{i + 1}: the fence is never closed")
        if fence["info"] == "python":
            blocks.append(Block(rel, i + 1, "\n".join(lines[i + 1 : end]) + "\n", kind, arg))
        i = end + 1
    return blocks


ALL_BLOCKS: Final = [b for p in markdown_files() for b in python_blocks(p)]


def run_block(block: Block, tmp_path: Path, keystore_uri: str | None = None) -> None:
    """Run ``block`` as a script in a fresh interpreter (see the module docstring); fail with its output
    unless it exits 0."""
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["HUKSPY_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES_DIR), env.get("PYTHONPATH")]))
    if keystore_uri is not None:
        env["HUKSPY_KEYSTORE"] = keystore_uri
    script = cwd / "example.py"
    script.write_text(block.code, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=_TIMEOUT_S, check=False,
    )
    assert proc.returncode == 0, (
        f"the example at {block.id} exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )


def test_the_readme_has_a_python_example() -> None:
    assert any(b.path == "README.md" and b.kind is None for b in ALL_BLOCKS)


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.kind is None], ids=lambda b: b.id)
def test_example_runs(block: Block, tmp_path: Path) -> None:
    run_block(block, tmp_path)


@pytest.mark.parametrize(
    ("block", "keystore_uri"),
    [pytest.param(b, b.arg, id=b.id) for b in ALL_BLOCKS if b.kind == "needs"],
    indirect=["keystore_uri"],
)
def test_example_runs_on_its_backend(block: Block, keystore_uri: str, tmp_path: Path) -> None:
    run_block(block, tmp_path, keystore_uri)


@pytest.mark.parametrize("block", [b for b in ALL_BLOCKS if b.kind == "fragment"], ids=lambda b: b.id)
def test_fragment_is_skipped_with_its_reason(block: Block) -> None:
    """A fragment cannot run, but it must still be Python."""
    compile(block.code, block.id, "exec")
    pytest.skip(f"{block.id} is a fragment: {block.arg}")


def test_markers_are_checked(tmp_path: Path) -> None:
    """A misspelt marker is an error, not a silent skip."""
    bad = tmp_path / "bad.md"
    for text in (
        "<!-- example: need pkcs11 -->\n```python\npass\n```\n",
        "<!-- example: needs hsm -->\n```python\npass\n```\n",
        "<!-- example: fragment -->\n```python\npass\n```\n",
        "<!-- example: needs tpm2 -->\n\n```python\npass\n```\n",
        "```python\npass\n",
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError):
            python_blocks(bad)
    bad.write_text("<!-- example: needs tpm2 -->\n```python\npass\n```\n", encoding="utf-8")
    assert [(b.kind, b.arg, b.line) for b in python_blocks(bad)] == [("needs", "tpm2", 2)]
