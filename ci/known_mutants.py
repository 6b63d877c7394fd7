"""The four mutants issue 9 names (1-4) and the ASSET store survivors of ``ci/mutation.py`` (5-12),
each applied to a temporary copy of the working tree and run against the tests that must kill it
(docs/testing.md "Known mutants", "Mutation testing"). Not part of ``.ci/run``.

    .venv/bin/python ci/known_mutants.py            # all of them
    .venv/bin/python ci/known_mutants.py 3          # one of them

For each mutant: copy the tree (``ci/mutation.py``'s copy: tracked and untracked files, no venv),
patch the one file, run the killing command there, print the command, its exit status and the
failing assertion lines. "KILLED" when the tests fail, "SURVIVED" (exit status 1) when they pass.
The working tree is never modified.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from mutation import copy_tree


@dataclass(frozen=True)
class Mutant:
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS: Final = {
    "1": Mutant(
        "the per-session lock removed from SessionTable.use",
        "hukspy/sessions.py",
        "        with s.lock:\n            with self._lock:",
        "        with contextlib.nullcontext():\n            with self._lock:",
        ("tests/test_sessions.py",),
    ),
    "2": Mutant(
        'the "ended or evicted while we waited" re-check removed',
        "hukspy/sessions.py",
        "                if self._sessions.get(handle) is not s:  # ended or evicted while we waited\n"
        '                    raise HuksError(12000011, "the session handle")\n',
        "                pass\n",
        ("tests/test_sessions.py",),
    ),
    "3": Mutant(
        "a non-atomic replace: the delete committed, the insert in a second transaction",
        "hukspy/records.py",
        "                raise AliasExistsError(record.alias)\n            conn.execute(\n",
        "                raise AliasExistsError(record.alias)\n"
        '            conn.execute("DELETE FROM keys WHERE level=? AND alias=?",'
        " (record.level, record.alias))\n"
        "        with self._tx() as conn:\n            conn.execute(\n",
        ("tests/test_records.py", "tests/test_crash.py"),
    ),
    "4": Mutant(
        "the init purpose-subset check removed",
        "hukspy/policy.py",
        "if not isinstance(value, int) or value == 0 or value & ~key_purpose:",
        "if not isinstance(value, int) or value == 0:",
        ("tests/test_policy.py", "tests/test_fuzz.py::test_classes_aes_sessions"),
    ),
    # ASSET store survivors of ci/mutation.py's fast test set, killed by tests outside it
    # (docs/testing.md "Mutation testing", the ASSET store)
    "5": Mutant(
        "AssetStore ignores the keystore it is given (opens the default one)",
        "hukspy/asset/store.py",
        "_arguments(path, keystore, owner)",
        "_arguments(path, None, owner)",
        ("tests/asset/test_asset_crypto.py::test_one_key_per_access_control", "-k", "software and sqlite"),
    ),
    "6": Mutant(
        "a valid challenge and token on an AUTH_TYPE=ANY secret: no code (24000001) instead of 24000004",
        "hukspy/asset/store.py",
        "                ErrorCode.ACCESS_DENIED,\n",
        "                None,\n",
        ("tests/asset/test_asset_auth.py", "-k", "software and sqlite"),
    ),
    "7": Mutant(
        "the AUTH_CHALLENGE of a query ignored (q.get(None)): a valid challenge and token give 401",
        "hukspy/asset/store.py",
        "challenge = q.get(Tag.AUTH_CHALLENGE)",
        "challenge = q.get(None)",
        ("tests/asset/test_asset_auth.py", "-k", "software and sqlite"),
    ),
    "8": Mutant(
        "the code of a query without challenge or token dropped (24000001 instead of 401)",
        "hukspy/asset/store.py",
        "                    ErrorCode.INVALID_ARGUMENT,\n",
        "",
        ("tests/asset/test_asset_auth.py", "-k", "software and sqlite"),
    ),
    "9": Mutant(
        "AUTH_TYPE of a new asset ignored (always NONE)",
        "hukspy/asset/store.py",
        "AuthType=int(a.get(Tag.AUTH_TYPE, AuthType.NONE))",
        "AuthType=int(a.get(None, AuthType.NONE))",
        ("tests/asset/test_asset_auth.py", "tests/asset/test_asset_crypto.py", "-k", "software and sqlite"),
    ),
    "10": Mutant(
        "a damaged stored attribute: no code (24000001 instead of 24000007)",
        "hukspy/asset/store.py",
        "raise AssetError(ErrorCode.DATA_CORRUPTED, detail=f\"the stored {tag.name} is damaged\")",
        "raise AssetError(detail=f\"the stored {tag.name} is damaged\")",
        ("tests/asset/test_asset_crypto.py", "-k", "software and sqlite"),
    ),
    "11": Mutant(
        "close() keeps the store's pre_query challenges",
        "hukspy/asset/store.py",
        "CHALLENGES.drop_store(id(self))",
        "CHALLENGES.drop_store(id(None))",
        ("tests/asset/test_asset_auth.py", "-k", "software and sqlite"),
    ),
    "12": Mutant(
        "an open store's closed flag None instead of False (its repr says closed=None)",
        "hukspy/asset/store.py",
        "        self._closed = False\n",
        "        self._closed = None\n",
        ("tests/asset/test_asset_semantics.py", "-k", "repr and software and sqlite"),
    ),
}


def run(key: str) -> bool:
    """Apply mutant ``key`` in a temp copy and run its tests; True when they fail (killed)."""
    m = MUTANTS[key]
    with tempfile.TemporaryDirectory(prefix=f"hukspy-mutant-{key}-") as tmp:
        work = Path(tmp)
        copy_tree(work)
        target = work / m.path
        text = target.read_text()
        if text.count(m.old) != 1:
            raise SystemExit(f"mutant {key}: the code to mutate is not (exactly once) in {m.path}")
        target.write_text(text.replace(m.old, m.new))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *m.tests]
        env = {**os.environ, "HUKSPY_REQUIRE": os.environ.get("HUKSPY_REQUIRE", "pkcs11,tpm2")}
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
    killed = proc.returncode == 1
    shown = " ".join(["pytest", *cmd[3:]])
    print(f"mutant {key} ({m.what}) in {m.path}: {'KILLED' if killed else 'SURVIVED'}")
    print(f"  command: HUKSPY_REQUIRE={env['HUKSPY_REQUIRE']} {shown}  -> exit {proc.returncode}")
    for line in proc.stdout.splitlines():
        if line.startswith(("E ", "FAILED")) or " passed" in line or " failed" in line:
            print(f"  {line[:200]}")
    return killed


def main() -> int:
    keys = sys.argv[1:] or list(MUTANTS)
    results = [run(k) for k in keys]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
