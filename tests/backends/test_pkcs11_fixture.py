"""The session's SoftHSM2 token for the PKCS#11 tests (imported by the other test_pkcs11*.py; no tests).

SoftHSM2 reads its config once per process, so the token is made once per test session
(``hukspy_pkcs11.testing.softhsm_token``, through the root conftest's ``open_backend``). Without
SoftHSM2 (or python-pkcs11) the tests skip, unless ``HUKSPY_REQUIRE`` names ``pkcs11`` (or is
``all``): then they fail, so CI never goes green without the token (``tests/_require.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _require import unavailable


@pytest.fixture(scope="session")
def pkcs11_token(open_backend: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The ``TokenInfo`` of the session's SoftHSM2 token (the one ``keystore_uri`` uses too)."""
    with open_backend("pkcs11", tmp_path_factory.mktemp("pkcs11")) as (_, token):
        yield token


@pytest.fixture(scope="session")
def p11kit_token() -> Iterator[object]:
    """A SoftHSM2 token served by ``p11-kit server``, reached through p11-kit-client
    (``hukspy_pkcs11.testing.p11kit_token``): ``.uri`` opens it; ``$P11_KIT_SERVER_ADDRESS`` is set for this
    process and its subprocesses. Fails under ``HUKSPY_REQUIRE=pkcs11`` when p11-kit cannot be set up."""
    try:
        from hukspy_pkcs11.testing import SoftHsmUnavailableError, p11kit_token
    except ImportError as exc:
        unavailable("pkcs11", f"hukspy_pkcs11 is not importable: {exc}")
    try:
        with p11kit_token() as token:
            yield token
    except SoftHsmUnavailableError as exc:  # P11KitUnavailableError included
        unavailable("pkcs11", str(exc))
