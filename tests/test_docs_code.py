"""The documentation says what the code does (issue 12): names in README.md, docs/ and the plug-ins'
READMEs are checked against the code, so a renamed command, option, variable or file fails a test.

- Every ``hukspy ...`` command line in a shell block (``sh``, ``bash``, ``console``) or an inline code
  span names a subcommand that exists and options that subcommand takes (asked of the real CLI:
  ``python -m hukspy [asset] SUB --help``).
- Every ``HUKSPY_*`` variable the documents name is read somewhere in the code.
- Every repository path the documents or the code's docstrings name (```docs/x.md```,
  ```hukspy/records.py```, ``docs/pkcs11.md``) exists.
- No docstring or document cites the API contract (``python-api.md``, outside this repository): they
  cite the docs page that holds the fact.
- Every ``$HUKSPY_HOME/...`` location the documents give (but the TPM keystore's) is where a real
  software keystore and ASSET store put their files.

CHANGELOG.md is left out on purpose: it tells what used to be true.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
DOCS: Final = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "backends").glob("*/README.md")),
]
CODE: Final = sorted(
    p for d in (ROOT / "hukspy", *(ROOT / "backends").glob("*/hukspy_*")) for p in d.rglob("*.py")
)
_SHELL_FENCES: Final = frozenset({"sh", "bash", "console", "shell"})
#: ``hukspy`` as a command: at the start, after a prompt, a pipe, ``&&``, ``;``, ``$(`` or a venv path.
_COMMAND: Final = re.compile(r"(?:^|(?<=[\s(;|&]))(?:\S*/)?hukspy(?=\s|$)")
_GLOBAL_WITH_VALUE: Final = frozenset({"--keystore"})
_GLOBAL_FLAGS: Final = frozenset({"--json"})


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _code_spans_and_shell_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every shell-block line (continuations joined, prompts stripped) and
    every inline code span outside blocks."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    info = ""
    pending = ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"^\s*(```+|~~~+)\s*(\S*)", line)
        if fence is None and m:
            fence, info = m[1], m[2]
            continue
        if fence is not None and line.strip() == fence:
            fence = None
            continue
        if fence is None:
            out += [(n, span) for span in re.findall(r"`([^`]+)`", line)]
        elif info in _SHELL_FENCES:
            text = pending + re.sub(r"^\s*\$\s", "", line)
            if text.endswith("\\"):
                pending = text[:-1] + " "
                continue
            pending = ""
            out.append((n, text))
    return out


def hukspy_commands() -> list[tuple[str, list[str]]]:
    """(where, argv after ``hukspy``) of every hukspy command line in the documents."""
    found: list[tuple[str, list[str]]] = []
    for path in DOCS:
        for n, text in _code_spans_and_shell_lines(path):
            text = re.sub(r"(?:^|\s)#.*$", "", text)  # a shell comment
            for segment in re.split(r"&&|\|\||[;|)]", text):
                m = _COMMAND.search(segment)
                if m is None:
                    continue
                rest = segment[m.end() :]
                try:
                    argv = shlex.split(rest, comments=True)
                except ValueError:
                    argv = rest.split()
                argv = [a for a in argv if not a.startswith(("<", ">", "2>"))]
                found.append((f"{_rel(path)}:{n}", argv))
    return found


@functools.cache
def cli_help(*command: str) -> tuple[int, str]:
    """Exit status and output of ``python -m hukspy COMMAND... --help`` (a temp-free, side-effect-free
    call: ``--help`` exits before any keystore is opened)."""
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    proc = subprocess.run(
        [sys.executable, "-m", "hukspy", *command, "--help"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _mentions(help_text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None


def split_command(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(global options, the subcommand path, the options after it) of one documented command line."""
    globals_: list[str] = []
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        opt = argv[i].split("=", 1)[0]
        globals_.append(opt)
        i += 2 if opt in _GLOBAL_WITH_VALUE and "=" not in argv[i] else 1
    sub = argv[i : i + 1]
    if sub == ["asset"] and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
        sub = argv[i : i + 2]
    options = [a.split("=", 1)[0] for a in argv[i + len(sub) :] if re.match(r"^--?[A-Za-z]", a)]
    return globals_, sub, options


COMMANDS: Final = hukspy_commands()


