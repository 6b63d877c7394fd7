"""Count the XTS corpus' outcomes per suite file and backend, for docs/conformance.md (issue 19).

Usage (from the repository root)::

    HUKSPY_REQUIRE=pkcs11,tpm2 python tests/xts/report.py

runs ``pytest tests/xts`` with ``XTS_REPORT`` set (tests/xts/conftest.py records one line per test) and
prints a Markdown table: per suite file and backend, the cases run and how many passed, were skipped
(the backend does not declare what the case needs), xfailed (a known gap, with its reason in the test),
failed, asserted a hukspy decision, or are device-only; then the runtime per backend.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

COLUMNS = ("cases", "passed", "skipped", "xfailed", "failed", "decision", "device")


def count(lines: list[dict[str, object]]) -> dict[tuple[str, str], collections.Counter[str]]:
    """Per (suite file, backend): how many cases had each outcome and kind."""
    table: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for rec in lines:
        row = table[(str(rec["file"]), str(rec["backend"]))]
        row["cases"] += 1
        row[str(rec["outcome"])] += 1
        if rec["kind"] != "case":
            row[str(rec["kind"])] += 1
        row["seconds"] += float(rec["duration"])  # type: ignore[arg-type]
    return table


def render(table: dict[tuple[str, str], collections.Counter[str]]) -> str:
    out = ["| suite file | backend | " + " | ".join(COLUMNS) + " |", "|---|---|" + "---|" * len(COLUMNS)]
    for (file, backend), row in sorted(table.items()):
        out.append(f"| {file} | {backend} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    totals: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for (_, backend), row in table.items():
        totals[backend].update(row)
    for backend, row in sorted(totals.items()):
        out.append(f"| **all** | {backend} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    out.append("")
    out.append("Runtime of the calls per backend: " + ", ".join(
        f"{backend} {row['seconds']:.1f} s" for backend, row in sorted(totals.items())))
    return "\n".join(out)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "xts.jsonl"
        env = {**os.environ, "XTS_REPORT": str(path)}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/xts", *sys.argv[1:]]
        code = subprocess.call(cmd, env=env, stdout=subprocess.DEVNULL)
        lines = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    print(render(count(lines)))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
