"""XTS ``SecurityHuksCipherAESCallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherAESCallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 6 ``it()`` cases. The four cipher cases use the file's own ``publicCipherFunc``:
the module-level ``genHuksOptions`` becomes (AES, ENCRYPT|DECRYPT, 128, CBC, NONE) at _001 and stays so;
sessions carry ``IV = '0000000000000000'``. This suite's ``publicUpdateFunc`` differs from the promise
suite's: an input under 64 bytes goes to one update and then, unchanged, to finish as well (the finish
options still hold it). Its finish checks what the *updates* returned: an encryption differs from the
plaintext, a decryption equals it (``encryptedData``, the last encryption's input).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hukspy import Keystore
from hukspy.enums import HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import AES, require, string_to_uint8array
from xts.helpers_callback import UPDATE_HOLDS_OUTPUT

T = HuksTag
IV = param(T.HUKS_TAG_IV, string_to_uint8array("0000000000000000"))
SRC_DATA63 = string_to_uint8array("Hks_AES_Cipher_Test_000000000000000000000_string")  # 48 bytes
#: ``genHuksOptions`` after the splices of _001 (line 293)
GEN = [AES.ALG, AES.PURPOSE, AES.SIZE128, AES.CBC, AES.PADDING_NONE]


def _props(purpose: HuksParam) -> list[HuksParam]:
    return [AES.ALG, purpose, AES.SIZE128, AES.PADDING_NONE, AES.CBC, AES.DIGEST_NONE, IV]


@dataclass
class CallbackCipher:
    """The module state of the suite: ``updateResult`` and ``encryptedData``."""

    update_result: bytes = b""
    encrypted_data: bytes = b""

    def cipher(self, ks: Keystore, alias: str, props: list[HuksParam], data: bytes, third: str,
               is_encrypt: bool) -> None:
        """``publicCipherFunc``: generate with ``GEN`` (encrypt), init, ``publicUpdateFunc`` (its branch
        for an input under 64 bytes: one update, then finish or abort with the same options), the finish
        checking the update output against ``encryptedData``; delete after a decrypt or an aborted
        encrypt. Every call succeeds."""
        self.update_result = b""
        if is_encrypt:
            ks.generate_key_item(alias, options(*GEN))
            self.encrypted_data = data
        assert len(data) < 64  # every case feeds 48 bytes: publicUpdateFunc's one-update branch
        handle = ks.init_session(alias, options(*props)).handle
        try:
            self.update_result = ks.update_session(handle, options(*props, in_data=data)).out_data
            # upstream's options still hold the whole input; with ``encryptedData`` under 64 bytes its
            # finish ignores the finish output
            if third == "finish":
                ks.finish_session(handle, options(*props, in_data=data))
                if is_encrypt:
                    assert self.update_result != self.encrypted_data
                else:
                    assert self.update_result == self.encrypted_data
            else:
                ks.abort_session(handle, options(*props, in_data=data))
        except BaseException:
            ks.abort_session(handle, options())
            raise
        if not is_encrypt or third == "abort":
            ks.delete_key_item(alias, options(*GEN))


#: (it() name, line, alias)
ROUND_TRIPS = [
    ("Security_HUKS_Cipher_API9_AES_001", 291, "testCipherAESSize128PADDINGNONEMODECBCKeyAlias001"),
    ("Security_HUKS_Cipher_API9_AES_003", 349, "testCipherAESSize128PADDINGNONEMODECBCKeyAlias003"),
]
#: (it() name, line, alias): upstream's ``inData`` is the module's ``updateResult`` when the case starts,
#: the decrypted 48-byte plaintext the round trip before it left (``SRC_DATA63``).
ABORTS = [
    ("Security_HUKS_Cipher_API9_AES_002", 329, "testCipherAESSize128PADDINGNONEMODECBCKeyAlias002"),
    ("Security_HUKS_Cipher_API9_AES_004", 384, "testCipherAESSize128PADDINGNONEMODECBCKeyAlias002"),
]


@pytest.mark.parametrize(("name", "line", "alias"), ROUND_TRIPS, ids=[c[0] for c in ROUND_TRIPS])
def test_round_trip(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int,
                    alias: str) -> None:
    """SecurityHuksCipherAESCallbackJsunit.test.js, at the line in ``ROUND_TRIPS`` (test id: the it()
    name): generate, encrypt 48 bytes (update, then finish with the same 48 bytes), decrypt the update
    output the same way, delete; the encryption's update output differs from the plaintext, the
    decryption's equals it."""
    require(keystore, GEN, _props(AES.ENCRYPT))
    if keystore.backend_name == "pkcs11":
        request.applymarker(pytest.mark.xfail(strict=True, reason=UPDATE_HOLDS_OUTPUT))
    run = CallbackCipher()
    run.cipher(keystore, alias, _props(AES.ENCRYPT), SRC_DATA63, "finish", True)
    run.cipher(keystore, alias, _props(AES.DECRYPT), run.update_result, "finish", False)
    assert not keystore.has_key_item(alias, options())


@pytest.mark.parametrize(("name", "line", "alias"), ABORTS, ids=[c[0] for c in ABORTS])
def test_encrypt_abort(keystore: Keystore, name: str, line: int, alias: str) -> None:
    """SecurityHuksCipherAESCallbackJsunit.test.js, at the line in ``ABORTS``: generate, update the
    48 bytes, abort, delete; every call succeeds."""
    require(keystore, GEN, _props(AES.ENCRYPT))
    CallbackCipher().cipher(keystore, alias, _props(AES.ENCRYPT), SRC_DATA63, "abort", True)
    assert not keystore.has_key_item(alias, options())


#: ``huksProperties`` of the last two cases: AES-128 ENCRYPT|DECRYPT, PKCS7, CBC
PWD_KEY = [AES.ALG, AES.SIZE128, AES.PURPOSE, AES.PADDING_PKCS7, AES.CBC]


def test_SUB_Security_HUKS_isPwdSet_0060(keystore: Keystore) -> None:
    """SecurityHuksCipherAESCallbackJsunit.test.js:413: generating with IS_DEVICE_PASSWORD_SET=true and
    no lock-screen password passes an error to the callback (upstream accepts any error; hukspy's is
    12000016, HUKS_ERR_CODE_DEVICE_PASSWORD_UNSET, as in the promise suite's isPwdSet_0010)."""
    with raises_code(12000016):
        keystore.generate_key_item("SUB_Security_HUKS_isPwdSet_0060",
                                   options(*PWD_KEY, param(T.HUKS_TAG_IS_DEVICE_PASSWORD_SET, True)))
    assert not keystore.has_key_item("SUB_Security_HUKS_isPwdSet_0060", options())


def test_SUB_Security_HUKS_hasKeyItem_0020(keystore: Keystore) -> None:
    """SecurityHuksCipherAESCallbackJsunit.test.js:468: ``hasKeyItem`` (callback form) is true after
    generate, false after delete."""
    require(keystore, PWD_KEY)
    alias = "SUB_Security_HUKS_hasKeyItem_0020"
    keystore.generate_key_item(alias, options(*PWD_KEY))
    assert keystore.has_key_item(alias, options(*PWD_KEY)) is True
    keystore.delete_key_item(alias, options(*PWD_KEY))
    assert keystore.has_key_item(alias, options(*PWD_KEY)) is False
