"""The native side of XTS ``huksNdk.test.ets`` (the NDK suite), translated once (issue 19).

Upstream: ``security/huks/huks_ndk_Test/entry/src/main/cpp/`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py), Apache-2.0: ``huksndk.cpp`` (the NAPI functions every ``it()`` calls, and the
``OH_Huks_Param`` arrays they build param sets from) and ``utils.cpp`` (``InitParamSet`` and the
X25519 wrapped-import flow behind ``oHHuksImportWrappedKeyItem``).

C aliases are ``OH_Huks_Blob``s of ``sizeof("...")`` bytes, the terminating NUL included (``utils.cpp``
uses ``strlen``, without it); a Python alias is the string, so the NUL is left out everywhere. Data blobs
keep their C bytes (``inData`` of the PBKDF2 cases is the 33 bytes of the alias with its NUL; ``AAD``,
``NONCE`` and ``IV`` are char arrays initialised from a string one byte shorter, so they end in NUL).
"""

from __future__ import annotations

import struct
from typing import Final

from hukspy import Keystore
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyGenerateType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import require

T = HuksTag
P = HuksKeyPurpose
A = HuksKeyAlg

NDK_DIR: Final = "security/huks/huks_ndk_Test/entry/src/main/cpp"
#: ``ALIAS`` (huksndk.cpp:32): the key most functions generate.
ALIAS: Final = "testKey"
DE: Final = param(T.HUKS_TAG_AUTH_STORAGE_LEVEL, HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE)

#: ``tmpParams`` (huksndk.cpp:97-107): an RSA-2048 VERIFY key, SHA-256, PSS, stored persistently at DE.
TMP_PARAMS: Final = [
    param(T.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
    param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA),
    param(T.HUKS_TAG_KEY_SIZE, 2048),
    param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_VERIFY),
    param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
    param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PSS),
    param(T.HUKS_TAG_KEY_GENERATE_TYPE, HuksKeyGenerateType.HUKS_KEY_GENERATE_TYPE_DEFAULT),
    param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
    DE,
]

_RSA4096_OAEP: Final = [param(T.HUKS_TAG_KEY_SIZE, 4096),
                        param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_OAEP),
                        param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA384),
                        param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB), DE]
#: ``g_genParams041`` (huksndk.cpp:158-165): RSA-4096 ENCRYPT|DECRYPT, OAEP, SHA-384.
GEN_PARAMS_041: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA),
                         param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT),
                         *_RSA4096_OAEP]
#: ``g_encryptParams041`` (huksndk.cpp:223-230): the same with PURPOSE ENCRYPT (the public key's import).
ENCRYPT_PARAMS_041: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA),
                             param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT), *_RSA4096_OAEP]
RSA_ALIAS_041: Final = "HksRSACipherKeyAliasTest041"

#: ``g_hkdfParams001`` (huksndk.cpp:380-385): the HKDF init params of ``OHHuksInitSession``.
HKDF_PARAMS_001: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HKDF),
                          param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_DERIVE),
                          param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
                          param(T.HUKS_TAG_DERIVE_KEY_SIZE, 32), DE]

#: ``g_commonParams`` (huksndk.cpp:464-470): the attestation params of ``OHHuksAttestKeyItem``.
SEC_INFO: Final = b"hi_security_level_info\x00"
CHALLENGE: Final = b"hi_challenge_data\x00"
VERSION: Final = b"hi_os_version_data\x00"
ATTEST_COMMON_PARAMS: Final = [param(T.HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO, SEC_INFO),
                               param(T.HUKS_TAG_ATTESTATION_CHALLENGE, CHALLENGE),
                               param(T.HUKS_TAG_ATTESTATION_ID_VERSION_INFO, VERSION),
                               param(T.HUKS_TAG_ATTESTATION_ID_ALIAS, b"testAttestKeyItem\x00"), DE]
#: ``g_genAnonAttestParams`` (huksndk.cpp:1170-1178): ``tmpParams`` without STORAGE_FLAG/GENERATE_TYPE.
GEN_ANON_ATTEST_PARAMS: Final = [p for p in TMP_PARAMS if p.tag not in (
    T.HUKS_TAG_KEY_STORAGE_FLAG, T.HUKS_TAG_KEY_GENERATE_TYPE)]
