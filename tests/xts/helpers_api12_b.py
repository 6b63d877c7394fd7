"""The api12 ets sign/verify helpers (issue 19), next to the cipher ones of tests/xts/helpers_api12_e.py.

Upstream: ``security/huks/huks_ets_api12/entry/src/ohosTest/ets/test/utils/`` of xts_acts at commit
``c1edf0ad858f9cc0f07cb024b9e383c76d18e3a3`` (tests/xts/helpers.py), Apache-2.0:
``huks/HuksOptionsUtils.ets`` (``CheckWearable``) and ``huks/SignVerifyUtils.ets`` (``SignVerify``).
``SetParam``, ``GetDataBySize``, ``CheckSoftware`` and ``Cipher`` are helpers_api12_e's. Options are
lists of ``HuksParam``; upstream mutates one options object through a case, the translation returns new
lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import string_to_uint8array
from xts.helpers_api12_e import get_data_by_size, set_param

T = HuksTag


def data_by_size(size: int) -> bytes:
    """``StringToUint8Array(GetDataBySize(size))`` (CommonUtils.ets): ``size`` bytes of "A"."""
    return string_to_uint8array(get_data_by_size(size))


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


def _session(ks: Keystore, alias: str, props: Sequence[HuksParam], update: Sequence[bytes],
             last: bytes) -> bytes:
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
