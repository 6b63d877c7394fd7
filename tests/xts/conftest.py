"""The XTS corpus' outcome recorder (issue 19): with ``XTS_REPORT=<file>`` set, every test of tests/xts
appends one JSON line (suite file, backend, case, outcome, kind) to that file; ``tests/xts/report.py``
turns the lines into the tables of docs/conformance.md.

Kinds come from markers: ``xts_decision("name")`` (the case asserts hukspy's documented behaviour where
upstream's expectation differs, docs/decisions.md) and ``xts_device("reason")`` (needs a TEE, UserIAM
or a device certificate: translated and skipped).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xts_decision(name): an XTS case that asserts a hukspy decision")
    config.addinivalue_line("markers", "xts_device(reason): an XTS case that needs a device")


def _kind(item: pytest.Item) -> str:
    if item.get_closest_marker("xts_device"):
        return "device"
    if item.get_closest_marker("xts_decision"):
        return "decision"
    return "case"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    path = os.environ.get("XTS_REPORT")
    report = outcome.get_result()
    if not path or not (report.when == "call" or (report.when == "setup" and report.outcome != "passed")):
        return
    if hasattr(report, "wasxfail"):
        result = "xfailed" if report.outcome == "skipped" else "xpassed"
    else:
        result = report.outcome
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("keystore_uri", "none") if callspec else "none"  # none: no keystore
    line = {"file": Path(str(item.fspath)).name, "backend": backend, "case": item.name, "outcome": result,
            "kind": _kind(item), "duration": round(report.duration, 3)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