#: ``g_anonAttestParams`` (huksndk.cpp:1184-1188): CHALLENGE, ID_ALIAS = ``gkeyAlias`` (with its NUL).
ANON_ATTEST_PARAMS: Final = [param(T.HUKS_TAG_ATTESTATION_CHALLENGE, CHALLENGE),
                             param(T.HUKS_TAG_ATTESTATION_ID_ALIAS, b"testKey\x00"), DE]

#: ``g_genParamsTest001`` / ``g_signParamsTest001`` (huksndk.cpp:834-845): DSA-1024 SHA-1.
DSA_GEN_PARAMS: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_DSA),
                         param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY),
                         param(T.HUKS_TAG_KEY_SIZE, 1024),
                         param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1), DE]
DSA_SIGN_PARAMS: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_DSA),
                          param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN),
                          param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1), DE]
DSA_ALIAS: Final = "HksDSASignVerifyKeyAliasTest001"

# -- the PBKDF2 sessions of OHHuksUpdateSession/FinishSession/AbortSession (huksndk.cpp:953-985) --------
SALT_GEN: Final = bytes([0x14, 0x10, 0x11, 0x3A, 0x27, 0x9E, 0xC8, 0x5F,
                         0xE0, 0xF3, 0x36, 0x17, 0x57, 0x42, 0x8E, 0xFF])
PBKDF2_ALIAS: Final = "HksPBKDF2DeriveKeyAliasTest001_1"
PBKDF2_STORED_ALIAS: Final = "HksPBKDF2DeriveKeyAliasTest001_2"
#: ``inData``: the 33 bytes of ``alias`` (huksndk.cpp), the NUL included.
PBKDF2_IN_DATA: Final = PBKDF2_ALIAS.encode() + b"\x00"
_DERIVE: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_DERIVE)
_SHA256: Final = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
_SIZE256: Final = param(T.HUKS_TAG_KEY_SIZE, 256)
_ITERATION: Final = param(T.HUKS_TAG_ITERATION, 1000)
_SALT: Final = param(T.HUKS_TAG_SALT, SALT_GEN)
#: ``g_genParams001``: an AES-256 DERIVE key (ITERATION and SALT are given at generation too).
PBKDF2_GEN_PARAMS: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), _DERIVE, _SHA256, _SIZE256,
                            _ITERATION, _SALT, DE]
#: ``g_pbkdf2Params001``: the init/update params.
PBKDF2_PARAMS: Final = [param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_PBKDF2), _DERIVE, _SHA256, _SIZE256,
                        _ITERATION, _SALT, param(T.HUKS_TAG_DERIVE_KEY_SIZE, 32), DE]
#: ``g_pbkdf2FinishParams001``: store the derived key as an AES-256 DERIVE key under ``..._2``.
PBKDF2_FINISH_PARAMS: Final = [param(T.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
                               param(T.HUKS_TAG_KEY_ALIAS, PBKDF2_STORED_ALIAS.encode()),
                               param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), _SIZE256, _DERIVE, _SHA256, DE]


def pbkdf2_session(ks: Keystore) -> int:
    """The common start of the three PBKDF2 functions: generate ``g_genParams001`` under
    ``PBKDF2_ALIAS``, init with ``g_pbkdf2Params001``; returns the handle. Skips where ``ks`` does not
    declare the key or the derive (``require``)."""
    require(ks, PBKDF2_GEN_PARAMS, PBKDF2_PARAMS)
    ks.generate_key_item(PBKDF2_ALIAS, options(*PBKDF2_GEN_PARAMS))
    return ks.init_session(PBKDF2_ALIAS, options(*PBKDF2_PARAMS)).handle


