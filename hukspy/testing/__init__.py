"""hukspy.testing: the conformance suite that every keystore backend runs, shipped in the package.

A backend (built in, or a third party's plug-in) proves itself by running the suite against a real
keystore of its kind: its test file subclasses ``KeystoreConformanceTests`` (from
``hukspy.testing.conformance``; needs pytest, the ``testing`` extra) and says where the keystore is::

    # tests/test_conformance.py of a backend distribution
    import pytest

    from hukspy.testing.conformance import KeystoreConformanceTests


    class TestMyBackend(KeystoreConformanceTests):
        @pytest.fixture
        def keystore_uri(self) -> str:
            return "mybackend:location"

``keystore_uri`` may use any fixture (a token, a simulator); ``init_keystore(uri)`` may be overridden to
open the keystore another way. The suite reads ``keystore.capabilities()`` and tests **exactly** what the
backend declares, with the cases of ``hukspy.testing.cases`` (the generator ``hukspy selftest`` draws
from too): every declared ``KeyCap`` is generated (and imported, for each declared import type), every
declared ``OpCap`` is run end to end and its result checked independently with pyca ``cryptography``
(signatures verified against the exported public key, ciphers and MACs compared on an imported key of
known bytes). What a backend does not declare is skipped with a reason. On top of that it checks the
HUKS rules that hold for every backend (docs/decisions.md "From the contract"): overwrite and
``KEY_OVERRIDE``, aliases, storage levels, the session lifecycle and limit, AES-GCM framing, IV rules,
error codes, streaming with flat memory, threads.

Besides the suite, this package offers the small helpers the suite is written with (``param``,
``options``, ``run_session``, ``open_keystore``, ...), for a backend's own tests. Importing it needs no
pytest; ``raises_code`` and the suite do.
"""

from __future__ import annotations

from hukspy.testing.support import (
    P,
    ensure_generated,
    ensure_imported_secret,
    open_keystore,
    open_session_count,
    options,
    param,
    raises_code,
    run_session,
    unique_alias,
)

__all__ = [
    "P",
    "ensure_generated",
    "ensure_imported_secret",
    "open_keystore",
    "open_session_count",
    "options",
    "param",
    "raises_code",
    "run_session",
    "unique_alias",
]
