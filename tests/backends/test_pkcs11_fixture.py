"""The session's SoftHSM2 token for the PKCS#11 tests (imported by the other test_pkcs11*.py; no tests).

SoftHSM2 reads its config once per process, so the token is made once per test session
(``hukspy_pkcs11.testing.softhsm_token``). Without SoftHSM2 (or python-pkcs11) the tests skip, unless
``HUKSPY_REQUIRE`` names ``pkcs11``: then they fail, so CI never goes green without the token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def required() -> bool:
    return "pkcs11" in {s.strip() for s in os.environ.get("HUKSPY_REQUIRE", "").split(",")}


def unavailable(why: str) -> None:
    if required():
        pytest.fail(f"HUKSPY_REQUIRE=pkcs11 but the PKCS#11 backend cannot run: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def pkcs11_token() -> Iterator[object]:
    try:
        from hukspy_pkcs11.testing import SoftHsmUnavailableError, softhsm_token
    except ImportError as exc:  # hukspy-pkcs11 or python-pkcs11 not installed
        unavailable(f"hukspy_pkcs11 is not importable: {exc}")
        return
    try:
        with softhsm_token() as token:
            yield token
    except SoftHsmUnavailableError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def p11kit_token() -> Iterator[object]:
    """A SoftHSM2 token served by ``p11-kit server``, reached through p11-kit-client
    (``hukspy_pkcs11.testing.p11kit_token``): ``.uri`` opens it; ``$P11_KIT_SERVER_ADDRESS`` is set for this
    process and its subprocesses. Fails under ``HUKSPY_REQUIRE=pkcs11`` when p11-kit cannot be set up."""
    try:
        from hukspy_pkcs11.testing import SoftHsmUnavailableError, p11kit_token
    except ImportError as exc:
        unavailable(f"hukspy_pkcs11 is not importable: {exc}")
        return
    try:
        with p11kit_token() as token:
            yield token
    except SoftHsmUnavailableError as exc:  # P11KitUnavailableError included
        unavailable(str(exc))