# -- utils.cpp: the X25519 wrapped import of oHHuksImportWrappedKeyItem ---------------------------------
#: ``IV``, ``AAD`` and ``NONCE`` (utils.cpp:59-65): char arrays one byte longer than their strings.
WRAP_IV: Final = b"bababababababab\x00"
WRAP_AAD: Final = b"abababababababa\x00"
WRAP_NONCE: Final = b"hahahahahah\x00"
AEAD_TAG_SIZE: Final = 16
WRAPPING_KEY_ALIAS: Final = "test_wrappingKey_x25519_aes256"
CALLER_KEY_ALIAS: Final = "test_caller_key_x25519_aes256"
CALLER_KEK_ALIAS: Final = "test_caller_kek_x25519_aes256"
CALLER_KEK: Final = b"This is kek to encrypt plain key"
CALLER_AGREE_KEY_ALIAS: Final = "test_caller_agree_key_x25519_aes256"
IMPORTED_KEY_ALIAS: Final = "test_import_key_x25519_aes256"
IMPORTED_PLAIN_KEY: Final = b"This is plain key to be imported"

_AES: Final = param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES)
_X25519: Final = param(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_X25519)
_ENCRYPT: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT)
_AGREE: Final = param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_AGREE)
_GCM_NONE: Final = [param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
                    param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
                    param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_NONE)]
#: ``g_importWrappedAes256Params`` (utils.cpp:83-93)
IMPORT_WRAPPED_AES256_PARAMS: Final = [
    _AES, param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), _SIZE256,
    *_GCM_NONE,
    param(T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING),
    param(T.HUKS_TAG_ASSOCIATED_DATA, WRAP_AAD), param(T.HUKS_TAG_NONCE, WRAP_NONCE), DE]
#: ``g_genWrappingKeyParams`` (utils.cpp:95-99)
GEN_WRAPPING_KEY_PARAMS: Final = [_X25519, param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_UNWRAP), _SIZE256, DE]
#: ``g_genCallerX25519Params`` and ``g_callerAgreeParams`` (utils.cpp:100-104, 114-118): the same params.
CALLER_X25519_PARAMS: Final = [_X25519, _AGREE, _SIZE256, DE]
#: ``g_importParamsCallerKek`` and ``g_importAgreeKeyParams`` (utils.cpp:105-113, 129-137): the same
#: params (``WRAPPED_KEY_IV`` and ``IV`` hold the same bytes).
IMPORT_KEK_PARAMS: Final = [_AES, _ENCRYPT, _SIZE256, *_GCM_NONE, param(T.HUKS_TAG_IV, WRAP_IV), DE]
#: ``g_aesKekEncryptParams`` (utils.cpp:119-128)
AES_KEK_ENCRYPT_PARAMS: Final = [_AES, _ENCRYPT, _SIZE256, *_GCM_NONE,
                                 param(T.HUKS_TAG_ASSOCIATED_DATA, WRAP_AAD),
                                 param(T.HUKS_TAG_NONCE, WRAP_NONCE), DE]


def require_wrapped_import(ks: Keystore) -> None:
    """Skip where ``ks`` does not declare a key or an operation of the flow (``require``)."""
    require(ks, GEN_WRAPPING_KEY_PARAMS)
    require(ks, CALLER_X25519_PARAMS, CALLER_X25519_PARAMS)
    require(ks, IMPORT_KEK_PARAMS, AES_KEK_ENCRYPT_PARAMS)
    require(ks, IMPORT_WRAPPED_AES256_PARAMS)


def _huks_encrypt(ks: Keystore, alias: str, props: list[HuksParam], plain: bytes) -> bytes:
    """``HuksEncrypt`` (utils.cpp:187-252): init, ``HksEncryptLoopUpdate`` (64-byte updates while more
    than 64 bytes remain, then finish with the rest: the 32-byte inputs here go to finish whole)."""
    handle = ks.init_session(alias, options(*props)).handle
    out = bytearray()
    rest = plain
    while len(rest) > 64:
        out += ks.update_session(handle, options(*props, in_data=rest[:64])).out_data
        rest = rest[64:]
    return bytes(out + ks.finish_session(handle, options(*props, in_data=rest)).out_data)


def _lv(data: bytes) -> bytes:
    """One blob of ``BuildWrappedKeyData`` (utils.cpp:253-289): its uint32 size (host order: LE), then it."""
    return struct.pack("<I", len(data)) + data


