"""The core conformance suite (hukspy.testing) against a real SoftHSM2 token."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

from hukspy.testing.conformance import KeystoreConformanceTests

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import TokenInfo


class TestPkcs11Conformance(KeystoreConformanceTests):
    @pytest.fixture
    def keystore_uri(self, pkcs11_token: TokenInfo) -> str:  # noqa: F811 - the imported fixture
        return pkcs11_token.uri