def test_the_documents_show_commands() -> None:
    subs = {tuple(split_command(argv)[1]) for _, argv in COMMANDS}
    assert {("generate",), ("encrypt",), ("asset", "add"), ("selftest",)} <= subs


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[f"{w} {' '.join(a)[:40]}" for w, a in COMMANDS])
def test_documented_command_exists(where: str, argv: list[str]) -> None:
    globals_, sub, options = split_command(argv)
    rc, top = cli_help()
    assert rc == 0, top
    for opt in globals_:
        assert _mentions(top, opt), f"{where}: `hukspy {opt}` is not a global option of `hukspy --help`"
    if not sub:
        return
    rc, text = cli_help(*sub)
    assert rc == 0, f"{where}: `hukspy {' '.join(sub)}` is not a command:\n{text}"
    for opt in options:
        if opt in _GLOBAL_FLAGS and _mentions(top, opt):
            continue
        assert _mentions(text, opt), f"{where}: `hukspy {' '.join(sub)}` has no option {opt}"


def test_split_command() -> None:
    assert split_command(["--keystore", "$URI", "selftest"]) == (["--keystore"], ["selftest"], [])
    assert split_command(["asset", "add", "--alias", "x", "-i", "f"]) == (
        [], ["asset", "add"], ["--alias", "-i"]
    )
    assert split_command(["--json", "attest", "k", "--anon"]) == (["--json"], ["attest"], ["--anon"])


def test_a_wrong_command_or_option_is_caught() -> None:
    """The check above can fail: a command and an option that do not exist are reported as such."""
    assert cli_help("no-such-command")[0] != 0
    rc, text = cli_help("generate")
    assert rc == 0 and _mentions(text, "--alg") and not _mentions(text, "--no-such-option")


def _code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in CODE)


#: Where a variable the documents name may be read: the code, and for variables that tune the test
#: suite (docs/testing.md: HUKSPY_CRASH_SEED, HUKSPY_FUZZ_EXAMPLES, ...) the tests, CI and benchmarks.
_READERS: Final = sorted(p for d in ("tests", "ci", "bench") for p in (ROOT / d).rglob("*.py"))


def test_documented_variables_are_read() -> None:
    code = _code_text() + "\n".join(p.read_text(encoding="utf-8") for p in _READERS)
    named = {v for p in DOCS for v in re.findall(r"\bHUKSPY_[A-Z0-9_]+\b", p.read_text(encoding="utf-8"))}
    assert named, "the documents name no HUKSPY_ variable"
    unread = sorted(v for v in named if f'"{v}"' not in code and f"'{v}'" not in code)
    assert not unread, f"documented but read nowhere (hukspy/, plug-ins, tests/, ci/, bench/): {unread}"


_REPO_PATH: Final = re.compile(r"\b(?:docs|hukspy|tests|ci|backends|bench)/[\w./-]*[\w/]")


def test_named_paths_exist() -> None:
    missing = []
    for path in DOCS:
        for n, span in _code_spans_and_shell_lines(path):
            if _REPO_PATH.fullmatch(span) and not (ROOT / span).exists():
                missing.append(f"{_rel(path)}:{n}: {span}")
    for path in CODE:
        for name in re.findall(r"\bdocs/[\w./-]+\.md\b", path.read_text(encoding="utf-8")):
            if not (ROOT / name).exists():
                missing.append(f"{_rel(path)}: {name}")
    assert not missing, "paths named but not in the repository:\n" + "\n".join(missing)


#: A citation of the API contract, a file of the project's specification outside this repository: users
#: have README.md and docs/, so the code's docstrings and the documents cite those.
_SPEC_CITATION: Final = re.compile(r"python-api(?:\.md)?\b|shared/spec/")


def test_code_and_documents_cite_the_projects_docs_not_the_spec() -> None:
    found = [
        f"{_rel(path)}:{n}: {line.strip()}"
        for path in (*CODE, *DOCS)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _SPEC_CITATION.search(line)
    ]
    assert not found, "cite docs/... (the fact's page) instead of the specification:\n" + "\n".join(found)


def home_locations() -> set[str]:
    """Every ``$HUKSPY_HOME/...`` location the documents give."""
    pattern = re.compile(r"\$HUKSPY_HOME/[\w.<>-]+(?:/[\w.<>-]+)*/?")
    return {m.rstrip("/") for p in DOCS for m in pattern.findall(p.read_text(encoding="utf-8"))}


