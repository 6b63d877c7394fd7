"""The shared helpers of the api12 ets RSA suites translated on branch xtsb (issue 19): sign/verify and
cipher.

Upstream: ``security/huks/huks_ets_api12/entry/src/ohosTest/ets/test/utils/`` of xts_acts at commit
``c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3`` (tests/xts/helpers.py), Apache-2.0: ``CommonUtils.ets``
(``GetDataBySize``), ``huks/HuksOptionsUtils.ets`` (``SetParam``, ``CheckSoftware``, ``CheckWearable``),
``huks/SignVerifyUtils.ets`` (``SignVerify``) and ``huks/CipherUtils.ets`` (``Cipher``). Options are
lists of ``HuksParam``; upstream mutates one options object through a case, the translation returns new
lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam
from hukspy.testing import options, param

T = HuksTag
API12_DIR: Final = "security/huks/huks_ets_api12/entry/src/ohosTest/ets/test"
Props = list[HuksParam]


def data_by_size(size: int) -> bytes:
    """``StringToUint8Array(GetDataBySize(size))``: ``size`` bytes of "A" (b"" for size <= 0)."""
    return b"A" * max(size, 0)


def set_param(props: Sequence[HuksParam], tag: int, value: int | bool | bytes) -> Props:
    """``SetParam``: every param with ``tag`` removed, then ``tag`` appended once with ``value``."""
    return [*(p for p in props if p.tag != tag), param(tag, value)]


def check_software(ks: Keystore) -> bool:
    """``CheckSoftware`` (HuksOptionsUtils.ets): whether a DSA-1024 SIGN key can be generated (upstream's
    test for "this device runs the software engine"); deletes it again."""
    gen = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DSA), param(T.HUKS_TAG_KEY_SIZE, 1024),
           param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)]
    try:
        ks.generate_key_item("useDsaToCheckSoftware", options(*gen))
    except HuksError:
        return False
    ks.delete_key_item("useDsaToCheckSoftware", options(*gen))
    return True


def check_wearable(ks: Keystore) -> bool:
    """``CheckWearable`` (HuksOptionsUtils.ets): whether an RSA-1024 key signs and verifies 128 bytes with
    ISO_IEC_9796_2 padding and SHA-1 (upstream's test for a wearable's engine); deletes the key again."""
    gen = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_KEY_SIZE, 1024),
           param(T.HUKS_TAG_PURPOSE,
                 HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN | HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY),
           param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_ISO_IEC_9796_2),
           param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
    alias = "useRsaToCheckWearable"
    try:
        ks.generate_key_item(alias, options(*gen))
        sign_verify(ks, alias, gen, SignVerifyData(None, data_by_size(128)))
    except HuksError:
        return False
    finally:
        if ks.has_key_item(alias, options()):
            ks.delete_key_item(alias, options())
    return True


@dataclass
class SignVerifyData:
    """``SignVerifyData``: the update pieces (or None) and the finish data."""

    update: list[bytes] | None
    finish: bytes


def _session(ks: Keystore, alias: str, props: Props, update: Sequence[bytes], last: bytes) -> bytes:
    """init, one update per piece of ``update``, finish with ``last``; the finish output. Any error
    aborts the session and propagates."""
    handle = ks.init_session(alias, options(*props)).handle
    try:
        for piece in update:
            ks.update_session(handle, options(*props, in_data=piece))
        return ks.finish_session(handle, options(*props, in_data=last)).out_data
    except BaseException:
        ks.abort_session(handle, options())
        raise


def sign_verify(ks: Keystore, alias: str, props: Sequence[HuksParam], data: SignVerifyData) -> bytes:
    """``SignVerify`` (SignVerifyUtils.ets): ``DoSign`` with PURPOSE SIGN (updates, finish with the finish
    data), then ``DoVerify`` with PURPOSE VERIFY on the same key (the updates, the finish data as one more
    update, finish with the signature). Returns the signature; any error propagates."""
    sign = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)
    signature = _session(ks, alias, sign, data.update or [], data.finish)
    verify = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY)
    _session(ks, alias, verify, [*(data.update or []), data.finish], signature)
    return signature


def cipher(ks: Keystore, alias: str, props: Sequence[HuksParam], finish: bytes) -> bool:
    """``Cipher`` (CipherUtils.ets) with no update pieces: ``DoCipher`` with PURPOSE ENCRYPT (finish
    with ``finish``), then with PURPOSE DECRYPT on what it returned; ``CompareCipherData``: whether the
    decryption equals ``finish``. Any error propagates."""
    encrypt = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)
    ciphertext = _session(ks, alias, encrypt, [], finish)
    decrypt = set_param(props, T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT)
    return _session(ks, alias, decrypt, [], ciphertext) == finish
