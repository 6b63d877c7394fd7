"""The body both api9 derive suites share (HKDF and PBKDF2 differ only in the KDF and its params)."""

from __future__ import annotations

from hukspy import Keystore
from hukspy.params import HuksParam
from hukspy.testing import options
from xts.helpers import DATE63KB, derive_alias, derive_finish_params, derive_func, derive_init, require


def run_derive_case(ks: Keystore, kdf_name: str, name: str, kind: str, gen: list[HuksParam],
                    kdf: HuksParam) -> None:
    """One case of ``SecurityHuksDerive{HKDF,PBKDF2}PromiseJsunit.test.js``: every call succeeds (upstream);
    hukspy's checks: a finish without a storage flag returns DERIVE_KEY_SIZE (32) bytes, a storing
    finish returns nothing, and the alias is gone after the delete."""
    alias = derive_alias(name).format(kdf=kdf_name)
    require(ks, gen, derive_init(gen, kdf))
    finish = derive_finish_params(kind, alias)
    out = derive_func(ks, alias, gen, kdf, DATE63KB, finish, "abort" if kind == "abort" else "finish")
    assert len(out) == (32 if kind in ("aes", "hmac") else 0)
    assert not ks.has_key_item(alias, options())
