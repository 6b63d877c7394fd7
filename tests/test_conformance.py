"""The conformance suite (``hukspy.testing.conformance``) against every backend of ``keystore_uri``
(tests/conftest.py: software, SoftHSM2, swtpm)."""

from hukspy.testing.conformance import KeystoreConformanceTests


class TestConformance(KeystoreConformanceTests):
    """The suite on the session's ``keystore_uri`` fixture, one run per backend."""
