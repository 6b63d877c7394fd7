"""Fixtures shared by the whole test suite.

- ``HUKSPY_HOME`` points at a temp directory for the whole session (set at import, before any test or
  ``default_keystore()`` runs), so no test ever touches ``~/.local/share/hukspy``.
- ``keystore_uri`` (session scope) is parametrised over the backends: the software keystore in a temp
  directory, a SoftHSM2 token (``hukspy_pkcs11.testing.softhsm_token()``) and an swtpm
  (``hukspy_tpm2.testing.swtpm_instance()``). A plug-in or program that is not installed skips that
  backend's tests with the reason, unless ``HUKSPY_REQUIRE`` (comma-separated backend names, or
  ``all``; ``tests/_require.py``) names it: then it fails, so CI can never go green without the
  hardware.
- ``keystore`` opens ``hukspy.Keystore(uri)`` per test and asserts afterwards that no session was left
  open; ``software_keystore`` is the same on a fresh software keystore, for tests that need no other.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest

_HOME: Final = tempfile.mkdtemp(prefix="hukspy-test-home-")
os.environ["HUKSPY_HOME"] = _HOME
os.environ.pop("HUKSPY_KEYSTORE", None)

from _require import BACKENDS, unavailable  # noqa: E402

from hukspy import Keystore  # noqa: E402 - after HUKSPY_HOME is set
from hukspy.testing import open_keystore  # noqa: E402

#: backend name -> (module with the test helper, context-manager factory yielding an object with .uri)
_PROVIDERS: Final = {
    "pkcs11": ("hukspy_pkcs11.testing", "softhsm_token"),
    "tpm2": ("hukspy_tpm2.testing", "swtpm_instance"),
}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


def _is_unavailability(exc: BaseException) -> bool:
    """Whether ``exc`` says "this program or library is not installed" (rather than "it broke")."""
    if isinstance(exc, ImportError | FileNotFoundError):
        return True
    return any("Unavailable" in cls.__name__ for cls in type(exc).__mro__)


@contextlib.contextmanager
def backend_provider(backend: str, tmp: Path, **kwargs: object) -> Iterator[tuple[str, object | None]]:
    """A keystore URI for ``backend`` and what runs behind it (the ``TokenInfo`` or ``SwtpmInstance``;
    None for software), for the duration. ``kwargs`` go to the provider's factory (``label=`` makes
    another SoftHSM2 token). A missing program or plug-in skips, or fails under ``HUKSPY_REQUIRE``."""
    if backend == "software":
        yield f"software:{tmp}", None
        return
    module_name, factory_name = _PROVIDERS[backend]
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError) as exc:
        unavailable(backend, f"{module_name}.{factory_name} is not installed ({exc})")
    with contextlib.ExitStack() as stack:
        try:
            provider = stack.enter_context(factory(**kwargs))
        except Exception as exc:
            if _is_unavailability(exc):
                unavailable(backend, f"{type(exc).__name__}: {exc}")
            raise
        yield str(provider.uri), provider


@contextlib.contextmanager
def backend_uri(backend: str, tmp: Path) -> Iterator[str]:
    """A keystore URI for ``backend``, with whatever runs behind it (token, swtpm) for the duration."""
    with backend_provider(backend, tmp) as (uri, _):
        yield uri


@pytest.fixture(scope="session")
def open_backend() -> Callable[..., contextlib.AbstractContextManager[tuple[str, object | None]]]:
    """``backend_provider``, for a test that needs a keystore of its own (its own token, an swtpm it
    can kill): test modules cannot import this conftest by name."""
    return backend_provider


@pytest.fixture(scope="session", params=BACKENDS)
def keystore_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a keystore of each backend (session scope: one token/swtpm per test run)."""
    backend: str = request.param
    with backend_uri(backend, tmp_path_factory.mktemp(f"{backend}-keystore")) as uri:
        yield uri


@pytest.fixture
def keystore(keystore_uri: str) -> Iterator[Keystore]:
    """``hukspy.Keystore(keystore_uri)`` for one test; fails the test if a session is left open."""
    with open_keystore(keystore_uri) as ks:
        yield ks


@pytest.fixture(scope="session")
def openssl_cli() -> str:
    """The path of the ``openssl`` command (installed by ci/install-system.sh); skips without it, or
    fails when ``HUKSPY_REQUIRE`` names ``openssl``."""
    path = shutil.which("openssl")
    if path is None:
        unavailable("openssl", "the openssl command is not installed (Debian: apt-get install openssl)")
    return path


@pytest.fixture
def software_keystore(tmp_path: Path) -> Iterator[Keystore]:
    """A fresh software keystore in a temp directory; fails the test if a session is left open."""
    with open_keystore(f"software:{tmp_path / 'keystore'}") as ks:
        yield ks
