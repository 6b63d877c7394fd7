"""XTS ``SecurityHuksCipherRSA.test.ets`` (api12 ets suite, API 16 cases), translated case by case
(issue 19).

Upstream: ``SecurityHuksCipherRSA.test.ets`` in ``API12_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers_api12_e.py). 13 ``it()`` cases: RSA keys of the API 16 sizes (1032, 2040 bits) made
with ALG, KEY_SIZE and ENCRYPT|DECRYPT only; ``Cipher`` encrypts the largest input the padding allows
in one finish and decrypts it (``beforeEach``: ECB, DIGEST SHA1, PADDING NONE; each case sets KEY_SIZE
and may set DIGEST and PADDING). Sizes 1016, 2056 and 1025 are rejected at generation. Upstream deletes
no key; hukspy's teardown does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import require
from xts.helpers_api12_b import data_by_size
from xts.helpers_api12_e import CipherData, cipher, set_param

T = HuksTag
D = HuksKeyDigest


def _gen(size: int) -> list[HuksParam]:
    """``genKeyOption`` of ``beforeEach`` with KEY_SIZE set to ``size``."""
    props = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_KEY_SIZE, 1024),
             param(T.HUKS_TAG_PURPOSE,
                   HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT)]
    return set_param(props, T.HUKS_TAG_KEY_SIZE, size)


def _cipher(size: int, digest: int | None, padding: str | None) -> list[HuksParam]:
    """``cipherOption`` of ``beforeEach`` (RSA, ENCRYPT, ECB, SHA1, NONE) after the case's ``SetParam``
    calls: KEY_SIZE, then DIGEST and PADDING where the case sets them (None: left as they are)."""
    props = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_KEY_SIZE, 1024),
             param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
             param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
             param(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA1),
             param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)]
    props = set_param(props, T.HUKS_TAG_KEY_SIZE, size)
    if digest is not None:
        props = set_param(props, T.HUKS_TAG_DIGEST, digest)
    if padding is not None:
        props = set_param(props, T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"])
    return props


@pytest.fixture
def cleanup(keystore: Keystore) -> Iterator[list[str]]:
    """Aliases to delete after the case (upstream leaves its keys)."""
    aliases: list[str] = []
    yield aliases
    for alias in aliases:
        if keystore.has_key_item(alias, options()):
            keystore.delete_key_item(alias, options())


def _name(n: str) -> str:
    return f"SUB_Security_HUKS_Cipher_RSA_API16_Func_{n}"


#: (it() suffix, line, key size, DIGEST set (None: SHA1 stays), PADDING set (None: NONE stays), finish size)
CASES = [
    ("0100", 69, 1032, None, None, 1032 // 8),
    ("0200", 96, 1032, D.HUKS_DIGEST_SHA224, None, 1032 // 8),
    ("0300", 124, 1032, D.HUKS_DIGEST_SHA256, "OAEP", 1032 // 8 - 2 * 256 // 8 - 2),
    ("0400", 153, 1032, D.HUKS_DIGEST_SHA384, "PKCS1_V1_5", 1032 // 8 - 11),
    ("0500", 182, 1032, D.HUKS_DIGEST_SHA512, "PKCS1_V1_5", 1032 // 8 - 11),
    ("0600", 211, 2040, None, None, 2040 // 8),
    ("0700", 238, 2040, D.HUKS_DIGEST_SHA224, None, 2040 // 8),
    ("0800", 266, 2040, D.HUKS_DIGEST_SHA256, None, 2040 // 8),
    ("0900", 294, 2040, D.HUKS_DIGEST_SHA384, "OAEP", 2040 // 8 - 2 * 384 // 8 - 2),
    ("1000", 323, 2040, D.HUKS_DIGEST_SHA512, "PKCS1_V1_5", 2040 // 8 - 11),
]


@pytest.mark.parametrize(("name", "line", "size", "digest", "padding", "finish"), CASES,
                         ids=[_name(c[0]) for c in CASES])
def test_cipher(keystore: Keystore, cleanup: list[str], name: str, line: int, size: int,
                digest: int | None, padding: str | None, finish: int) -> None:
    """SecurityHuksCipherRSA.test.ets at ``line``: generate, ``Cipher`` (encrypt ``finish`` bytes of "A"
    in one finish, decrypt) returns true: the decryption equals the plaintext."""
    alias = _name(name)
    gen, props = _gen(size), _cipher(size, digest, padding)
    require(keystore, gen, props)
    cleanup.append(alias)
    keystore.generate_key_item(alias, options(*gen))
    assert cipher(keystore, alias, props, CipherData(None, data_by_size(finish)))


@pytest.mark.parametrize(("name", "line", "size", "codes"),
                         [("1100", 352, 1016, (12000003,)), ("1200", 373, 2056, (12000003,)),
                          ("1300", 394, 1025, (801, 12000001, 12000003))],
                         ids=[_name("1100"), _name("1200"), _name("1300")])
def test_generate_bad_size(keystore: Keystore, cleanup: list[str], name: str, line: int, size: int,
                           codes: tuple[int, ...]) -> None:
    """SecurityHuksCipherRSA.test.ets at ``line``: generating an RSA key of ``size`` bits fails with one
    of ``codes`` (1300, not a multiple of 8: upstream accepts 801, 12000001 or 12000003; the translation
    requires the failure too, where upstream's catch alone would let a success pass)."""
    alias = _name(name)
    cleanup.append(alias)
    with raises_code(*codes):
        keystore.generate_key_item(alias, options(*_gen(size)))
