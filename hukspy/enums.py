"""The HUKS enums (``@ohos.security.huks`` d.ts), as :class:`enum.IntEnum`.

Member names and values are exactly those of the d.ts (OpenHarmony ``interface_sdk-js``,
``api/@ohos.security.huks.d.ts``). This module is the only place in hukspy where these numbers are
written down; every other module imports them.

``IntEnum`` turns members that repeat a value into aliases (``HuksKeySize.HUKS_SM4_KEY_SIZE_128`` *is*
``HuksKeySize.HUKS_AES_KEY_SIZE_128``); every d.ts name is still accessible as an attribute.

Also here: :class:`InternalTag` (C-only tags the engine needs, deliberately not part of :class:`HuksTag`),
:func:`tag_type` and :data:`SENSITIVE_TAGS`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = [
    "SENSITIVE_TAGS",
    "HuksAuthAccessType",
    "HuksAuthStorageLevel",
    "HuksChallengePosition",
    "HuksChallengeType",
    "HuksCipherMode",
    "HuksExceptionErrCode",
    "HuksImportKeyType",
    "HuksKeyAlg",
    "HuksKeyClassType",
    "HuksKeyDigest",
    "HuksKeyFlag",
    "HuksKeyGenerateType",
    "HuksKeyPadding",
    "HuksKeyPurpose",
    "HuksKeySecurityLevel",
    "HuksKeySize",
    "HuksKeyStorageType",
    "HuksKeyWrapType",
    "HuksRsaPssSaltLenType",
    "HuksSecureSignType",
    "HuksSendType",
    "HuksTag",
    "HuksTagType",
    "HuksUnwrapSuite",
    "HuksUserAuthMode",
    "HuksUserAuthType",
    "InternalTag",
    "tag_type",
]

# The type nibble of a tag (bits 28-31). Private: use HuksTagType outside this module.
_INVALID: Final = 0 << 28
_INT: Final = 1 << 28
_UINT: Final = 2 << 28
_ULONG: Final = 3 << 28
_BOOL: Final = 4 << 28
_BYTES: Final = 5 << 28
_TYPE_MASK: Final = 0xF0000000


class HuksTagType(IntEnum):
    HUKS_TAG_TYPE_INVALID = _INVALID
    HUKS_TAG_TYPE_INT = _INT
    HUKS_TAG_TYPE_UINT = _UINT
    HUKS_TAG_TYPE_ULONG = _ULONG
    HUKS_TAG_TYPE_BOOL = _BOOL
    HUKS_TAG_TYPE_BYTES = _BYTES


class HuksKeyPurpose(IntEnum):
    HUKS_KEY_PURPOSE_ENCRYPT = 1
    HUKS_KEY_PURPOSE_DECRYPT = 2
    HUKS_KEY_PURPOSE_SIGN = 4
    HUKS_KEY_PURPOSE_VERIFY = 8
    HUKS_KEY_PURPOSE_DERIVE = 16
    HUKS_KEY_PURPOSE_WRAP = 32
    HUKS_KEY_PURPOSE_UNWRAP = 64
    HUKS_KEY_PURPOSE_MAC = 128
    HUKS_KEY_PURPOSE_AGREE = 256


class HuksKeyDigest(IntEnum):
    HUKS_DIGEST_NONE = 0
    HUKS_DIGEST_MD5 = 1
    HUKS_DIGEST_SM3 = 2  # since 9
    HUKS_DIGEST_SHA1 = 10
    HUKS_DIGEST_SHA224 = 11
    HUKS_DIGEST_SHA256 = 12
    HUKS_DIGEST_SHA384 = 13
    HUKS_DIGEST_SHA512 = 14


class HuksKeyPadding(IntEnum):
    HUKS_PADDING_NONE = 0
    HUKS_PADDING_OAEP = 1
    HUKS_PADDING_PSS = 2
    HUKS_PADDING_PKCS1_V1_5 = 3
    HUKS_PADDING_PKCS5 = 4
    HUKS_PADDING_PKCS7 = 5
    HUKS_PADDING_ISO_IEC_9796_2 = 6  # since 12
    HUKS_PADDING_ISO_IEC_9797_1 = 7  # since 12


class HuksCipherMode(IntEnum):
    HUKS_MODE_ECB = 1
    HUKS_MODE_CBC = 2
    HUKS_MODE_CTR = 3
    HUKS_MODE_OFB = 4
    HUKS_MODE_CFB = 5  # since 12
    HUKS_MODE_CCM = 31
    HUKS_MODE_GCM = 32


class HuksKeySize(IntEnum):
    """Key sizes. Several names share a value; IntEnum makes the later ones aliases of the first."""

    HUKS_RSA_KEY_SIZE_512 = 512
    HUKS_RSA_KEY_SIZE_768 = 768
    HUKS_RSA_KEY_SIZE_1024 = 1024
    HUKS_RSA_KEY_SIZE_2048 = 2048
    HUKS_RSA_KEY_SIZE_3072 = 3072
    HUKS_RSA_KEY_SIZE_4096 = 4096
    HUKS_ECC_KEY_SIZE_224 = 224
    HUKS_ECC_KEY_SIZE_256 = 256
    HUKS_ECC_KEY_SIZE_384 = 384
    HUKS_ECC_KEY_SIZE_521 = 521
    HUKS_AES_KEY_SIZE_128 = 128
    HUKS_AES_KEY_SIZE_192 = 192
    HUKS_AES_KEY_SIZE_256 = 256
    HUKS_AES_KEY_SIZE_512 = 512  # deprecated since 11
    HUKS_CURVE25519_KEY_SIZE_256 = 256
    HUKS_DH_KEY_SIZE_2048 = 2048
    HUKS_DH_KEY_SIZE_3072 = 3072
    HUKS_DH_KEY_SIZE_4096 = 4096
    HUKS_SM2_KEY_SIZE_256 = 256  # since 9
    HUKS_SM4_KEY_SIZE_128 = 128  # since 9
    HUKS_DES_KEY_SIZE_64 = 64  # since 12
    HUKS_3DES_KEY_SIZE_128 = 128  # since 12
    HUKS_3DES_KEY_SIZE_192 = 192  # since 12
    HUKS_ML_DSA_KEY_PARAM_SET_44 = 44  # since 26.0.0
    HUKS_ML_DSA_KEY_PARAM_SET_65 = 65  # since 26.0.0
    HUKS_ML_DSA_KEY_PARAM_SET_87 = 87  # since 26.0.0
    HUKS_ML_KEM_KEY_PARAM_SET_768 = 768  # since 26.0.0
    HUKS_ML_KEM_KEY_PARAM_SET_1024 = 1024  # since 26.0.0


class HuksKeyAlg(IntEnum):
    HUKS_ALG_RSA = 1
    HUKS_ALG_ECC = 2
    HUKS_ALG_DSA = 3
    HUKS_ALG_AES = 20
    HUKS_ALG_HMAC = 50
    HUKS_ALG_HKDF = 51
    HUKS_ALG_PBKDF2 = 52
    HUKS_ALG_ECDH = 100
    HUKS_ALG_X25519 = 101
    HUKS_ALG_ED25519 = 102
    HUKS_ALG_DH = 103
    HUKS_ALG_SM2 = 150  # since 9
    HUKS_ALG_SM3 = 151  # since 9
    HUKS_ALG_SM4 = 152  # since 9
    HUKS_ALG_DES = 160  # since 12
    HUKS_ALG_3DES = 161  # since 12
    HUKS_ALG_CMAC = 162  # since 12
    HUKS_ALG_ML_KEM = 200  # since 26.0.0
    HUKS_ALG_ML_DSA = 201  # since 26.0.0


class HuksUnwrapSuite(IntEnum):
    HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING = 1  # since 9
    HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING = 2  # since 9
    HUKS_UNWRAP_SUITE_SM2_SM4_ECB_NOPADDING = 5  # since 23


class HuksKeyGenerateType(IntEnum):
    HUKS_KEY_GENERATE_TYPE_DEFAULT = 0
    HUKS_KEY_GENERATE_TYPE_DERIVE = 1
    HUKS_KEY_GENERATE_TYPE_AGREE = 2


class HuksKeyFlag(IntEnum):
    HUKS_KEY_FLAG_IMPORT_KEY = 1
    HUKS_KEY_FLAG_GENERATE_KEY = 2
    HUKS_KEY_FLAG_AGREE_KEY = 3
    HUKS_KEY_FLAG_DERIVE_KEY = 4


class HuksKeyStorageType(IntEnum):
    HUKS_STORAGE_TEMP = 0  # deprecated since 10
    HUKS_STORAGE_PERSISTENT = 1  # deprecated since 10
    HUKS_STORAGE_ONLY_USED_IN_HUKS = 2  # since 10
    HUKS_STORAGE_KEY_EXPORT_ALLOWED = 3  # since 10


class HuksImportKeyType(IntEnum):
    HUKS_KEY_TYPE_PUBLIC_KEY = 0  # since 9
    HUKS_KEY_TYPE_PRIVATE_KEY = 1  # since 9
    HUKS_KEY_TYPE_KEY_PAIR = 2  # since 9


class HuksRsaPssSaltLenType(IntEnum):
    HUKS_RSA_PSS_SALT_LEN_DIGEST = 0  # since 10
    HUKS_RSA_PSS_SALT_LEN_MAX = 1  # since 10


class HuksUserAuthType(IntEnum):
    """A bitmask: the values may be OR-ed together."""

    HUKS_USER_AUTH_TYPE_FINGERPRINT = 1  # since 9
    HUKS_USER_AUTH_TYPE_FACE = 2  # since 9
    HUKS_USER_AUTH_TYPE_PIN = 4  # since 9
    HUKS_USER_AUTH_TYPE_TUI_PIN = 32  # since 20


class HuksAuthAccessType(IntEnum):
    HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD = 1  # since 9
    HUKS_AUTH_ACCESS_INVALID_NEW_BIO_ENROLL = 2  # since 9
    HUKS_AUTH_ACCESS_ALWAYS_VALID = 4  # since 11


class HuksUserAuthMode(IntEnum):
    HUKS_USER_AUTH_MODE_LOCAL = 0  # since 12
    HUKS_USER_AUTH_MODE_COAUTH = 1  # since 12


class HuksAuthStorageLevel(IntEnum):
    HUKS_AUTH_STORAGE_LEVEL_DE = 0  # since 11
    HUKS_AUTH_STORAGE_LEVEL_CE = 1  # since 11
    HUKS_AUTH_STORAGE_LEVEL_ECE = 2  # since 11


class HuksChallengeType(IntEnum):
    HUKS_CHALLENGE_TYPE_NORMAL = 0  # since 9
    HUKS_CHALLENGE_TYPE_CUSTOM = 1  # since 9
    HUKS_CHALLENGE_TYPE_NONE = 2  # since 9


class HuksChallengePosition(IntEnum):
    HUKS_CHALLENGE_POS_0 = 0  # since 9
    HUKS_CHALLENGE_POS_1 = 1  # since 9
    HUKS_CHALLENGE_POS_2 = 2  # since 9
    HUKS_CHALLENGE_POS_3 = 3  # since 9


class HuksSecureSignType(IntEnum):
    HUKS_SECURE_SIGN_WITH_AUTHINFO = 1  # since 9


class HuksSendType(IntEnum):
    HUKS_SEND_TYPE_ASYNC = 0
    HUKS_SEND_TYPE_SYNC = 1


class HuksKeyClassType(IntEnum):
    HUKS_KEY_CLASS_DEFAULT = 0  # since 22
    HUKS_KEY_CLASS_EXTENSION = 1  # since 22


class HuksKeyWrapType(IntEnum):
    HUKS_KEY_WRAP_TYPE_HUK_BASED = 2  # since 20


class HuksKeySecurityLevel(IntEnum):
    HUKS_KEY_SECURITY_LEVEL_TEE = 0  # since 26.0.0
    HUKS_KEY_SECURITY_LEVEL_SE = 1  # since 26.0.0


class HuksExceptionErrCode(IntEnum):
    HUKS_ERR_CODE_PERMISSION_FAIL = 201  # since 9
    HUKS_ERR_CODE_NOT_SYSTEM_APP = 202  # since 12
    HUKS_ERR_CODE_ILLEGAL_ARGUMENT = 401  # since 9
    HUKS_ERR_CODE_NOT_SUPPORTED_API = 801  # since 9
    HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED = 12000001  # since 9
    HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT = 12000002  # since 9
    HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT = 12000003  # since 9
    HUKS_ERR_CODE_FILE_OPERATION_FAIL = 12000004  # since 9
    HUKS_ERR_CODE_COMMUNICATION_FAIL = 12000005  # since 9
    HUKS_ERR_CODE_CRYPTO_FAIL = 12000006  # since 9
    HUKS_ERR_CODE_KEY_AUTH_PERMANENTLY_INVALIDATED = 12000007  # since 9
    HUKS_ERR_CODE_KEY_AUTH_VERIFY_FAILED = 12000008  # since 9
    HUKS_ERR_CODE_KEY_AUTH_TIME_OUT = 12000009  # since 9
    HUKS_ERR_CODE_SESSION_LIMIT = 12000010  # since 9
    HUKS_ERR_CODE_ITEM_NOT_EXIST = 12000011  # since 9
    HUKS_ERR_CODE_EXTERNAL_ERROR = 12000012  # since 9
    HUKS_ERR_CODE_CREDENTIAL_NOT_EXIST = 12000013  # since 9
    HUKS_ERR_CODE_INSUFFICIENT_MEMORY = 12000014  # since 9
    HUKS_ERR_CODE_CALL_SERVICE_FAILED = 12000015  # since 9
    HUKS_ERR_CODE_DEVICE_PASSWORD_UNSET = 12000016  # since 11
    HUKS_ERR_CODE_KEY_ALREADY_EXIST = 12000017  # since 20
    HUKS_ERR_CODE_INVALID_ARGUMENT = 12000018  # since 20
    HUKS_ERR_CODE_ITEM_EXISTS = 12000019  # since 22
    HUKS_ERR_CODE_EXTERNAL_MODULE = 12000020  # since 22 (C name: DEPENDENT_MODULES_ERROR)
    HUKS_ERR_CODE_PIN_LOCKED = 12000021  # since 22
    HUKS_ERR_CODE_PIN_INCORRECT = 12000022  # since 22 (C name: PIN_CODE_ERROR)
    HUKS_ERR_CODE_PIN_NO_AUTH = 12000023  # since 22
    HUKS_ERR_CODE_BUSY = 12000024  # since 22
    HUKS_ERR_CODE_EXCEED_LIMIT = 12000025  # since 22
    HUKS_ERR_CODE_SE_FAULT = 12000026  # since 26.0.0
    HUKS_ERR_CODE_NETWORK_UNAVAILABLE = 12000027  # since 26.0.0


class HuksTag(IntEnum):
    """Every tag of the d.ts, deprecated ones included: ``HuksTagType.<type> | n``."""

    HUKS_TAG_INVALID = _INVALID | 0  # deprecated since 9
    HUKS_TAG_ALGORITHM = _UINT | 1
    HUKS_TAG_PURPOSE = _UINT | 2
    HUKS_TAG_KEY_SIZE = _UINT | 3
    HUKS_TAG_DIGEST = _UINT | 4
    HUKS_TAG_PADDING = _UINT | 5
    HUKS_TAG_BLOCK_MODE = _UINT | 6
    HUKS_TAG_KEY_TYPE = _UINT | 7
    HUKS_TAG_ITERATION = _UINT | 14
    HUKS_TAG_KEY_GENERATE_TYPE = _UINT | 15
    HUKS_TAG_DERIVE_ALG = _UINT | 18  # deprecated since 9
    HUKS_TAG_AGREE_ALG = _UINT | 19
    HUKS_TAG_DERIVE_KEY_SIZE = _UINT | 24
    HUKS_TAG_IMPORT_KEY_TYPE = _UINT | 25  # since 9
    HUKS_TAG_UNWRAP_ALGORITHM_SUITE = _UINT | 26  # since 9
    HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG = _UINT | 29  # since 10
    HUKS_TAG_RSA_PSS_SALT_LEN_TYPE = _UINT | 30  # since 10
    HUKS_TAG_USER_ID = _UINT | 302
    HUKS_TAG_USER_AUTH_TYPE = _UINT | 304
    HUKS_TAG_AUTH_TIMEOUT = _UINT | 305
    HUKS_TAG_KEY_AUTH_ACCESS_TYPE = _UINT | 307  # since 9
    HUKS_TAG_KEY_SECURE_SIGN_TYPE = _UINT | 308  # since 9
    HUKS_TAG_CHALLENGE_TYPE = _UINT | 309  # since 9
    HUKS_TAG_CHALLENGE_POS = _UINT | 310  # since 9
    HUKS_TAG_KEY_AUTH_PURPOSE = _UINT | 311  # since 10
    HUKS_TAG_AUTH_STORAGE_LEVEL = _UINT | 316  # since 11
    HUKS_TAG_USER_AUTH_MODE = _UINT | 319  # since 12
    HUKS_TAG_AE_TAG_LEN = _UINT | 521  # since 22
    HUKS_TAG_KEY_CLASS = _UINT | 522  # since 22
    HUKS_TAG_KEY_SECURITY_LEVEL = _UINT | 526  # since 26.0.0
    HUKS_TAG_KEY_STORAGE_FLAG = _UINT | 1002
    HUKS_TAG_KEY_WRAP_TYPE = _UINT | 1004
    HUKS_TAG_KEY_ROLE = _UINT | 1006
    HUKS_TAG_KEY_FLAG = _UINT | 1007
    HUKS_TAG_IS_ASYNCHRONIZED = _UINT | 1008
    HUKS_TAG_KEY_DOMAIN = _UINT | 1011
    HUKS_TAG_ACCESS_TIME = _UINT | 10003  # deprecated since 9
    HUKS_TAG_USES_TIME = _UINT | 10004  # deprecated since 9
    HUKS_TAG_KEY_VERSION = _UINT | 10007  # deprecated since 9
    HUKS_TAG_PAYLOAD_LEN = _UINT | 10008  # deprecated since 9
    HUKS_TAG_OS_VERSION = _UINT | 10101  # deprecated since 9
    HUKS_TAG_OS_PATCHLEVEL = _UINT | 10102  # deprecated since 9
    HUKS_TAG_ASSOCIATED_DATA = _BYTES | 8
    HUKS_TAG_NONCE = _BYTES | 9
    HUKS_TAG_IV = _BYTES | 10
    HUKS_TAG_INFO = _BYTES | 11
    HUKS_TAG_SALT = _BYTES | 12
    HUKS_TAG_PWD = _BYTES | 13  # deprecated since 9
    HUKS_TAG_DERIVE_MAIN_KEY = _BYTES | 16  # deprecated since 9
    HUKS_TAG_DERIVE_FACTOR = _BYTES | 17  # deprecated since 9
    HUKS_TAG_AGREE_PRIVATE_KEY_ALIAS = _BYTES | 21
    HUKS_TAG_AGREE_PUBLIC_KEY = _BYTES | 22
    HUKS_TAG_KEY_ALIAS = _BYTES | 23
    HUKS_TAG_AUTH_TOKEN = _BYTES | 306
    HUKS_TAG_ATTESTATION_CHALLENGE = _BYTES | 501
    HUKS_TAG_ATTESTATION_APPLICATION_ID = _BYTES | 502
    HUKS_TAG_ATTESTATION_ID_BRAND = _BYTES | 503  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_DEVICE = _BYTES | 504  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_PRODUCT = _BYTES | 505  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_SERIAL = _BYTES | 506  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_IMEI = _BYTES | 507  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_MEID = _BYTES | 508  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_MANUFACTURER = _BYTES | 509  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_MODEL = _BYTES | 510  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_ALIAS = _BYTES | 511
    HUKS_TAG_ATTESTATION_ID_SOCID = _BYTES | 512  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_UDID = _BYTES | 513  # deprecated since 9
    HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO = _BYTES | 514
    HUKS_TAG_ATTESTATION_ID_VERSION_INFO = _BYTES | 515
    HUKS_TAG_KEY_ACCESS_GROUP = _BYTES | 523  # since 23
    HUKS_TAG_AAD = _BYTES | 527  # since 24
    HUKS_TAG_CONTEXT = _BYTES | 528  # since 26.0.0
    HUKS_TAG_KEY_AUTH_ID = _BYTES | 1005
    HUKS_TAG_SECURE_KEY_UUID = _BYTES | 1010  # deprecated since 9
    HUKS_TAG_PROCESS_NAME = _BYTES | 10001  # deprecated since 9
    HUKS_TAG_PACKAGE_NAME = _BYTES | 10002  # deprecated since 9
    HUKS_TAG_KEY = _BYTES | 10006
    HUKS_TAG_AE_TAG = _BYTES | 10009
    HUKS_TAG_SYMMETRIC_KEY_DATA = _BYTES | 20001
    HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA = _BYTES | 20002
    HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA = _BYTES | 20003
    HUKS_TAG_AGREE_PUBLIC_KEY_IS_KEY_ALIAS = _BOOL | 20
    HUKS_TAG_ALL_USERS = _BOOL | 301
    HUKS_TAG_NO_AUTH_REQUIRED = _BOOL | 303
    HUKS_TAG_KEY_OVERRIDE = _BOOL | 520  # since 20
    HUKS_TAG_IS_KEY_ALIAS = _BOOL | 1001
    HUKS_TAG_IS_ALLOWED_WRAP = _BOOL | 1003
    HUKS_TAG_SECURE_KEY_ALIAS = _BOOL | 1009  # deprecated since 9
    HUKS_TAG_IS_DEVICE_PASSWORD_SET = _BOOL | 1012  # since 11
    HUKS_TAG_ACTIVE_DATETIME = _ULONG | 201  # deprecated since 9
    HUKS_TAG_ORIGINATION_EXPIRE_DATETIME = _ULONG | 202  # deprecated since 9
    HUKS_TAG_USAGE_EXPIRE_DATETIME = _ULONG | 203  # deprecated since 9
    HUKS_TAG_CREATION_DATETIME = _ULONG | 204  # deprecated since 9
    HUKS_TAG_CRYPTO_CTX = _ULONG | 10005  # deprecated since 9
    HUKS_TAG_IS_KEY_HANDLE = _ULONG | 10010  # deprecated since 9


class InternalTag(IntEnum):
    """C-only tags (``hks_tag.h``) the engine uses; not part of the JS API, so not in :class:`HuksTag`."""

    MGF_DIGEST = _UINT | 31  # OAEP MGF1 digest (HKS_TAG_MGF_DIGEST)


_TAG_TYPES: Final[dict[int, HuksTagType]] = {int(t): t for t in HuksTagType}


def tag_type(tag: int) -> HuksTagType:
    """The type of ``tag`` from its high nibble; unknown nibbles give ``HUKS_TAG_TYPE_INVALID``."""
    return _TAG_TYPES.get(tag & _TYPE_MASK, HuksTagType.HUKS_TAG_TYPE_INVALID)


# BYTES tags whose values may hold key material, passwords, PINs or auth tokens: never print them.
SENSITIVE_TAGS: Final[frozenset[int]] = frozenset(
    {
        HuksTag.HUKS_TAG_KEY,
        HuksTag.HUKS_TAG_AUTH_TOKEN,
        HuksTag.HUKS_TAG_PWD,
        HuksTag.HUKS_TAG_SYMMETRIC_KEY_DATA,
        HuksTag.HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA,
        HuksTag.HUKS_TAG_DERIVE_MAIN_KEY,
        HuksTag.HUKS_TAG_DERIVE_FACTOR,
    }
)
