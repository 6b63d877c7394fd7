"""Helpers of the api9 *Callback* XTS suites (issue 19), translated once.

Upstream: ``utils/param/*/public*Callback.js`` and the suites' own functions, in ``API9_DIR`` at
xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). hukspy's API is synchronous: a callback case runs
the same Python calls as its promise twin, and an error upstream passes to the callback is the
``HuksError`` the call raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import (
    DATE63KB,
    check_software,
    derive_finish_params,
    derive_func,
    derive_init,
    require,
    sign_verify_case,
)

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


def derive_callback_case(ks: Keystore, kdf_name: str, third: str, gen: list[HuksParam]) -> None:
    """One case of ``SecurityHuksDerive{HKDF,PBKDF2}CallbackJsunit.test.js``: ``publicDeriveFunc`` of
    publicDeriveCallback.js on an AES-256 DERIVE SHA256 base key (``gen``; ALGORITHM at index 0 becomes
    the KDF and KEY_SIZE at index 3 becomes DERIVE_KEY_SIZE=32 for init), Date63KB to update and to a
    finish that stores an AES-256 ENCRYPT|DECRYPT key under the base key's own alias, or an abort; then
    the alias is deleted. Every call succeeds (upstream); hukspy's checks: the storing finish returns
    nothing, and the alias is gone after the delete."""
    stem = "Finish" if third == "finish" else "Abort"
    alias = f"testDerive{kdf_name}Size256SHA256{stem}63KBDeriveKeyAlias_01_001"
    kdf = param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg[f"HUKS_ALG_{kdf_name}"])
    require(ks, gen, derive_init(gen, kdf))
    out = derive_func(ks, alias, gen, kdf, DATE63KB, derive_finish_params("store", alias), third)
    assert out == b""
    assert not ks.has_key_item(alias, options())


def sign_verify_callback_case(ks: Keystore, alias: str, sign: list[HuksParam],
                              verify: list[HuksParam] | None, raw: bytes, third: str,
                              software_only: bool = False) -> None:
    """One case of the api9 ``SecurityHuksSignVerify*CallbackJsunit`` suites: publicSignverifyCallback.js's
    ``publicSignVerifyFunc`` is the promise helper's (a generate error 801 or 12000001 is not failed
    there, but the init after it is), so this is ``sign_verify_case`` (tests/xts/helpers.py): sign
    ``raw`` with ``sign`` (finish or abort), then verify with ``verify`` (None after an abort) on the
    imported public key. A case upstream guards with ``useSoftware`` (``checkSoftware()``) is skipped
    where that is false."""
    require(ks, sign, sign)
    if software_only and not check_software(ks):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    sign_verify_case(ks, alias, sign, verify or [], raw, third)


@contextmanager
def key_and_public_copy(ks: Keystore, alias: str, new_alias: str, gen: list[HuksParam],
                        props: list[HuksParam]) -> Iterator[None]:
    """The key setup of the callback cipher suites' ``publicCipherFunc`` (RSA, SM2): generate ``alias``
    with ``gen`` (``publicGenerateKeyItemFunc``), export its public key (``publicExportKeyItem``) and
    import it under ``new_alias`` with the encrypt ``props`` (``publicImportKeyItem``; no IMPORT_KEY_TYPE:
    a public-key import). Every call succeeds; afterwards whatever is left of both aliases is deleted."""
    require(ks, gen, props)
    try:
        ks.generate_key_item(alias, options(*gen))
        public = ks.export_key_item(alias, options(*gen)).out_data
        ks.import_key_item(new_alias, options(*props, in_data=public))
        yield
    finally:
        for name in (alias, new_alias):
            if ks.has_key_item(name, options()):
                ks.delete_key_item(name, options(*gen))
