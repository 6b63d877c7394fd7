"""The shared helpers of the api12 ets cipher and access-control suites, translated once (issue 19).

Upstream: ``security/huks/huks_ets_api12/entry/src/ohosTest/ets/test/utils/`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py), Apache-2.0: ``CommonUtils.ets`` (``GetDataBySize``;
``StringToUint8Array`` is ``xts.helpers.string_to_uint8array``), ``huks/HuksOptionsUtils.ets``
(``SetParam``, ``DeleteParam``, ``CheckSoftware``) and ``huks/CipherUtils.ets`` (``Cipher``/``DoCipher``,
``cipherWithText``, ``cipherAbortWithText``). The
``*Callback`` variants (``cipherWithTextCallback``, ``DoCipherCallback``) make the same calls through
the callback style of the ArkTS API; Python has one calling style, so they are the same function here.

The ets suites mutate one options object as they go (``SetParam`` deletes the tag and appends it again,
``cipherOption.inData`` is overwritten before each call); here an options list is rebuilt per call with
the same params in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.errors import HuksError
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import require
from xts.helpers import string_to_uint8array as to_bytes

T = HuksTag
API12_DIR: Final = "security/huks/huks_ets_api12/entry/src/ohosTest/ets/test"
#: The alias ``cipherWithText`` and ``cipherAbortWithText`` use for every case (CipherUtils.ets).
CIPHER_KEY: Final = "cipherKey"

#: The decisions the cipher suites' cases assert (docs/decisions.md): "From the contract", IV, and "XTS
#: api12 ets suites", an empty bytes value.
IV_DECISION: Final = ("IV: CBC/CTR/OFB/CFB need an IV of the block size at init: missing 12000002, "
                      "wrong length 12000003")
EMPTY_DECISION: Final = ("an empty bytes value of a BYTES tag: accepted wherever it stands in the set; the "
                         "check that reads the tag decides (an empty IV is a wrong length, 12000003)")


def get_data_by_size(size: int) -> str:
    """``GetDataBySize`` (CommonUtils.ets): ``size`` times "A" ("" for a size <= 0)."""
    return "A" * max(size, 0)


def set_param(props: Sequence[HuksParam], tag: int, value: int | bool | bytes) -> list[HuksParam]:
    """``SetParam`` (HuksOptionsUtils.ets): ``props`` without ``tag``, then ``tag=value`` appended."""
    return [*delete_param(props, tag), param(tag, value)]


def delete_param(props: Sequence[HuksParam], tag: int) -> list[HuksParam]:
    """``DeleteParam`` (HuksOptionsUtils.ets): ``props`` without any param of ``tag``."""
    return [p for p in props if p.tag != tag]


def check_software(ks: Keystore) -> bool:
    """``CheckSoftware`` (HuksOptionsUtils.ets, the api12 variant): whether a DSA-1024 SIGN key with no
    digest can be generated (upstream's test for "this device runs the software engine"); deletes it."""
    gen = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DSA), param(T.HUKS_TAG_KEY_SIZE, 1024),
           param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN)]
    try:
        ks.generate_key_item("useDsaToCheckSoftware", options(*gen))
    except HuksError:
        return False
    ks.delete_key_item("useDsaToCheckSoftware", options(*gen))
    return True


def _purpose(props: Sequence[HuksParam], purpose: int) -> list[HuksParam]:
    return set_param(props, T.HUKS_TAG_PURPOSE, purpose)


ENCRYPT: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT
DECRYPT: Final = HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT


@dataclass
class CipherData:
    """``CipherData`` (CipherUtils.ets): the inputs of the updates (None: no update at all) and of the
    finish, or the outputs of a ``DoCipher``."""

    update_data: list[bytes] | None
    finish_data: bytes


def do_cipher(ks: Keystore, alias: str, props: Sequence[HuksParam], data: CipherData) -> CipherData:
    """``DoCipher``: init with ``props``, one update per ``data.update_data`` item, finish with
    ``data.finish_data``; returns what each call output. A failure aborts the session (upstream leaves it
    to the session limit) and propagates."""
    handle = ks.init_session(alias, options(*props)).handle
    try:
        updates = None if data.update_data is None else [
            ks.update_session(handle, options(*props, in_data=piece)).out_data for piece in data.update_data]
        last = ks.finish_session(handle, options(*props, in_data=data.finish_data)).out_data
        return CipherData(updates, last)
    except BaseException:
        ks.abort_session(handle, options())
        raise