def import_wrapped_key(ks: Keystore) -> None:
    """``HksImportWrappedKeyTestCommonCase`` (utils.cpp:417-455) for ``ImportWrappedKey`` (utils.cpp:518-532):
    generate and export the X25519 wrapping key and the caller's X25519 key; import the KEK; agree the
    caller key with the wrapping public key (``HuksAgreeKey``: update with the peer key, finish with 10
    zero bytes) and import the secret as the agree key; encrypt the plain key under the KEK and the KEK
    under the agree key (AES-256-GCM, AAD, NONCE); build the ten LV blobs (caller public key, AAD, NONCE,
    agree-key tag, KEK ciphertext, AAD, NONCE, KEK tag, key length, key ciphertext) and
    ``import_wrapped_key_item`` them under ``IMPORTED_KEY_ALIAS``. Raises what the first failing call
    raises (upstream returns that call's code)."""
    ks.generate_key_item(WRAPPING_KEY_ALIAS, options(*GEN_WRAPPING_KEY_PARAMS))
    huks_public_key = ks.export_key_item(WRAPPING_KEY_ALIAS, options(*GEN_WRAPPING_KEY_PARAMS)).out_data
    ks.generate_key_item(CALLER_KEY_ALIAS, options(*CALLER_X25519_PARAMS))
    caller_public_key = ks.export_key_item(CALLER_KEY_ALIAS, options(*CALLER_X25519_PARAMS)).out_data
    ks.import_key_item(CALLER_KEK_ALIAS, options(*IMPORT_KEK_PARAMS, in_data=CALLER_KEK))
    handle = ks.init_session(CALLER_KEY_ALIAS, options(*CALLER_X25519_PARAMS)).handle
    ks.update_session(handle, options(*CALLER_X25519_PARAMS, in_data=huks_public_key))
    shared = ks.finish_session(handle, options(*CALLER_X25519_PARAMS, in_data=bytes(10))).out_data
    ks.import_key_item(CALLER_AGREE_KEY_ALIAS, options(*IMPORT_KEK_PARAMS, in_data=shared))
    plain_cipher = _huks_encrypt(ks, CALLER_KEK_ALIAS, AES_KEK_ENCRYPT_PARAMS, IMPORTED_PLAIN_KEY)
    kek_cipher = _huks_encrypt(ks, CALLER_AGREE_KEY_ALIAS, AES_KEK_ENCRYPT_PARAMS, CALLER_KEK)
    wrapped = b"".join(_lv(part) for part in (
        caller_public_key, WRAP_AAD, WRAP_NONCE, kek_cipher[-AEAD_TAG_SIZE:], kek_cipher[:-AEAD_TAG_SIZE],
        WRAP_AAD, WRAP_NONCE, plain_cipher[-AEAD_TAG_SIZE:], struct.pack("<I", len(IMPORTED_PLAIN_KEY)),
        plain_cipher[:-AEAD_TAG_SIZE]))
    ks.import_wrapped_key_item(IMPORTED_KEY_ALIAS, WRAPPING_KEY_ALIAS,
                               options(*IMPORT_WRAPPED_AES256_PARAMS, in_data=wrapped))


def encrypt_with_imported_key(ks: Keystore, data: bytes) -> bytes:
    """hukspy's check of the wrapped import: ``data`` encrypted (one finish) by the imported key with
    ``g_importWrappedAes256Params`` as ENCRYPT params (AES-256-GCM, NONCE, AAD; no unwrap suite);
    returns ciphertext ‖ tag."""
    encrypt = [param(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT) if p.tag == T.HUKS_TAG_PURPOSE else p
               for p in IMPORT_WRAPPED_AES256_PARAMS if p.tag != T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE]
    handle = ks.init_session(IMPORTED_KEY_ALIAS, options(*encrypt)).handle
    return ks.finish_session(handle, options(*encrypt, in_data=data)).out_data


def delete_if_present(ks: Keystore, *aliases: str) -> None:
    """``HksClearKeysForWrappedKeyTest`` and hukspy's clean-up after a case: delete each alias that is
    there (at DE, where the suite's keys live)."""
    for alias in aliases:
        if ks.has_key_item(alias, options(DE)):
            ks.delete_key_item(alias, options(DE))
