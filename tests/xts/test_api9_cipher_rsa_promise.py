"""XTS ``SecurityHuksCipherRSAPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherRSAPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 18 ``it()`` cases (``publicCipherFunc`` of the file): generate an RSA
ENCRYPT|DECRYPT key (ECB, the padding and digest of the case), export its public key and import it under
a second alias (no IMPORT_KEY_TYPE: a public key), encrypt with the imported key (64-byte updates, an
empty finish), then decrypt with the generated key, or abort the encryption; delete both aliases.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import require, string_to_uint8array, update_in_chunks

T = HuksTag
P = HuksKeyPurpose
#: ``gInData32``/``gInData256``/``gInData384``/``gInData512``: a prefix, then "t" up to the size.
DATA32 = string_to_uint8array("RSA_32_" + "t" * 25)
DATA256 = string_to_uint8array("RSA_512_" + "t" * 248)
DATA384 = string_to_uint8array("RSA_512_" + "t" * 376)
DATA512 = string_to_uint8array("RSA_512_" + "t" * 504)

#: (it() name, line, alias, imported alias, key size, padding, digest, data, round trip or abort)
CASES = [
    ("Security_HUKS_Cipher_API9_RSA_101", 274,
     "testCipherRSASize4096PADDINGNONESHA256KeyAlias101",
     "testCipherRSASize4096PADDINGNONESHA256NewKeyAlias101",
     4096, "NONE", "SHA256", DATA512, "finish"),
    ("Security_HUKS_Cipher_API9_RSA_102", 309,
     "testCipherRSASize4096PADDINGNONESHA256KeyAlias102",
     "testCipherRSASize4096PADDINGNONESHA256NewKeyAlias101",
     4096, "NONE", "SHA256", DATA512, "abort"),
    ("Security_HUKS_Cipher_API9_RSA_103", 331,
     "testCipherRSASize4096PADDINGNONESHA256KeyAlias103",
     "testCipherRSASize4096PADDINGNONESHA256NewKeyAlias103",
     4096, "NONE", "SHA256", DATA512, "finish"),
    ("Security_HUKS_Cipher_API9_RSA_104", 365,
     "testCipherRSASize4096PADDINGNONESHA256KeyAlias104",
     "testCipherRSASize4096PADDINGNONESHA256NewKeyAlias104",
     4096, "NONE", "SHA256", DATA512, "abort"),
    ("testCipherRSASize4096PADDINGPKCS1_V1_5SHA256KeyAlias103", 387,
     "testCipherRSASize4096PADDINGPKCS1_V1_5SHA256KeyAlias103",
     "testCipherRSASize4096PADDINGPKCS1_V1_5SHA256NewKeyAlias103",
     4096, "PKCS1_V1_5", "SHA256", DATA32, "finish"),
    ("testCipherRSASize4096PADDINGOAEPSHA256KeyAlias103", 421,
     "testCipherRSASize4096PADDINGOAEPSHA256KeyAlias103",
     "testCipherRSASize4096PADDINGOAEPSHA256NewKeyAlias103",
     4096, "OAEP", "SHA256", DATA32, "finish"),
    ("testCipherRSASize4096PADDINGOAEPSHA384KeyAlias103", 455,
     "testCipherRSASize4096PADDINGOAEPSHA384KeyAlias103",
     "testCipherRSASize4096PADDINGOAEPSHA384NewKeyAlias103",
     4096, "OAEP", "SHA384", DATA32, "finish"),
    ("testCipherRSASize4096PADDINGOAEPSHA512KeyAlias103", 489,
     "testCipherRSASize4096PADDINGOAEPSHA384KeyAlias512",
     "testCipherRSASize4096PADDINGOAEPSHA384NewKeyAlias512",
     4096, "OAEP", "SHA512", DATA32, "finish"),
    ("testCipherRSASize3072PADDINGNONESHA256KeyAlias103", 523,
     "testCipherRSASize3072PADDINGNONESHA256KeyAlias103",
     "testCipherRSASize3072PADDINGNONESHA256NewKeyAlias103",
     3072, "NONE", "SHA256", DATA384, "finish"),
    ("testCipherRSASize3072PADDINGPKCS1_V1_5SHA384KeyAlias103", 557,
     "testCipherRSASize3072PADDINGPKCS1_V1_5SHA384KeyAlias103",
     "testCipherRSASize3072PADDINGPKCS1_V1_5SHA384NewKeyAlias103",
     3072, "PKCS1_V1_5", "SHA384", DATA32, "finish"),
    ("testCipherRSASize3072PADDINGOAEPSHA256KeyAlias103", 591,
     "testCipherRSASize3072PADDINGOAEPSHA256KeyAlias103",
     "testCipherRSASize3072PADDINGOAEPSHA256NewKeyAlias103",
     3072, "OAEP", "SHA256", DATA32, "finish"),
    ("testCipherRSASize3072PADDINGOAEPSHA384KeyAlias103", 625,
     "testCipherRSASize3072PADDINGOAEPSHA384KeyAlias103",
     "testCipherRSASize3072PADDINGOAEPSHA384NewKeyAlias103",
     3072, "OAEP", "SHA384", DATA32, "finish"),
    ("testCipherRSASize3072PADDINGOAEPSHA512KeyAlias103", 659,
     "testCipherRSASize3072PADDINGOAEPSHA384KeyAlias512",
     "testCipherRSASize3072PADDINGOAEPSHA384NewKeyAlias512",
     3072, "OAEP", "SHA512", DATA32, "finish"),
    ("testCipherRSASize2048PADDINGNONESHA256KeyAlias103", 693,
     "testCipherRSASize2048PADDINGNONESHA256KeyAlias103",
     "testCipherRSASize2048PADDINGNONESHA256NewKeyAlias103",
     2048, "NONE", "SHA256", DATA256, "finish"),
    ("testCipherRSASize2048PADDINGPKCS1_V1_5SHA512KeyAlias103", 727,
     "testCipherRSASize2048PADDINGPKCS1_V1_5SHA512KeyAlias103",
     "testCipherRSASize2048PADDINGPKCS1_V1_5SHA512NewKeyAlias103",
     2048, "PKCS1_V1_5", "SHA512", DATA32, "finish"),
    ("testCipherRSASize2048PADDINGOAEPSHA256KeyAlias103", 761,
     "testCipherRSASize2048PADDINGOAEPSHA256KeyAlias103",
     "testCipherRSASize2048PADDINGOAEPSHA256NewKeyAlias103",
     2048, "OAEP", "SHA256", DATA32, "finish"),
    ("testCipherRSASize2048PADDINGOAEPSHA384KeyAlias103", 795,
     "testCipherRSASize2048PADDINGOAEPSHA384KeyAlias103",
     "testCipherRSASize2048PADDINGOAEPSHA384NewKeyAlias103",
     2048, "OAEP", "SHA384", DATA32, "finish"),
    ("testCipherRSASize2048PADDINGOAEPSHA512KeyAlias103", 829,
     "testCipherRSASize2048PADDINGOAEPSHA384KeyAlias512",
     "testCipherRSASize2048PADDINGOAEPSHA384NewKeyAlias512",
     2048, "OAEP", "SHA512", DATA32, "finish"),
]


def _params(purpose: int, size: int, padding: str, digest: str) -> list[HuksParam]:
    return [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_PURPOSE, purpose),
            param(T.HUKS_TAG_KEY_SIZE, size),
            param(T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"]),
            param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
            param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{digest}"])]


def _session(ks: Keystore, alias: str, init: list[HuksParam], data: bytes, third: str) -> bytes:
    """``publicInitFunc``/``publicUpdateFunc``/``publicFinishAbortFunc``: 64-byte updates, then an
    empty finish (or abort); returns every output."""
    handle = ks.init_session(alias, options(*init)).handle
    try:
        out = update_in_chunks(ks, handle, init, data, 64)
        if third == "abort":
            ks.abort_session(handle, options(*init))
            return out
        return out + ks.finish_session(handle, options(*init, in_data=b"")).out_data
    except BaseException:
        ks.abort_session(handle, options())
        raise


#: Found by this suite (fixed in 2026-12): the keystore answered 12000001 when an RSA NONE or PKCS1_V1_5
#: encryption carried a DIGEST other than NONE (the capability lookup matched the digest); upstream ignores
#: the digest with these paddings, and so does hukspy's plan now (hukspy/policy.py, ``_cipher_plan``).


@pytest.mark.parametrize(("name", "line", "alias", "new_alias", "size", "padding", "digest", "data", "third"),
                         CASES, ids=[c[0] for c in CASES])
def test_rsa(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, alias: str,
             new_alias: str, size: int, padding: str, digest: str, data: bytes, third: str) -> None:
    """SecurityHuksCipherRSAPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it() name): the
    flow above; every call succeeds (hukspy's check: the decryption is the plaintext)."""
    gen = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA),
           param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT),
           param(T.HUKS_TAG_KEY_SIZE, size), param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
           param(T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"]),
           param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{digest}"])]
    encrypt = _params(P.HUKS_KEY_PURPOSE_ENCRYPT, size, padding, digest)
    require(keystore, gen, encrypt)
    keystore.generate_key_item(alias, options(*gen))
    try:
        public = keystore.export_key_item(alias, options(*gen)).out_data
        keystore.import_key_item(new_alias, options(*encrypt, in_data=public))
        ciphertext = _session(keystore, new_alias, encrypt, data, third)
        if third == "finish":
            decrypt = _params(P.HUKS_KEY_PURPOSE_DECRYPT, size, padding, digest)
            assert _session(keystore, alias, decrypt, ciphertext, "finish") == data
    finally:
        for name_ in (alias, new_alias):
            if keystore.has_key_item(name_, options()):
                keystore.delete_key_item(name_, options(*gen))
