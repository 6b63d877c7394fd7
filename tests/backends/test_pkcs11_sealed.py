"""``?fallback=sealed`` on SoftHSM2: the conformance suite on a keystore that adds the software engine's
algorithms as sealed keys, and what the flag changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

from hukspy import HuksError, Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPurpose, HuksTag
from hukspy.testing import open_keystore, options, param, run_session, unique_alias
from hukspy.testing.conformance import KeystoreConformanceTests

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import TokenInfo

X25519 = (
    param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_X25519),
    param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
    param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE),
)
HKDF_KEY = (
    param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
    param(HuksTag.HUKS_TAG_KEY_SIZE, 256),
    param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE),
    param(HuksTag.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
)


@pytest.fixture
def keystore(pkcs11_token: TokenInfo) -> Iterator[Keystore]:  # noqa: F811 - the imported fixture
    with open_keystore(pkcs11_token.uri + "&fallback=sealed") as ks:
        yield ks


class TestPkcs11SealedConformance(KeystoreConformanceTests):
    """The conformance suite on the token with ``&fallback=sealed``."""

    @pytest.fixture
    def keystore_uri(self, pkcs11_token: TokenInfo) -> str:  # noqa: F811 - the imported fixture
        return pkcs11_token.uri + "&fallback=sealed"


def test_without_the_flag_sealed_only_keys_are_12000001_naming_it(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    with Keystore(pkcs11_token.uri) as ks:
        for params in (X25519, HKDF_KEY):
            with pytest.raises(HuksError) as info:
                ks.generate_key_item(unique_alias("nosealed"), options(*params))
            assert info.value.code == 12000001


def test_sealed_material_is_only_wrapped_on_the_token(keystore: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    from hukspy_pkcs11.sealed import REF_SEALED, SEAL_KEY_ID

    from hukspy.params import ParamSet

    alias = unique_alias("sealed")
    keystore.generate_key_item(alias, options(*HKDF_KEY))
    derive = (
        param(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HKDF),
        param(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE),
        param(HuksTag.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        param(HuksTag.HUKS_TAG_DERIVE_KEY_SIZE, 32),
    )
    first = run_session(keystore, alias, derive, [])
    assert len(first) == 32 and first == run_session(keystore, alias, derive, [])
    # The record on the token holds the wrapped ref; the software ref never appears in clear.
    import pkcs11
    from hukspy_pkcs11._native import load
    from pkcs11 import Attribute, ObjectClass

    token = load(pkcs11_token.module).lib.get_token(token_label=pkcs11_token.label)
    with token.open() as session:  # logged in already: this process holds the login
        recs = [o for o in session.get_objects({Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: alias})]
        assert len(recs) == 1
        from hukspy_pkcs11.records import decode_value

        _, record = decode_value(alias, bytes(recs[0][Attribute.VALUE]))
        assert record.ref.startswith(REF_SEALED + SEAL_KEY_ID)
        assert isinstance(record.params, ParamSet)
        seal_key = session.get_key(object_class=ObjectClass.SECRET_KEY, id=SEAL_KEY_ID)
        assert seal_key[Attribute.SENSITIVE] is True and seal_key[Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            seal_key[Attribute.VALUE]
    keystore.delete_key_item(alias, options())