def cipher(ks: Keystore, alias: str, props: Sequence[HuksParam], data: CipherData) -> bool:
    """``Cipher``: ``DoCipher`` with PURPOSE set to ENCRYPT, then with DECRYPT on what the encryption
    returned (update by update, finish by finish); true when every decrypted piece equals its plaintext
    piece (``CompareCipherData``)."""
    encrypted = do_cipher(ks, alias, _purpose(props, ENCRYPT), data)
    decrypted = do_cipher(ks, alias, _purpose(props, DECRYPT), encrypted)
    expected = data.update_data
    if expected is not None and (decrypted.update_data is None
                                 or decrypted.update_data[:len(expected)] != expected):
        return False
    return decrypted.finish_data == data.finish_data


def cipher_with_text(ks: Keystore, gen: Sequence[HuksParam], props: Sequence[HuksParam], text: str) -> bool:
    """``cipherWithText`` (and ``cipherWithTextCallback``): generate ``cipherKey`` with ``gen``; encrypt
    ``text`` in one update and the alias' own bytes ("cipherKey") at finish; decrypt the update's output
    in one update and the finish's output at finish; true when the two decrypted parts joined equal
    ``text + "cipherKey"``. Upstream never deletes ``cipherKey``; the caller does."""
    ks.generate_key_item(CIPHER_KEY, options(*gen))
    plain = CipherData([to_bytes(text)], to_bytes(CIPHER_KEY))
    encrypted = do_cipher(ks, CIPHER_KEY, _purpose(props, ENCRYPT), plain)
    assert encrypted.update_data is not None
    decrypted = do_cipher(ks, CIPHER_KEY, _purpose(props, DECRYPT),
                          CipherData([encrypted.update_data[0]], encrypted.finish_data))
    assert decrypted.update_data is not None
    return decrypted.update_data[0] + decrypted.finish_data == to_bytes(text + CIPHER_KEY)


def cipher_abort_with_text(ks: Keystore, gen: Sequence[HuksParam], props: Sequence[HuksParam],
                           text: str) -> bool:
    """``cipherAbortWithText``: generate ``cipherKey`` with ``gen``; encrypt ``text`` in one update and
    abort; decrypt that update's output in one update and abort; true when the decrypted update output
    equals ``text``."""
    ks.generate_key_item(CIPHER_KEY, options(*gen))
    data = to_bytes(text)
    for purpose in (ENCRYPT, DECRYPT):
        init = _purpose(props, purpose)
        handle = ks.init_session(CIPHER_KEY, options(*init)).handle
        try:
            data = ks.update_session(handle, options(*init, in_data=data)).out_data
        finally:
            ks.abort_session(handle, options(*init))
    return data == to_bytes(text)


#: Why ``Cipher`` with an update returns false on pkcs11 (upstream's expectations hold: every call
#: succeeds): ``CompareCipherData`` compares each decrypted *update* output with its plaintext piece.
#: Upstream's engine returns every full block at update; the pkcs11 backend buffers inputs below 64 KiB
#: and returns their output at finish (docs/pkcs11.md, "Operations"), so the update pieces differ.
UPDATE_HOLDS_OUTPUT: Final = ("pkcs11 returns cipher output of inputs below 64 KiB at finish, upstream "
                              "at update (docs/pkcs11.md 'Operations'); CompareCipherData compares update "
                              "outputs")


def cipher_case(ks: Keystore, alias: str, gen: Sequence[HuksParam], props: Sequence[HuksParam],
                data: CipherData, code: int | None, request: pytest.FixtureRequest) -> None:
    """One case of the api12 DES/3DES suites: generate ``alias`` with ``gen``, then ``Cipher`` with
    ``props`` and ``data``; with ``code`` None it returns true (the decryption is the plaintext), else
    it raises that HUKS code. The key is deleted afterwards (upstream leaves it). Skips, off the
    software keystore, when the backend does not declare the key or (for a success case) the
    operation (``xts.helpers.require``). A success case with updates is a strict xfail on pkcs11
    (``UPDATE_HOLDS_OUTPUT``)."""
    require(ks, gen, props if code is None else ())
    if ks.backend_name == "pkcs11" and code is None and data.update_data:
        request.applymarker(pytest.mark.xfail(strict=True, reason=UPDATE_HOLDS_OUTPUT))
    ks.generate_key_item(alias, options(*gen))
    try:
        if code is None:
            assert cipher(ks, alias, props, data)
        else:
            with raises_code(code):
                cipher(ks, alias, props, data)
    finally:
        ks.delete_key_item(alias, options())


def generate_error(ks: Keystore, alias: str, gen: Sequence[HuksParam], code: int) -> None:
    """A generate-only case: ``generateKeyItem`` with ``gen`` raises ``code`` and leaves no key."""
    with raises_code(code):
        ks.generate_key_item(alias, options(*gen))
    assert not ks.has_key_item(alias, options())
