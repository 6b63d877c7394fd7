"""XTS ``SecurityHuksMacHmacPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksMacHmacPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 10 ``it()`` cases.

``publicHmacFunc``: generate an HMAC-512-bit key (ALG, KEY_SIZE, PURPOSE_MAC, DIGEST), read its
properties (promise and callback forms: the same ``get_key_item_properties`` here), init, update in
64 KiB pieces, finish with ``"0"`` or abort, delete. Every call must succeed.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.params import HuksParam
from hukspy.testing import options
from xts.helpers import DATE63KB, DATE65KB, HMAC, require, update_in_chunks


def _gen_and_properties(ks: Keystore, alias: str, init: list[HuksParam]) -> list[HuksParam]:
    """``publicHmacGenFunc``: KEY_SIZE spliced in at index 1, generate, properties read twice."""
    gen = [init[0], HMAC.SIZE, *init[1:]]
    ks.generate_key_item(alias, options(*gen))
    for _ in range(2):  # the promise form, then the callback form
        assert ks.get_key_item_properties(alias, options(*gen)).properties is not None
    return gen


def _hmac(ks: Keystore, alias: str, digest: HuksParam, data: bytes, third: str) -> None:
    init = [HMAC.ALG, HMAC.PURPOSE, digest]
    require(ks, [init[0], HMAC.SIZE, *init[1:]], init)
    gen = _gen_and_properties(ks, alias, init)
    handle = ks.init_session(alias, options(*init)).handle
    try:
        update_in_chunks(ks, handle, init, data, 64 * 1024)
        if third == "finish":
            mac = ks.finish_session(handle, options(*init, in_data=b"0")).out_data
            assert mac  # upstream ignores it; a MAC finish returns the tag
        else:
            ks.abort_session(handle, options(*init))
    except BaseException:
        ks.abort_session(handle, options())
        raise
    ks.delete_key_item(alias, options(*gen))
    assert not ks.has_key_item(alias, options())


#: (it() name, line, alias, digest, data, finish/abort)
CASES = [
    ("Security_HUKS_Hmac_API9_101", 222, "testHmacDigestSHA256KeyAlias101", HMAC.SHA256, DATE63KB, "finish"),
    ("Security_HUKS_Hmac_API9_102", 236, "testHmacDigestSHA256KeyAlias102", HMAC.SHA256, DATE63KB, "abort"),
    ("Security_HUKS_Hmac_API9_103", 250, "testHmacDigestSHA256KeyAlias103", HMAC.SHA256, DATE65KB, "finish"),
    ("Security_HUKS_Hmac_API9_104", 264, "testHmacDigestSHA256KeyAlias104", HMAC.SHA256, DATE65KB, "abort"),
    ("Security_HUKS_Hmac_API9_SM3_101", 303, "testHmacDigestSM3KeyAlias001", HMAC.SM3, DATE63KB, "finish"),
    ("Security_HUKS_Hmac_API9_SM3_102", 318, "testHmacDigestSM3KeyAlias002", HMAC.SM3, DATE63KB, "abort"),
    ("Security_HUKS_Hmac_API9_SM3_103", 332, "testHmacDigestSM3KeyAlias003", HMAC.SM3, DATE65KB, "finish"),
    ("Security_HUKS_Hmac_API9_SM3_104", 346, "testHmacDigestSM3KeyAlias004", HMAC.SM3, DATE65KB, "abort"),
]


@pytest.mark.parametrize(("name", "line", "alias", "digest", "data", "third"), CASES,
                         ids=[c[0] for c in CASES])
def test_hmac(keystore: Keystore, name: str, line: int, alias: str, digest: HuksParam, data: bytes,
              third: str) -> None:
    """SecurityHuksMacHmacPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    ``publicHmacFunc`` with the case's digest, data and finish/abort; every call succeeds."""
    _hmac(keystore, alias, digest, data, third)


@pytest.mark.parametrize(("name", "alias", "digest"), [
    ("testReformedHmacSHA384103", "testHmacDigestSHA384KeyAlias003", HMAC.SHA384),
    ("testReformedHmacSHA512103", "testHmacDigestSHA512KeyAlias003", HMAC.SHA512),
], ids=["testReformedHmacSHA384103", "testReformedHmacSHA512103"])
def test_reformed_generate_only(keystore: Keystore, name: str, alias: str, digest: HuksParam) -> None:
    """SecurityHuksMacHmacPromiseJsunit.test.js:277 (SHA384) and :290 (SHA512): ``publicHmacGenFunc``
    only: generate and read the properties (upstream leaves the key; this deletes it afterwards)."""
    init = [HMAC.ALG, HMAC.PURPOSE, digest]
    require(keystore, [init[0], HMAC.SIZE, *init[1:]], init)
    gen = _gen_and_properties(keystore, alias, init)
    keystore.delete_key_item(alias, options(*gen))
