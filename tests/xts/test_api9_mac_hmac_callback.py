"""XTS ``SecurityHuksMacHmacCallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksMacHmacCallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 8 ``it()`` cases. The file's ``publicHmacGenFunc``: generate an HMAC key with
KEY_SIZE 512 spliced in at index 1 (ALG, KEY_SIZE, PURPOSE_MAC, DIGEST), init without it, update the data
(up to 64 KiB in one update, else 64 KiB pieces and the remainder), finish with ``"0"`` or abort, delete
with KEY_SIZE again. Unlike the promise suite it reads no key properties. Every call must succeed.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.params import HuksParam
from hukspy.testing import options
from xts.helpers import DATE63KB, DATE65KB, HMAC, require, update_in_chunks

#: (it() name, line, alias, digest, data, finish/abort)
CASES = [
    ("testReformedHmacSHA256001", 272, "testHmacDigestSHA256KeyAlias001", HMAC.SHA256, DATE63KB, "finish"),
    ("testReformedHmacSHA256002", 287, "testHmacDigestSHA256KeyAlias002", HMAC.SHA256, DATE63KB, "abort"),
    ("testReformedHmacSHA256003", 300, "testHmacDigestSHA256KeyAlias003", HMAC.SHA256, DATE65KB, "finish"),
    ("testReformedHmacSHA256004", 313, "testHmacDigestSHA256KeyAlias004", HMAC.SHA256, DATE65KB, "abort"),
    ("Security_HUKS_Hmac_API9_SM3_001", 326, "testHmacDigestSM3KeyAlias001", HMAC.SM3, DATE63KB, "finish"),
    ("Security_HUKS_Hmac_API9_SM3_002", 341, "testHmacDigestSM3KeyAlias002", HMAC.SM3, DATE63KB, "abort"),
    ("Security_HUKS_Hmac_API9_SM3_003", 354, "testHmacDigestSM3KeyAlias003", HMAC.SM3, DATE65KB, "finish"),
    ("Security_HUKS_Hmac_API9_SM3_004", 367, "testHmacDigestSM3KeyAlias004", HMAC.SM3, DATE65KB, "abort"),
]


@pytest.mark.parametrize(("name", "line", "alias", "digest", "data", "third"), CASES,
                         ids=[c[0] for c in CASES])
def test_hmac(keystore: Keystore, name: str, line: int, alias: str, digest: HuksParam, data: bytes,
              third: str) -> None:
    """SecurityHuksMacHmacCallbackJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    ``publicHmacGenFunc`` with the case's digest, data and finish/abort; every call succeeds (hukspy's
    check: a finish returns the tag, of the digest's size)."""
    init = [HMAC.ALG, HMAC.PURPOSE, digest]
    gen = [HMAC.ALG, HMAC.SIZE, HMAC.PURPOSE, digest]
    require(keystore, gen, init)
    keystore.generate_key_item(alias, options(*gen))
    handle = keystore.init_session(alias, options(*init)).handle
    try:
        update_in_chunks(keystore, handle, init, data, 64 * 1024)
        if third == "finish":
            assert len(keystore.finish_session(handle, options(*init, in_data=b"0")).out_data) == 32
        else:
            keystore.abort_session(handle, options(*init))
    except BaseException:
        keystore.abort_session(handle, options())
        raise
    keystore.delete_key_item(alias, options(*gen))
    assert not keystore.has_key_item(alias, options())
