"""XTS ``SecurityHuksExportJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksExportJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 19 ``it()`` cases: 18 generate an asymmetric key, export its public key and
delete it (every call succeeds); ``_2000`` exports an alias that does not exist. Cases upstream guards
with ``useSoftware`` (``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import check_software, require
from xts.props import alg, digest, purpose, size

T = HuksTag
P = HuksKeyPurpose
PADDING_NONE = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
ECB = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)
CBC = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)


#: (it() name, line, guarded by useSoftware, generate params)
CASES = [
    ("Security_HUKS_Export_API9_0100", 138, True,
     [alg("RSA"), size(512), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0200", 159, True,
     [alg("RSA"), size(768), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0300", 180, True,
     [alg("RSA"), size(1024), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0400", 201, False,
     [alg("RSA"), size(2048), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0500", 220, False,
     [alg("RSA"), size(3072), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0600", 239, False,
     [alg("RSA"), size(4096), purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, digest("SHA256")]),
    ("Security_HUKS_Export_API9_0700", 258, True,
     [alg("ECC"), size(224), purpose(P.HUKS_KEY_PURPOSE_AGREE), digest("NONE")]),
    ("Security_HUKS_Export_API9_0800", 277, False,
     [alg("ECC"), size(256), purpose(P.HUKS_KEY_PURPOSE_AGREE), digest("NONE")]),
    ("Security_HUKS_Export_API9_0900", 294, False,
     [alg("ECC"), size(384), purpose(P.HUKS_KEY_PURPOSE_AGREE), digest("NONE")]),
    ("Security_HUKS_Export_API9_1000", 311, False,
     [alg("ECC"), size(521), purpose(P.HUKS_KEY_PURPOSE_AGREE), digest("NONE")]),
    ("Security_HUKS_Export_API9_1100", 328, True,
     [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(224), digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1200", 349, False,
     [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(256), digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1300", 368, False,
     [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(384), digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1400", 387, False,
     [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(521), digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1500", 406, False,
     [alg("ED25519"), purpose(P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY), size(256),
      digest("SHA1")]),
    ("Security_HUKS_Export_API9_1600", 423, False,
     [alg("X25519"), size(256), digest("NONE"), PADDING_NONE, purpose(P.HUKS_KEY_PURPOSE_AGREE), CBC]),
    ("Security_HUKS_Export_API9_1700", 442, True,
     [alg("DSA"), purpose(P.HUKS_KEY_PURPOSE_SIGN), digest("SHA1"), size(1024)]),
    ("Security_HUKS_Export_API9_1800", 461, False,
     [alg("SM2"), purpose(P.HUKS_KEY_PURPOSE_SIGN), size(256), digest("SM3")]),
]


@pytest.mark.parametrize(("name", "line", "software_only", "gen"), CASES, ids=[c[0] for c in CASES])
def test_export(keystore: Keystore, name: str, line: int,
                software_only: bool, gen: list[HuksParam]) -> None:
    """SecurityHuksExportJsunit.test.js, at the line in ``CASES`` (test id: the it() name): generate,
    export, delete; every call succeeds (hukspy's check: the export returned a key)."""
    require(keystore, gen)
    if software_only and not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    keystore.generate_key_item(name, options(*gen))
    try:
        assert keystore.export_key_item(name, options(*gen)).out_data
    finally:
        keystore.delete_key_item(name, options(*gen))


def test_Security_HUKS_Export_API9_2000(keystore: Keystore) -> None:
    """SecurityHuksExportJsunit.test.js:478: exporting the alias ``'****'`` that holds no key rejects
    (upstream ignores the code; hukspy's contract says 12000011, docs/decisions.md "From the contract")."""
    with raises_code(12000011):
        keystore.export_key_item("****", options(
            alg("RSA"), purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), size(4096), PADDING_NONE, ECB,
            digest("SHA256")))
