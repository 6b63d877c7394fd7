"""XTS ``SecurityHuksCipherSM2CallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherSM2CallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 2 ``it()`` cases. Each generates an SM2-256 ENCRYPT|DECRYPT key
(``genHuksOptions``), exports its public key and imports it under a second alias with the case's
options (SM2, ENCRYPT, 256, DIGEST SM3; no IMPORT_KEY_TYPE: a public-key import), encrypts
``gInData512`` (512 bytes) with the imported key and decrypts the finish output with the generated key
(PURPOSE spliced to DECRYPT); the decryption equals the plaintext (``arrayEqual``). _001 sends the data
in one update and finishes with nothing; _002 sends it to finish alone. SM2 encryption: docs/decisions.md
"SM2 and SM3".
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import string_to_uint8array
from xts.helpers_callback import key_and_public_copy

T = HuksTag
P = HuksKeyPurpose
DATA512 = string_to_uint8array("RSA_512_" + "t" * 504)  # gInData512 (line 21)
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM2)
SIZE = param(T.HUKS_TAG_KEY_SIZE, 256)
#: ``genHuksOptions`` (line 40)
GEN = [ALG, param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), SIZE]


def _props(purpose: int) -> list[HuksParam]:
    return [ALG, param(T.HUKS_TAG_PURPOSE, purpose), SIZE,
            param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3)]


def _session(ks: Keystore, alias: str, props: list[HuksParam], data: bytes, via_update: bool) -> bytes:
    """``publicInitSession``, then (_001) ``publicUpdateSession`` with ``data`` and ``finish`` with an
    empty ``inData``, or (_002) ``finish`` with ``data``; returns the finish output (upstream ignores
    what the update returns)."""
    handle = ks.init_session(alias, options(*props)).handle
    try:
        if via_update:
            ks.update_session(handle, options(*props, in_data=data))
        return ks.finish_session(handle, options(*props, in_data=b"" if via_update else data)).out_data
    except BaseException:
        ks.abort_session(handle, options())
        raise


#: (it() name, line, case number, data through update (init-update-finish) or finish (init-finish))
CASES = [
    ("Security_HUKS_Cipher_API9_SM2_001", 404, "001", True),
    ("Security_HUKS_Cipher_API9_SM2_002", 469, "002", False),
]


@pytest.mark.parametrize(("name", "line", "number", "via_update"), CASES, ids=[c[0] for c in CASES])
def test_sm2(keystore: Keystore, name: str, line: int, number: str, via_update: bool) -> None:
    """SecurityHuksCipherSM2CallbackJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    the flow above; every call succeeds and the decryption equals the plaintext."""
    alias, new_alias = (f"Security_HUKS_Cipher_API9_SM2_{number}_{n}" for n in ("001", "002"))
    encrypt = _props(P.HUKS_KEY_PURPOSE_ENCRYPT)
    with key_and_public_copy(keystore, alias, new_alias, GEN, encrypt):
        ciphertext = _session(keystore, new_alias, encrypt, DATA512, via_update)
        decrypted = _session(keystore, alias, _props(P.HUKS_KEY_PURPOSE_DECRYPT), ciphertext, via_update)
        assert decrypted == DATA512
