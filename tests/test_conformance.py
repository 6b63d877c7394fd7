"""The conformance suite (``hukspy.testing.conformance``) against every backend of ``keystore_uri``."""

from hukspy.testing.conformance import *  # noqa: F403 - the suite's tests, collected here
