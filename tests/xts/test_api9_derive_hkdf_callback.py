"""XTS ``SecurityHuksDeriveHKDFCallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksDeriveHKDFCallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 2 ``it()`` cases on ``HuksOptions63kb`` (AES, DERIVE, SHA256,
256): _001 derives with HKDF and stores the result, _002 aborts
(``derive_callback_case``, tests/xts/helpers_callback.py).
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyDigest, HuksTag
from hukspy.testing import param
from xts.helpers import AES, PURPOSE_DERIVE
from xts.helpers_callback import derive_callback_case

T = HuksTag
#: ``HuksOptions63kb`` (line 25)
GEN = [AES.ALG, PURPOSE_DERIVE, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256), AES.SIZE256]
#: (it() name, line, finish/abort)
CASES = [("Security_HUKS_Derive_API9_HKDF_001", 37, "finish"),
         ("Security_HUKS_Derive_API9_HKDF_002", 61, "abort")]


@pytest.mark.parametrize(("name", "line", "third"), CASES, ids=[c[0] for c in CASES])
def test_derive(keystore: Keystore, name: str, line: int, third: str) -> None:
    """SecurityHuksDeriveHKDFCallbackJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): generate the base key, init/update/finish (or abort) the HKDF derivation, delete; every call
    succeeds."""
    derive_callback_case(keystore, "HKDF", third, GEN)
