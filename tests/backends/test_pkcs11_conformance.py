"""The core conformance suite (hukspy.testing) against a real SoftHSM2 token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

from hukspy import Keystore
from hukspy.testing import open_keystore
from hukspy.testing.conformance import *  # noqa: F403 - the suite's tests and helper fixtures

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import TokenInfo


@pytest.fixture
def keystore(pkcs11_token: TokenInfo) -> Iterator[Keystore]:  # noqa: F811 - the imported fixture
    with open_keystore(pkcs11_token.uri) as ks:
        yield ks
