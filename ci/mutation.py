"""Mutation testing of the modules the suite must guard (docs/testing.md "Mutation testing").

Not part of ``.ci/run`` (it takes minutes per module). Run from the repository root with the venv's
Python, after ``.venv/bin/pip install mutmut`` (3.x)::

    .venv/bin/python ci/mutation.py                 # every module below
    .venv/bin/python ci/mutation.py sessions params # some of them
    .venv/bin/python ci/mutation.py policy --sample 250 --seed 1

For each module it copies the working tree into a temporary directory (the worktree is never
touched), points mutmut at that one file with that module's fast, targeted tests (the table
``MODULES``), runs every mutant (or a seeded sample of ``--sample`` of them) with one worker by
default (the machine is shared), and prints a Markdown report: the score, and each surviving mutant
as a diff. A survivor whose diff only changes an error *message* (a string literal, or the message
argument dropped) is listed apart: the message is not part of the contract, the code is. The score
counts timeouts as killed (the mutant hung a test; the suite noticed).

Exit status 0 when every run finished, whatever the score (the score is for people to read).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Module:
    """One module under mutation: the file and the tests that guard it (kept fast on purpose)."""

    path: str
    tests: tuple[str, ...]
    pytest_args: tuple[str, ...] = ()


MODULES: Final = {
    "sessions": Module("hukspy/sessions.py", ("tests/test_sessions.py",)),
    "records": Module("hukspy/records.py", ("tests/test_records.py",)),
    "params": Module("hukspy/params.py", ("tests/test_params.py", "tests/test_enums_errors.py")),
    "policy": Module("hukspy/policy.py", ("tests/test_policy.py",)),
    # the ASSET database layer, on the software keystore only (hardware adds minutes, not checks of db.py)
    "asset-db": Module("hukspy/asset/db.py", ("tests/asset",), ("-k", "not pkcs11 and not tpm2")),
    # the ASSET store's operations: semantics, argument checks, pre_query/auth and the cipher binding,
    # on the software keystore and SQLite only (seconds per mutant)
    "asset-store": Module(
        "hukspy/asset/store.py",
        (
            "tests/asset/test_asset_semantics.py",
            "tests/asset/test_asset_checks.py",
            "tests/asset/test_asset_auth.py",
            "tests/asset/test_asset_crypto.py",
        ),
        ("-k", "not pkcs11 and not tpm2 and not postgresql"),
    ),
}

_STRING: Final = re.compile(r"""[rbf]*("([^"\\]|\\.)*"|'([^'\\]|\\.)*')""")


@dataclass
class Result:
    name: str
    total: int = 0
    killed: int = 0
    timeouts: int = 0
    survivors: list[tuple[str, list[str]]] = field(default_factory=list)
    messages: list[tuple[str, list[str]]] = field(default_factory=list)
    untested: list[tuple[str, list[str]]] = field(default_factory=list)  # "no tests": no test reaches it
    other: dict[str, int] = field(default_factory=dict)


