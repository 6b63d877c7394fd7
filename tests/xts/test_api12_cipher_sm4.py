"""XTS ``SecurityHuksCipherSM4.test.ets`` (api12 ets suite), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherSM4.test.ets`` in ``API12_DIR`` (tests/xts/helpers_api12_e.py) at xts_acts
commit ``c1edf0ad`` (tests/xts/helpers.py). 18 ``it()`` cases: SM4-128 in CFB and OFB mode with NONE
padding and ``IV = '0000000000000000'``. ``beforeEach`` builds the generate options (SM4, 128,
ENCRYPT|DECRYPT) and the cipher options (SM4, 128, ENCRYPT, CFB, NONE, IV); each case sets the mode and
padding again (``SetParam``: removed and appended) and may add INFO/SALT, remove the IV or empty a tag.

Round trips go through the CipherUtils.ets helpers (``cipherWithText``, ``cipherAbortWithText``,
``Cipher``); the error cases generate the key and expect ``initSession`` to fail. hukspy also deletes
the keys upstream leaves behind (``cipherKey`` and the case's own alias).

Decisions (docs/decisions.md, "From the contract", IV): a CFB/OFB init without an IV is 12000002, where
upstream answers 401 (the empty IV and SALT cases: ``test_init_error``). Re-examined against upstream's
source: SM4's IV is read only when the engine builds the cipher's usage spec
(``frameworks/huks_standard/main/common/src/hks_crypto_adapter.c:171-178``, ``HksFillIvParam``, called
for SM4 at :243-244): a missing tag is ``HksGetParam``'s ``HKS_ERROR_PARAM_NOT_EXIST`` (-30), which
``hks_errcode_adapter.c:96`` maps to 401; AES reaches ``CheckGetIv`` in the policy check first
(CHECK_GET_IV_FAIL -108 → 12000002), so upstream answers a missing IV differently per algorithm.
hukspy keeps its contract's one rule for every block cipher (python-api.md "IV"): the decision stands.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import require, string_to_uint8array
from xts.helpers_api12_e import (
    CIPHER_KEY,
    DECRYPT,
    EMPTY_DECISION,
    ENCRYPT,
    IV_DECISION,
    CipherData,
    cipher,
    cipher_abort_with_text,
    cipher_with_text,
    delete_param,
    get_data_by_size,
    set_param,
)

T = HuksTag
MODES = {"CFB": HuksCipherMode.HUKS_MODE_CFB, "OFB": HuksCipherMode.HUKS_MODE_OFB}
PADDINGS = {"NONE": HuksKeyPadding.HUKS_PADDING_NONE, "PKCS7": HuksKeyPadding.HUKS_PADDING_PKCS7}
ZEROS16 = string_to_uint8array("0000000000000000")
#: ``genKeyOption`` of beforeEach.
GEN = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM4), param(T.HUKS_TAG_KEY_SIZE, 128),
       param(T.HUKS_TAG_PURPOSE, ENCRYPT | DECRYPT)]
#: ``cipherOption`` of beforeEach.
CIPHER = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM4), param(T.HUKS_TAG_KEY_SIZE, 128),
          param(T.HUKS_TAG_PURPOSE, ENCRYPT),
          param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CFB),
          param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE), param(T.HUKS_TAG_IV, ZEROS16)]


def _props(mode: str, padding: str = "NONE", *, info_salt: bool = False) -> list[HuksParam]:
    """``cipherOption`` after the case's ``SetParam`` calls: mode and padding set again, and with
    ``info_salt`` INFO and SALT of sixteen "0"."""
    props = set_param(CIPHER, T.HUKS_TAG_BLOCK_MODE, MODES[mode])
    props = set_param(props, T.HUKS_TAG_PADDING, PADDINGS[padding])
    if info_salt:
        props = set_param(set_param(props, T.HUKS_TAG_INFO, ZEROS16), T.HUKS_TAG_SALT, ZEROS16)
    return props


def _text(name: str, size: int) -> str:
    """``testNumber + GetDataBySize(size - testNumber.length)``."""
    return name + get_data_by_size(size - len(name))


def _cleanup(ks: Keystore, *aliases: str) -> None:
    for alias in aliases:
        if ks.has_key_item(alias, options()):
            ks.delete_key_item(alias, options())


def _init_error(ks: Keystore, alias: str, props: list[HuksParam]) -> int | None:
    """Generate ``alias`` with ``GEN`` and init with ``props``: the HUKS code init raised, or None when it
    succeeded (the session is aborted). The key is deleted either way."""
    ks.generate_key_item(alias, options(*GEN))
    try:
        handle = ks.init_session(alias, options(*props)).handle
    except HuksError as err:
        return err.code
    else:
        ks.abort_session(handle, options())
        return None
    finally:
        ks.delete_key_item(alias, options())


#: (it() name, line, mode, helper, data size, INFO/SALT set): the round trips, all expected to succeed.
ROUND_TRIPS = [
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0100", 69, "CFB", "text", 240, True),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0200", 93, "CFB", "abort", 240, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0300", 115, "CFB", "finish", 240, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0400", 142, "CFB", "text", 64 * 1024, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0500", 164, "CFB", "text", 240, False),  # callback style
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0800", 231, "OFB", "text", 240, True),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0900", 255, "OFB", "abort", 240, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1000", 277, "OFB", "finish", 240, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1100", 305, "OFB", "text", 64 * 1024, False),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1200", 327, "OFB", "text", 240, False),  # callback style
]


@pytest.mark.parametrize(("name", "line", "mode", "helper", "size", "info_salt"), ROUND_TRIPS,
                         ids=[c[0] for c in ROUND_TRIPS])
def test_round_trip(keystore: Keystore, name: str, line: int, mode: str, helper: str, size: int,
                    info_salt: bool) -> None:
    """SecurityHuksCipherSM4.test.ets, at the line in ``ROUND_TRIPS`` (test id: the it() name): "text"
    is ``cipherWithText``/``cipherWithTextCallback`` (the text in one update, "cipherKey" at finish),
    "abort" ``cipherAbortWithText`` (one update each way, then abort), "finish" generates the case's
    alias and runs ``Cipher`` with the whole text at finish. The helper returns true (the decryption
    equals the plaintext) and no call fails."""
    props = _props(mode, info_salt=info_salt)
    require(keystore, GEN, props)
    try:
        if helper == "text":
            assert cipher_with_text(keystore, GEN, props, _text(name, size))
        elif helper == "abort":
            assert cipher_abort_with_text(keystore, GEN, props, _text(name, size))
        else:
            keystore.generate_key_item(name, options(*GEN))
            assert cipher(keystore, name, props, CipherData(None, string_to_uint8array(_text(name, size))))
    finally:
        _cleanup(keystore, CIPHER_KEY, name)


#: (it() name, line, mode, padding, change, hukspy's code or None for success, kind). Upstream expects init
#: to fail in every case. change: "iv-" removes the IV, "iv0"/"salt0" set IV/SALT to an empty Uint8Array.
INIT_ERRORS = [
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0600", 186, "CFB", "PKCS7", "", 12000003, "case"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_0700", 208, "CFB", "NONE", "iv-", 12000002, "decision"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1300", 349, "OFB", "PKCS7", "", 12000003, "case"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1400", 371, "OFB", "NONE", "iv-", 12000002, "decision"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1500", 394, "CFB", "NONE", "iv0", 12000003, "empty"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1600", 417, "CFB", "NONE", "salt0", None, "empty"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1700", 440, "OFB", "NONE", "iv0", 12000003, "empty"),
    ("SUB_Security_HUKS_Cipher_SM4_API12_Func_1800", 463, "OFB", "NONE", "salt0", None, "empty"),
]
_MARKS = {"case": (), "decision": (pytest.mark.xts_decision(IV_DECISION),),
          "empty": (pytest.mark.xts_decision(EMPTY_DECISION),)}


@pytest.mark.parametrize(("name", "line", "mode", "padding", "change", "code"),
                         [pytest.param(*c[:6], id=c[0], marks=_MARKS[c[6]]) for c in INIT_ERRORS])
def test_init_error(keystore: Keystore, name: str, line: int, mode: str, padding: str, change: str,
                    code: int | None) -> None:
    """SecurityHuksCipherSM4.test.ets, at the line in ``INIT_ERRORS``: generate, init with the changed
    cipher options. Upstream: PKCS7 padding in CFB/OFB is 12000003 (_0600, _1300: hukspy too); no IV
    (_0700, _1400) is 401, where hukspy answers 12000002 (the module docstring's IV decision); an empty
    IV (_1500, _1700) or SALT (_1600, _1800) is 401, where hukspy answers 12000003 for the IV (a wrong
    length) and opens the session with the SALT, which an SM4 cipher does not read.

    The empty values, re-examined against upstream's source (docs/decisions.md, "an empty bytes value"):
    the 401 is the NAPI's answer to a failed ``HksBuildParamSet`` (``interfaces/kits/napi/src/v9/
    huks_napi_common_item.cpp:347-350``). It fails because ``FreshParamSet``
    (``frameworks/huks_standard/main/common/src/hks_param.c:418-440``) copies each blob with
    ``memcpy_s(dest, size - offset, data, blob.size)``, and securec's ``memcpy_s`` answers ERANGE for a
    destination of 0 bytes even when it copies none: only an empty value whose data ends the set (here
    each case's ``SetParam`` appends it last) fails; the same value earlier in the set is accepted. A
    rule that depends on the order of the params is not one hukspy copies: the decision stands."""
    props = _props(mode, padding)
    if change == "iv-":
        props = delete_param(props, T.HUKS_TAG_IV)
    elif change == "iv0":
        props = set_param(props, T.HUKS_TAG_IV, b"")
    elif change == "salt0":
        props = set_param(props, T.HUKS_TAG_SALT, b"")
    require(keystore, GEN)
    assert _init_error(keystore, name, props) == code
    assert not keystore.has_key_item(name, options())