def test_software_and_asset_files_are_where_the_documents_say(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = (
        "import hukspy\n"
        "from hukspy import asset, HuksOptions, HuksParam, HuksKeyAlg, HuksKeyPurpose\n"
        "from hukspy import HuksTag as T\n"
        "hukspy.generate_key_item('k', HuksOptions([HuksParam(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),"
        " HuksParam(T.HUKS_TAG_KEY_SIZE, 256),"
        " HuksParam(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)]))\n"
        "asset.add({asset.Tag.SECRET: b's', asset.Tag.ALIAS: b'a'})\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HUKSPY_KEYSTORE"}
    env["HUKSPY_HOME"] = str(home)
    subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, check=True, timeout=120)
    # Every location but the TPM keystore's (it needs a TPM; docs/tpm2.md and tests/backends cover it).
    locations = {loc for loc in home_locations() if not loc.startswith("$HUKSPY_HOME/tpm2/")}
    missing = sorted(loc for loc in locations if not (home / loc.removeprefix("$HUKSPY_HOME/")).exists())
    assert not missing, f"documented, but a keystore and an asset store made nothing there: {missing}"
    assert "$HUKSPY_HOME/software/keys.db" in locations
    assert "$HUKSPY_HOME/asset" in locations
    assert (home / "software" / "master.key").exists()


_DOTTED: Final = re.compile(r"(hukspy(?:_pkcs11|_tpm2)?(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?")
#: dotted names that are entry-point groups, not modules
_ENTRY_POINT_GROUPS: Final = frozenset({"hukspy.backends"})


def documented_names() -> list[tuple[str, str]]:
    """(where, dotted name) of every ``hukspy.x.y`` / ``hukspy_pkcs11.x`` / ``hukspy_tpm2.x`` code span."""
    names = []
    for path in DOCS:
        for n, span in _code_spans_and_shell_lines(path):
            m = _DOTTED.fullmatch(span.strip())
            if m:
                names.append((f"{_rel(path)}:{n}", m[1]))
    return names


def resolve(dotted: str) -> object:
    """The object ``dotted`` names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_documented_python_names_exist() -> None:
    """A dotted name in a code span is a module or object, an entry-point group, or a string the code
    uses (a label such as ``hukspy.seal``)."""
    names = documented_names()
    assert any(n == "hukspy.Keystore" for _, n in names)
    code = _code_text()
    missing = []
    for where, dotted in names:
        if dotted in _ENTRY_POINT_GROUPS:
            assert metadata.entry_points(group=dotted), f"{where}: no entry point in the group {dotted}"
            continue
        try:
            resolve(dotted)
        except (ImportError, AttributeError) as exc:
            if f'"{dotted}"' not in code:
                missing.append(f"{where}: {dotted} ({type(exc).__name__}: {exc})")
    assert not missing, "names documented but not in the code:\n" + "\n".join(missing)


@pytest.mark.parametrize("keystore_uri", ["tpm2"], indirect=True)
def test_tpm2_files_are_where_the_documents_say(keystore_uri: str) -> None:
    """The ``$HUKSPY_HOME/tpm2/<id>/...`` locations of docs/tpm2.md, after a key is made and attested
    on an swtpm (``HUKSPY_HOME`` is the test session's, tests/conftest.py)."""
    from hukspy import HuksKeyAlg, HuksKeyDigest, HuksKeyPurpose, HuksOptions, HuksParam, HuksTag, Keystore

    alias = f"docs-locations-{os.getpid()}"
    with Keystore(keystore_uri) as ks:
        ks.generate_key_item(alias, HuksOptions([
            HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC),
            HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, 256),
            HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN),
            HuksParam(HuksTag.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        ]))
        try:
            ks.attest_key_item(alias, HuksOptions([HuksParam(HuksTag.HUKS_TAG_ATTESTATION_CHALLENGE, b"c")]))
        finally:
            ks.delete_key_item(alias, HuksOptions())
    home = Path(os.environ["HUKSPY_HOME"])
    locations = {loc for loc in home_locations() if loc.startswith("$HUKSPY_HOME/tpm2/")}
    assert "$HUKSPY_HOME/tpm2/<id>/keys.db" in locations
    patterns = {loc: loc.removeprefix("$HUKSPY_HOME/").replace("<id>", "*") for loc in locations}
    missing = sorted(loc for loc, pattern in patterns.items() if not list(home.glob(pattern)))
    assert not missing, f"documented, but the tpm2 keystore made nothing there: {missing}"
