"""The core conformance suite (hukspy.testing) on swtpm with ``?fallback=sealed``: every capability of
the software engine that the TPM lacks is served as a sealed key, and the suite proves each one.

(The plain ``tpm2:`` keystore runs the suite through ``tests/test_conformance.py``.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _require import swtpm, unavailable

from hukspy.testing.conformance import KeystoreConformanceTests

try:
    from hukspy_tpm2.testing import SwtpmInstance
except ImportError as _exc:  # pragma: no cover - hukspy-tpm2 not installed
    unavailable("tpm2", f"the TPM backend is not installed: {_exc}", module_level=True)


@pytest.fixture(scope="module")
def sealed_swtpm() -> Iterator[SwtpmInstance]:
    with swtpm() as inst:
        yield inst


class TestTpm2SealedConformance(KeystoreConformanceTests):
    @pytest.fixture
    def keystore_uri(self, sealed_swtpm: SwtpmInstance) -> str:
        # $HUKSPY_HOME is the test session's temp dir (tests/conftest.py): the suite opens more Keystores
        # on the same URI and expects them to see the same keys.
        return sealed_swtpm.uri + "?fallback=sealed"