def copy_tree(dest: Path) -> None:
    """The working tree's tracked and untracked (not ignored) files, without the venv."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.split(b"\0")
    for raw in files:
        rel = raw.decode()
        if not rel or rel.startswith((".venv/", "mutants/")):
            continue
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _configure(work: Path, module: Module) -> None:
    def toml_list(items: tuple[str, ...]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    pytest_args = ("-p", "no:cacheprovider", "-q", "-x", *module.pytest_args)
    pyproject = work / "pyproject.toml"
    # mutmut hands the node ids it collected back to pytest, escaped: an id with a non-ASCII character
    # (test_policy's "huks-reference §4.3" rows) is then not found. In the copy only, such characters
    # of the module's test files become ASCII (they appear in case names and messages only).
    for name in module.tests:
        for path in (work / name).rglob("*.py") if (work / name).is_dir() else [work / name]:
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("§", "S").replace("→", "->"), encoding="utf-8")
    with pyproject.open("a", encoding="utf-8") as f:
        f.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["hukspy"]\n'
            f'only_mutate = ["{module.path}"]\n'
            f"pytest_add_cli_args_test_selection = {toml_list(module.tests)}\n"
            f"pytest_add_cli_args = {toml_list(pytest_args)}\n"
        )


def _mutmut(work: Path, *args: str) -> str:
    exe = Path(sys.executable).with_name("mutmut")
    proc = subprocess.run([str(exe), *args], cwd=work, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"mutmut {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def _statuses(work: Path) -> dict[str, str]:
    out = _mutmut(work, "results", "--all", "true")
    statuses = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            statuses[name] = status
    return statuses


def _diff(work: Path, name: str) -> list[str]:
    lines = _mutmut(work, "show", name).splitlines()
    return [ln for ln in lines if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))]


def _message_only(diff: list[str]) -> bool:
    """Whether the mutant only changes string literals, or drops a string argument (an error message)."""
    def strip(lines: list[str]) -> str:
        text = " ".join(ln[1:] for ln in lines)
        text = _STRING.sub('""', text)
        return re.sub(r",\s*\"\"\s*\)", ")", re.sub(r",\s*\)", ")", text)).replace(" ", "")

    before = [ln for ln in diff if ln.startswith("-")]
    after = [ln for ln in diff if ln.startswith("+")]
    return bool(before) and strip(before) == strip(after)


def run(key: str, sample: int | None, seed: int, children: int) -> Result:
    module = MODULES[key]
    result = Result(key)
    with tempfile.TemporaryDirectory(prefix=f"hukspy-mutation-{key}-") as tmp:
        work = Path(tmp)
        copy_tree(work)
        _configure(work, module)
        if sample is None:
            _mutmut(work, "run", "--max-children", str(children))
        else:
            _mutmut(work, "run", "--max-children", str(children), "no.such.mutant*")  # generate only
            names = sorted(_statuses(work))
            chosen = sorted(random.Random(seed).sample(names, min(sample, len(names))))
            print(f"{key}: {len(chosen)} of {len(names)} mutants (seed {seed})", file=sys.stderr)
            _mutmut(work, "run", "--max-children", str(children), *chosen)
        statuses = _statuses(work)
        if sample is not None:
            statuses = {n: s for n, s in statuses.items() if n in set(chosen)}
        for name, status in sorted(statuses.items()):
            result.total += 1
            if status == "killed":
                result.killed += 1
            elif status == "timeout":
                result.timeouts += 1
            elif status == "survived":
                diff = _diff(work, name)
                (result.messages if _message_only(diff) else result.survivors).append((name, diff))
            else:
                result.other[status] = result.other.get(status, 0) + 1
                if status == "no tests":
                    result.untested.append((name, _diff(work, name)))
    return result


def report(r: Result, module: Module, sample: int | None) -> str:
    detected = r.killed + r.timeouts
    behavioural = r.total - len(r.messages)
    lines = [
        f"## {module.path}",
        "",
        f"- tests: `pytest {' '.join((*module.tests, *module.pytest_args))}`",
        f"- mutants: {r.total}{f' (a sample of {sample})' if sample else ''}; killed {r.killed}, "
        f"timeout {r.timeouts}, survived {len(r.survivors) + len(r.messages)} "
        f"({len(r.messages)} change only a message){'; ' + str(r.other) if r.other else ''}",
        f"- score: {100 * detected / max(r.total, 1):.1f}% of all mutants; "
        f"{100 * detected / max(behavioural, 1):.1f}% without the message-only ones",
        "",
    ]
    for name, diff in r.survivors + [(f"{n} (no tests)", d) for n, d in r.untested]:
        lines += [f"- `{name}`", "", "  ```diff", *(f"  {d}" for d in diff), "  ```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--sample", type=int, help="run this many mutants per module, chosen with --seed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutant runs (default 1)")
    args = parser.parse_args()
    os.environ.setdefault("HUKSPY_FUZZ_EXAMPLES", "50")
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; choose from {', '.join(MODULES)}")
    for key in args.modules or list(MODULES):
        r = run(key, args.sample, args.seed, args.max_children)
        print(report(r, MODULES[key], args.sample), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
