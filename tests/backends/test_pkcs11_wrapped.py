"""Wrapped-key import on SoftHSM2 through the backend's ``import_wrapped`` hook: the ECDH agreement and
the KEK layer run in the token (``hukspy_pkcs11.unwrap``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from _require import import_for
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

from hukspy import HuksError, Keystore
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.enums import HuksKeyPurpose as Pu
from hukspy.enums import HuksTag as T
from hukspy.enums import HuksUnwrapSuite as S
from hukspy.formats import build_lv, parse_lv
from hukspy.spec import OpKind
from hukspy.testing import P, options, run_session, unique_alias
from hukspy.wrapped import PART_AGREE_TAG, PART_KEK_TAG, build_wrapped_key

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import TokenInfo

import_for("pkcs11", "pkcs11")

ECDH = S.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING
WRAPPING = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_UNWRAP))
AES = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_KEY_SIZE, 256),
       P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT | Pu.HUKS_KEY_PURPOSE_DECRYPT),
       P(T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, ECDH))


@pytest.fixture
def ks(pkcs11_token: TokenInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Keystore]:  # noqa: F811
    """A keystore whose backend refuses AGREE sessions: an import that works went through the hook,
    not through the facade's agreement path."""
    from hukspy_pkcs11.backend import Pkcs11Backend

    begin = Pkcs11Backend.begin

    def no_agree(self: Pkcs11Backend, ref: bytes, spec: object, op: object) -> object:
        assert getattr(op, "kind", None) is not OpKind.AGREE, "the facade's AGREE path ran"
        return begin(self, ref, spec, op)  # type: ignore[arg-type]

    monkeypatch.setattr(Pkcs11Backend, "begin", no_agree)
    with Keystore(pkcs11_token.uri) as keystore:
        yield keystore


def wrapping_key(ks: Keystore) -> tuple[str, bytes]:
    alias = unique_alias("wrapping")
    ks.generate_key_item(alias, options(*WRAPPING))
    public = ks.export_key_item(alias, options()).out_data
    assert public
    return alias, public


def test_an_aes_key_imported_through_the_token(ks: Keystore) -> None:
    wrap_alias, public = wrapping_key(ks)
    secret = os.urandom(32)
    alias = unique_alias("unwrapped")
    blob = build_wrapped_key(ECDH, public, secret)
    ks.import_wrapped_key_item(alias, wrap_alias, options(*AES, in_data=blob))
    nonce, aad, data = os.urandom(12), os.urandom(16), os.urandom(100)
    gcm = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT),
           P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_NONE),
           P(T.HUKS_TAG_NONCE, nonce), P(T.HUKS_TAG_ASSOCIATED_DATA, aad))
    sealed = run_session(ks, alias, gcm, [data])
    assert AESGCM(secret).decrypt(nonce, sealed, aad) == data  # the token holds exactly the sent key
    assert ks.key_storage(alias, options()) == "pkcs11"
    for a in (alias, wrap_alias):
        ks.delete_key_item(a, options())


@pytest.mark.parametrize("part", [PART_AGREE_TAG, PART_KEK_TAG])
def test_a_tampered_layer_is_12000006(ks: Keystore, part: int) -> None:
    wrap_alias, public = wrapping_key(ks)
    parts = parse_lv(build_wrapped_key(ECDH, public, os.urandom(32)))
    parts[part] = bytes([parts[part][0] ^ 1]) + parts[part][1:]
    alias = unique_alias("tampered")
    with pytest.raises(HuksError) as info:
        ks.import_wrapped_key_item(alias, wrap_alias, options(*AES, in_data=build_lv(parts)))
    assert info.value.code == 12000006
    with pytest.raises(HuksError) as gone:
        ks.is_key_item_exist(alias, options())
    assert gone.value.code == 12000011  # nothing was imported
    ks.delete_key_item(wrap_alias, options())


def test_a_wrong_wrapping_key_is_12000006(ks: Keystore) -> None:
    wrap_alias, _ = wrapping_key(ks)
    other_alias, other_public = wrapping_key(ks)
    alias = unique_alias("wrongkey")
    with pytest.raises(HuksError) as info:
        blob = build_wrapped_key(ECDH, other_public, os.urandom(32))
        ks.import_wrapped_key_item(alias, wrap_alias, options(*AES, in_data=blob))
    assert info.value.code == 12000006
    for a in (wrap_alias, other_alias):
        ks.delete_key_item(a, options())
