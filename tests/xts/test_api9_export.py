"""XTS ``SecurityHuksExportJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksExportJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 19 ``it()`` cases: 18 generate an asymmetric key, export its public key and
delete it (every call succeeds); ``_2000`` exports an alias that does not exist. Cases upstream guards
with ``useSoftware`` (``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import check_software, require

T = HuksTag
P = HuksKeyPurpose
PADDING_NONE = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
ECB = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)
CBC = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)


def _alg(name: str) -> HuksParam:
    return param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg[f"HUKS_ALG_{name}"])


def _purpose(purpose: int) -> HuksParam:
    return param(T.HUKS_TAG_PURPOSE, purpose)


def _size(bits: int) -> HuksParam:
    return param(T.HUKS_TAG_KEY_SIZE, bits)


def _digest(name: str) -> HuksParam:
    return param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{name}"])


#: (it() name, line, guarded by useSoftware, generate params)
CASES = [
    ("Security_HUKS_Export_API9_0100", 138, True,
     [_alg("RSA"), _size(512), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0200", 159, True,
     [_alg("RSA"), _size(768), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0300", 180, True,
     [_alg("RSA"), _size(1024), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0400", 201, False,
     [_alg("RSA"), _size(2048), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0500", 220, False,
     [_alg("RSA"), _size(3072), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0600", 239, False,
     [_alg("RSA"), _size(4096), _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), PADDING_NONE, ECB, _digest("SHA256")]),
    ("Security_HUKS_Export_API9_0700", 258, True,
     [_alg("ECC"), _size(224), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _digest("NONE")]),
    ("Security_HUKS_Export_API9_0800", 277, False,
     [_alg("ECC"), _size(256), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _digest("NONE")]),
    ("Security_HUKS_Export_API9_0900", 294, False,
     [_alg("ECC"), _size(384), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _digest("NONE")]),
    ("Security_HUKS_Export_API9_1000", 311, False,
     [_alg("ECC"), _size(521), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _digest("NONE")]),
    ("Security_HUKS_Export_API9_1100", 328, True,
     [_alg("ECC"), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _size(224), _digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1200", 349, False,
     [_alg("ECC"), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _size(256), _digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1300", 368, False,
     [_alg("ECC"), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _size(384), _digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1400", 387, False,
     [_alg("ECC"), _purpose(P.HUKS_KEY_PURPOSE_AGREE), _size(521), _digest("NONE"), PADDING_NONE, CBC]),
    ("Security_HUKS_Export_API9_1500", 406, False,
     [_alg("ED25519"), _purpose(P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY), _size(256),
      _digest("SHA1")]),
    ("Security_HUKS_Export_API9_1600", 423, False,
     [_alg("X25519"), _size(256), _digest("NONE"), PADDING_NONE, _purpose(P.HUKS_KEY_PURPOSE_AGREE), CBC]),
    ("Security_HUKS_Export_API9_1700", 442, True,
     [_alg("DSA"), _purpose(P.HUKS_KEY_PURPOSE_SIGN), _digest("SHA1"), _size(1024)]),
    ("Security_HUKS_Export_API9_1800", 461, False,
     [_alg("SM2"), _purpose(P.HUKS_KEY_PURPOSE_SIGN), _size(256), _digest("SM3")]),
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
            _alg("RSA"), _purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), _size(4096), PADDING_NONE, ECB,
            _digest("SHA256")))
