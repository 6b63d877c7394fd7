"""Helpers of the api9 *Callback* XTS suites (issue 19), translated once.

Upstream: ``utils/param/*/public*Callback.js`` and the suites' own functions, in ``API9_DIR`` at
xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). hukspy's API is synchronous: a callback case runs
the same Python calls as its promise twin, and an error upstream passes to the callback is the
``HuksError`` the call raises.
"""

from __future__ import annotations

from typing import Final

from hukspy.enums import HuksKeyAlg, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param

#: Why a round trip whose check reads only what the *updates* returned fails on pkcs11 (upstream's
#: own expectations, "every call succeeds", hold there): OpenSSL returns every full block at update; the
#: pkcs11 backend buffers inputs below 64 KiB and returns them at finish (docs/pkcs11.md, "Operations").
UPDATE_HOLDS_OUTPUT: Final = ("pkcs11 returns cipher output of inputs below 64 KiB at finish, upstream at "
                              "update (docs/pkcs11.md 'Operations'); the suite checks only the update output")


def agree_callback_use(gen: list[HuksParam]) -> list[HuksParam]:
    """The params ``publicAgreeFunc`` of publicAgreeCallback.js inits and updates with: for an ECC key,
    ALGORITHM becomes ECDH and indices 3, 4 and 5 are spliced out one after the other (of
    ``[ECC, AGREE, SIZE, DIGEST, PADDING, BLOCK_MODE]`` this leaves ``[ECDH, AGREE, SIZE, PADDING]``)."""
    use = list(gen)
    if use[0].value == HuksKeyAlg.HUKS_ALG_ECC:
        use[0] = param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECDH)
        for index in (3, 4, 5):
            del use[index:index + 1]
    return use
