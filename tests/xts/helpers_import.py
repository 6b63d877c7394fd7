"""Helpers of the XTS import suites (issue 19): the capability skip of an import, and the wrapped-key
flow of ``SecurityHuksImportJsunit.test.js`` (api9) translated once.

Upstream: ``SecurityHuksImportJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py): its module functions ``generateAndExportPublicKey``,
``ImportKekAndAgreeSharedSecret``, ``agreeFunction``, ``EncryptImportedPlainKeyAndKek``,
``cipherFunction`` and ``BuildWrappedDataAndImportWrappedKey`` (lines 918-1047) and the option objects
they use (lines 450-730).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pytest

from hukspy import Keystore
from hukspy.backend.facts import SYMMETRIC_ALGS
from hukspy.enums import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.errors import HuksError
from hukspy.params import HuksParam, ParamSet
from hukspy.policy import check_create
from hukspy.testing import options, param
from xts.helpers import require, string_to_uint8array

T = HuksTag
P = HuksKeyPurpose


def require_import(ks: Keystore, props: Sequence[HuksParam], key_len: int) -> None:
    """Skip the case when ``ks`` does not declare the import ``props`` describe: the key by ``(alg,
    size)`` and, for an asymmetric key, the IMPORT_KEY_TYPE as HUKS reads it (absent: PUBLIC_KEY;
    ``KeyCap.imports``, docs/backends.md); for a MAC key, also the MAC operation with its DIGEST (a TPM
    makes an HMAC key for one hash). Params hukspy's policy rejects are not skipped (the case meets the
    error itself); the software keystore is never skipped."""
    if ks.backend_name == "software":
        return
    try:
        plan = check_create(ParamSet({p.tag: p.value for p in props}), HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY,
                            key_len=key_len)
    except HuksError:
        return
    spec = plan.spec
    cap = ks.capabilities().key(spec.alg, spec.size)
    if cap is None or not (cap.imports if spec.alg in SYMMETRIC_ALGS else plan.import_type in cap.imports):
        alg = HuksKeyAlg(spec.alg).name.removeprefix("HUKS_ALG_")
        pytest.skip(f"{ks.backend_name} declares no import of {alg}-{spec.size} keys of this type")
    if spec.purpose == P.HUKS_KEY_PURPOSE_MAC:
        require(ks, props, props)  # a MAC key is made for its digest (a TPM HMAC key holds its scheme)


# -- the option objects of SecurityHuksImportJsunit.test.js (lines 31-44, 450-730) -------------------------
IV: Final = string_to_uint8array("0000000000000000")
AAD: Final = string_to_uint8array("abababababababab")
NONCE: Final = string_to_uint8array("hahahahahaha")
TAG_SIZE: Final = 16
IMPORTED_AES192_PLAIN_KEY: Final = string_to_uint8array("The aes192 key to import")
CALLER_AES256_KEK: Final = string_to_uint8array("The is kek to encrypt aes192 key")

CALLER_KEY_ALIAS: Final = "test_caller_key_ecdh_aes192"
CALLER_KEK_ALIAS_AES256: Final = "test_caller_kek_ecdh_aes256"
CALLER_AGREE_KEY_ALIAS_AES256: Final = "test_caller_agree_key_ecdh_aes256"
IMPORTED_KEY_ALIAS_AES192: Final = "test_import_key_ecdh_aes192"


def _alg(alg: HuksKeyAlg) -> HuksParam:
    return param(T.HUKS_TAG_ALGORITHM, alg)


_SIZE256: Final = param(T.HUKS_TAG_KEY_SIZE, 256)
_PADDING_NONE: Final = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
_GCM: Final = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM)
_DIGEST_NONE: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_NONE)
_UNWRAP: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_UNWRAP)
_AGREE: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_AGREE)
_ENCRYPT: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)

#: ``genWrappingKeyParams`` / ``genWrappingKeyParamsX25519``
GEN_WRAPPING_ECC: Final = [_alg(HuksKeyAlg.HUKS_ALG_ECC), _UNWRAP, _SIZE256, _PADDING_NONE]
GEN_WRAPPING_X25519: Final = [_alg(HuksKeyAlg.HUKS_ALG_X25519), _UNWRAP, _SIZE256]
#: ``genCallerEcdhParams`` / ``genCallerX25519Params``
GEN_CALLER_ECC: Final = [_alg(HuksKeyAlg.HUKS_ALG_ECC), _AGREE, _SIZE256]
GEN_CALLER_X25519: Final = [_alg(HuksKeyAlg.HUKS_ALG_X25519), _AGREE, _SIZE256]
#: ``callerAgreeParams`` / ``callerAgreeParamsX25519``
AGREE_ECDH: Final = [_alg(HuksKeyAlg.HUKS_ALG_ECDH), _AGREE, _SIZE256]
AGREE_X25519: Final = [_alg(HuksKeyAlg.HUKS_ALG_X25519), _AGREE, _SIZE256]
#: ``importParamsCallerKek`` and ``importParamsAgreeKey`` (the same properties)
IMPORT_KEK: Final = [_alg(HuksKeyAlg.HUKS_ALG_AES), _ENCRYPT, _SIZE256, _PADDING_NONE, _GCM, _DIGEST_NONE,
                     param(T.HUKS_TAG_IV, IV)]
#: ``encryptKeyCommonParams``
ENCRYPT_COMMON: Final = [_alg(HuksKeyAlg.HUKS_ALG_AES), _ENCRYPT, _SIZE256, _PADDING_NONE, _GCM,
                         param(T.HUKS_TAG_NONCE, NONCE), param(T.HUKS_TAG_ASSOCIATED_DATA, AAD)]


def import_wrapped_aes192(suite: HuksUnwrapSuite) -> list[HuksParam]:
    """``importWrappedAes192Params`` (ECDH suite) / ``importWrappedAes192ParamsX25519`` (X25519 suite)."""
    return [_alg(HuksKeyAlg.HUKS_ALG_AES),
            param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT),
            param(T.HUKS_TAG_KEY_SIZE, 192), _PADDING_NONE,
            param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC), _DIGEST_NONE,
            param(T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, suite), param(T.HUKS_TAG_IV, IV)]


def _lv(data: bytes) -> bytes:
    """``assignLength`` + ``assignData``: a little-endian uint32 length, then the bytes."""
    return struct.pack("<I", len(data)) + data


@dataclass
class WrappedImport:
    """The module state of the suite's wrapped-import cases: ``huksPubKey`` (the wrapping key's public
    key) and ``callerSelfPublicKey``."""

    huks_pub_key: bytes = b""
    caller_self_public_key: bytes = b""

    def prepare(self, ks: Keystore, wrap_alias: str, gen_wrapping: list[HuksParam],
                gen_caller: list[HuksParam], agree: list[HuksParam]) -> bytes:
        """The steps before ``importWrappedKeyItem``: ``generateAndExportPublicKey`` for the wrapping key
        and the caller key, ``ImportKekAndAgreeSharedSecret`` (import the KEK; agree with the caller key
        and the wrapping public key, given to update and again to finish; import the shared secret as
        the agree key), ``EncryptImportedPlainKeyAndKek`` (AES-256-GCM with NONCE and AAD: the plain key
        under the KEK, the KEK under the agree key) and ``BuildWrappedDataAndImportWrappedKey`` (the ten
        length-value blobs). Returns the wrapped data; every call succeeds."""
        self.huks_pub_key = self._generate_and_export(ks, wrap_alias, gen_wrapping)
        self.caller_self_public_key = self._generate_and_export(ks, CALLER_KEY_ALIAS, gen_caller)
        ks.import_key_item(CALLER_KEK_ALIAS_AES256, options(*IMPORT_KEK, in_data=CALLER_AES256_KEK))
        handle = ks.init_session(CALLER_KEY_ALIAS, options(*agree)).handle
        try:
            ks.update_session(handle, options(*agree, in_data=self.huks_pub_key))
            shared = ks.finish_session(handle, options(*agree, in_data=self.huks_pub_key)).out_data
        except BaseException:
            ks.abort_session(handle, options())
            raise
        ks.import_key_item(CALLER_AGREE_KEY_ALIAS_AES256, options(*IMPORT_KEK, in_data=shared))
        plain_key_enc = _cipher(ks, CALLER_KEK_ALIAS_AES256, IMPORTED_AES192_PLAIN_KEY)
        kek_enc = _cipher(ks, CALLER_AGREE_KEY_ALIAS_AES256, CALLER_AES256_KEK)
        return b"".join(_lv(part) for part in (
            self.caller_self_public_key, AAD, NONCE, kek_enc[-TAG_SIZE:], kek_enc[:-TAG_SIZE], AAD, NONCE,
            plain_key_enc[-TAG_SIZE:], struct.pack("<I", len(IMPORTED_AES192_PLAIN_KEY)),
            plain_key_enc[:-TAG_SIZE]))

    @staticmethod
    def _generate_and_export(ks: Keystore, alias: str, gen: list[HuksParam]) -> bytes:
        ks.generate_key_item(alias, options(*gen))
        return ks.export_key_item(alias, options(*gen)).out_data


def _cipher(ks: Keystore, alias: str, data: bytes) -> bytes:
    """``cipherFunction`` with ``encryptKeyCommonParams``: init, ``publicUpdateSessionFunction`` (no
    update for data of at most 64 bytes, as here), finish with the whole data; returns ct ‖ tag."""
    assert len(data) <= 64
    handle = ks.init_session(alias, options(*ENCRYPT_COMMON, in_data=data)).handle
    return ks.finish_session(handle, options(*ENCRYPT_COMMON, in_data=data)).out_data


def delete_if_present(ks: Keystore, *aliases: str) -> None:
    """hukspy's clean-up after a case: delete what upstream leaves behind (its cases share one device)."""
    for alias in aliases:
        if ks.has_key_item(alias, options()):
            ks.delete_key_item(alias, options())
