"""``HUKSPY_REQUIRE``: what this test run may not skip (imported by conftest.py and by test modules).

``HUKSPY_REQUIRE`` is a comma-separated list of names, or ``all``: the backends (``pkcs11``, ``tpm2``;
``software`` always runs) and the external tools some tests compare against (``openssl``, the CLI).
A test that cannot run because a named one is missing fails; any other skips with the reason. CI
(``.ci/run``) names every one of them, so it can never go green on a machine that lacks one.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Final, NoReturn

import pytest

if TYPE_CHECKING:
    from hukspy_tpm2.testing import SwtpmInstance

BACKENDS: Final = ("software", "pkcs11", "tpm2")
TOOLS: Final = ("openssl",)


def required() -> set[str]:
    """The names ``HUKSPY_REQUIRE`` makes mandatory (``all`` = every backend and tool)."""
    names = {n.strip() for n in os.environ.get("HUKSPY_REQUIRE", "").split(",") if n.strip()}
    return {*BACKENDS, *TOOLS} if "all" in names else names


def unavailable(name: str, reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip (or, when ``HUKSPY_REQUIRE`` names ``name``, fail) because ``name`` cannot run here."""
    if name in required():
        pytest.fail(f"HUKSPY_REQUIRE names {name}, but it cannot run here: {reason}", pytrace=False)
    pytest.skip(f"{name} unavailable: {reason}", allow_module_level=module_level)


def import_for(name: str, module: str) -> ModuleType:
    """``import module`` for a test module of backend ``name``: a missing module skips the whole test
    module, or fails it under ``HUKSPY_REQUIRE`` (the replacement of ``pytest.importorskip``)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        unavailable(name, f"{module} is not importable: {exc}", module_level=True)


@contextlib.contextmanager
def swtpm(*, provision: bool = True) -> Iterator[SwtpmInstance]:
    """A fresh swtpm (``hukspy_tpm2.testing.swtpm_instance(provision=...)``) for the block, stopped
    afterwards; skips (or fails, under ``HUKSPY_REQUIRE``) when the TPM backend or swtpm is missing."""
    try:
        from hukspy_tpm2.testing import SwtpmUnavailableError, swtpm_instance
    except ImportError as exc:
        unavailable("tpm2", f"the TPM backend is not installed: {exc}")
    try:
        cm = swtpm_instance(provision=provision)
        inst = cm.__enter__()
    except SwtpmUnavailableError as exc:
        unavailable("tpm2", str(exc))
    try:
        yield inst
    finally:
        cm.__exit__(None, None, None)
