"""The core conformance suite (hukspy.testing) against a real SoftHSM2 token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hukspy import Keystore
from hukspy.testing import open_keystore
from hukspy.testing.conformance import *  # noqa: F403 - the suite's tests and helper fixtures
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture


@pytest.fixture
def keystore(pkcs11_token: object) -> Iterator[Keystore]:
    with open_keystore(pkcs11_token.uri) as ks:  # type: ignore[attr-defined]
        yield ks
