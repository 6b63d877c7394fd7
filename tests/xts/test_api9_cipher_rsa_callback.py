"""XTS ``SecurityHuksCipherRSACallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherRSACallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 4 ``it()`` cases, all RSA-4096 ECB NONE SHA256 on ``gInData512`` (512 bytes;
the aliases say "Size512"). The file's own ``publicCipherFunc``: generate with ``genHuksOptions`` (RSA,
ENCRYPT|DECRYPT, 4096, then ECB, NONE, SHA256 spliced in by _001), export the public key and import it
under the second alias with the encrypt options (no IMPORT_KEY_TYPE: a public key), encrypt with it in
64-byte updates and an empty finish (``updateResult`` is the finish output), then decrypt that with the
generated key the same way; or abort the encryption. Both aliases are deleted after a decrypt or an
abort. Upstream checks no output; hukspy's check: the decryption is the plaintext.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import string_to_uint8array, update_in_chunks
from xts.helpers_callback import key_and_public_copy

T = HuksTag
P = HuksKeyPurpose
DATA512 = string_to_uint8array("RSA_512_" + "t" * 504)  # gInData512 (line 21)
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA)
SIZE = param(T.HUKS_TAG_KEY_SIZE, 4096)
ECB = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)
NONE = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
SHA256 = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
#: ``genHuksOptions`` after the splices of _001 (line 382)
GEN = [ALG, param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), SIZE, ECB,
       NONE, SHA256]


def _props(purpose: int) -> list[HuksParam]:
    return [ALG, param(T.HUKS_TAG_PURPOSE, purpose), SIZE, NONE, ECB, SHA256]


def _session(ks: Keystore, alias: str, props: list[HuksParam], data: bytes, third: str) -> bytes:
    """``publicInitSession``, ``publicUpdateFunc`` (64-byte updates and the remainder) and
    ``publicFinishAbortFunc`` (an empty finish, or abort); returns the finish output (``updateResult``)."""
    handle = ks.init_session(alias, options(*props)).handle
    try:
        update_in_chunks(ks, handle, props, data, 64)
        if third == "abort":
            ks.abort_session(handle, options(*props))
            return b""
        return ks.finish_session(handle, options(*props, in_data=b"")).out_data
    except BaseException:
        ks.abort_session(handle, options())
        raise


#: (it() name, line, case number, finish/abort)
CASES = [
    ("Security_HUKS_Cipher_API9_RSA_001", 379, "001", "finish"),
    ("Security_HUKS_Cipher_API9_RSA_002", 413, "002", "abort"),
    ("Security_HUKS_Cipher_API9_RSA_003", 431, "003", "finish"),
    ("Security_HUKS_Cipher_API9_RSA_004", 461, "004", "abort"),
]


@pytest.mark.parametrize(("name", "line", "number", "third"), CASES, ids=[c[0] for c in CASES])
def test_rsa(keystore: Keystore, name: str, line: int, number: str, third: str) -> None:
    """SecurityHuksCipherRSACallbackJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    the flow above; every call succeeds."""
    alias = f"testCipherRSASize512PADDINGNONESHA256KeyAlias{number}"
    new_alias = f"testCipherRSASize512PADDINGNONESHA256NewKeyAlias{number}"
    encrypt = _props(P.HUKS_KEY_PURPOSE_ENCRYPT)
    with key_and_public_copy(keystore, alias, new_alias, GEN, encrypt):
        ciphertext = _session(keystore, new_alias, encrypt, DATA512, third)
        if third == "finish":
            assert len(ciphertext) == 512
            plain = _session(keystore, alias, _props(P.HUKS_KEY_PURPOSE_DECRYPT), ciphertext, "finish")
            assert plain == DATA512
        for name_ in (alias, new_alias):
            keystore.delete_key_item(name_, options(*GEN))
