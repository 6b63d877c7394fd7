"""XTS ``SecurityHuksAccessControlJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksAccessControlJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 11 ``it()`` cases: a key generated for one purpose is used with another at
``initSession``, which must fail with the given code (upstream checks the code in ``.catch`` only; the
translation requires the error); the last case checks the values of the API's enums. Cases upstream
guards with ``useSoftware`` (``checkSoftware()``: DSA keys) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import enum

import pytest

import hukspy.enums
from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import check_software

T = HuksTag
P = HuksKeyPurpose


def _alg(alg: int) -> HuksParam:
    return param(T.HUKS_TAG_ALGORITHM, alg)


def _purpose(purpose: int) -> HuksParam:
    return param(T.HUKS_TAG_PURPOSE, purpose)


DSA, ECC, ECDH, RSA, AES = (_alg(HuksKeyAlg.HUKS_ALG_DSA), _alg(HuksKeyAlg.HUKS_ALG_ECC),
                            _alg(HuksKeyAlg.HUKS_ALG_ECDH), _alg(HuksKeyAlg.HUKS_ALG_RSA),
                            _alg(HuksKeyAlg.HUKS_ALG_AES))
SIGN_VERIFY = _purpose(P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY)
SIZE = {bits: param(T.HUKS_TAG_KEY_SIZE, bits) for bits in (128, 384, 1024, 3072)}
SHA1 = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)
SHA256 = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
DIGEST_NONE = param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_NONE)
PADDING_NONE = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
PKCS1_V1_5 = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5)
CBC = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)
DSA_KEY = [DSA, SIGN_VERIFY, SIZE[1024], SHA1]
AES_KEY = [AES, _purpose(P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), SIZE[128], CBC,
           PADDING_NONE]

#: (it() name, line, guarded by useSoftware, generate params, export?, isKeyItemExist?,
#:  [(init params as upstream's mutated array holds them, expected code)], delete at the end?)
CASES = [
    ("Security_HUKS_AccessControll_API9_0100", 125, True, DSA_KEY, True, True,
     [([DSA, _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[1024]], 12000003)], True),
    ("Security_HUKS_AccessControll_API9_0200", 162, False, [ECC, SIGN_VERIFY, SIZE[384], DIGEST_NONE],
     True, True,
     [([ECDH, _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[384], DIGEST_NONE], 401)], True),
    ("Security_HUKS_AccessControll_API9_0300", 211, True, DSA_KEY, True, False,
     [([DSA, _purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), SIZE[1024], SHA1], 12000003),
      ([DSA, _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), SIZE[1024], SHA1], 12000003)], True),
    ("Security_HUKS_AccessControll_API9_0400", 263, False,
     [RSA, _purpose(P.HUKS_KEY_PURPOSE_SIGN), SHA256, PKCS1_V1_5, SIZE[3072]], True, False,
     [([RSA, _purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), SHA256, PKCS1_V1_5, SIZE[3072]], 401),
      ([RSA, _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), SHA256, PKCS1_V1_5, SIZE[3072]], 401),
      ([RSA, _purpose(P.HUKS_KEY_PURPOSE_MAC), SHA256, PKCS1_V1_5, SIZE[3072]], 12000003)], True),
    ("Security_HUKS_AccessControll_API9_0500", 330, False, AES_KEY, False, False,
     [([AES, _purpose(P.HUKS_KEY_PURPOSE_MAC), *AES_KEY[2:]], 12000003)], True),
    ("Security_HUKS_AccessControll_API9_0600", 362, True, DSA_KEY, True, False,
     [([DSA, _purpose(P.HUKS_KEY_PURPOSE_MAC), SIZE[1024], SHA1], 12000003)], True),
    # splice(5, 1, DIGEST NONE) on a 5-element array appends
    ("Security_HUKS_AccessControll_API9_0700", 398, False, AES_KEY, False, False,
     [([AES, _purpose(P.HUKS_KEY_PURPOSE_SIGN), *AES_KEY[2:], DIGEST_NONE], 12000003),
      ([AES, _purpose(P.HUKS_KEY_PURPOSE_VERIFY), *AES_KEY[2:], DIGEST_NONE], 12000003)], True),
    # splice(0, 1, PURPOSE SIGN) replaces the ALGORITHM: the array holds PURPOSE twice and no ALGORITHM;
    # upstream does not delete the key
    ("Security_HUKS_AccessControll_API9_0800", 448, False,
     [ECC, _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[384], DIGEST_NONE, PADDING_NONE, CBC], True, False,
     [([_purpose(P.HUKS_KEY_PURPOSE_SIGN), _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[384], DIGEST_NONE], 401),
      ([_purpose(P.HUKS_KEY_PURPOSE_VERIFY), _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[384], DIGEST_NONE],
       401)],
     False),
    ("Security_HUKS_AccessControll_API9_0900", 500, True, DSA_KEY, True, False,
     [([DSA, _purpose(P.HUKS_KEY_PURPOSE_AGREE), SIZE[1024]], 12000003)], True),
    ("Security_HUKS_AccessControll_API9_1000", 537, False,
     [AES, _purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), *AES_KEY[2:]], False, False,
     [([AES, _purpose(P.HUKS_KEY_PURPOSE_DECRYPT), *AES_KEY[2:]], 401)], True),
]


@pytest.mark.parametrize(("name", "line", "software_only", "gen", "export", "exists", "inits", "delete"),
                         CASES, ids=[c[0] for c in CASES])
def test_access_control(keystore: Keystore, name: str, line: int, software_only: bool, gen: list[HuksParam],
                        export: bool, exists: bool, inits: list[tuple[list[HuksParam], int]],
                        delete: bool) -> None:
    """SecurityHuksAccessControlJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    generate, (export, isKeyItemExist), then each init with the wrong purpose or algorithm fails with
    its code; delete."""
    if software_only and not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    keystore.generate_key_item(name, options(*gen))
    try:
        if export:
            assert keystore.export_key_item(name, options(*gen)).out_data
        if exists:
            assert keystore.is_key_item_exist(name, options(*gen)) is True
        for init, code in inits:
            with raises_code(code):
                keystore.init_session(name, options(*init))
    finally:
        if delete or keystore.has_key_item(name, options()):
            keystore.delete_key_item(name, options())


#: (value, enum, member) of ``Security_HUKS_AccessControll_API9_9000`` (upstream lines 569-836)
ENUM_VALUES = [
    (1, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_ENCRYPT"),
    (2, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_DECRYPT"),
    (4, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_SIGN"),
    (8, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_VERIFY"),
    (16, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_DERIVE"),
    (32, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_WRAP"),
    (64, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_UNWRAP"),
    (128, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_MAC"),
    (256, "HuksKeyPurpose", "HUKS_KEY_PURPOSE_AGREE"),
    (0, "HuksKeyDigest", "HUKS_DIGEST_NONE"),
    (1, "HuksKeyDigest", "HUKS_DIGEST_MD5"),
    (2, "HuksKeyDigest", "HUKS_DIGEST_SM3"),
    (10, "HuksKeyDigest", "HUKS_DIGEST_SHA1"),
    (11, "HuksKeyDigest", "HUKS_DIGEST_SHA224"),
    (12, "HuksKeyDigest", "HUKS_DIGEST_SHA256"),
    (13, "HuksKeyDigest", "HUKS_DIGEST_SHA384"),
    (14, "HuksKeyDigest", "HUKS_DIGEST_SHA512"),
    (0, "HuksKeyPadding", "HUKS_PADDING_NONE"),
    (1, "HuksKeyPadding", "HUKS_PADDING_OAEP"),
    (2, "HuksKeyPadding", "HUKS_PADDING_PSS"),
    (3, "HuksKeyPadding", "HUKS_PADDING_PKCS1_V1_5"),
    (4, "HuksKeyPadding", "HUKS_PADDING_PKCS5"),
    (5, "HuksKeyPadding", "HUKS_PADDING_PKCS7"),
    (1, "HuksCipherMode", "HUKS_MODE_ECB"),
    (2, "HuksCipherMode", "HUKS_MODE_CBC"),
    (3, "HuksCipherMode", "HUKS_MODE_CTR"),
    (4, "HuksCipherMode", "HUKS_MODE_OFB"),
    (31, "HuksCipherMode", "HUKS_MODE_CCM"),
    (32, "HuksCipherMode", "HUKS_MODE_GCM"),
    (512, "HuksKeySize", "HUKS_RSA_KEY_SIZE_512"),
    (768, "HuksKeySize", "HUKS_RSA_KEY_SIZE_768"),
    (1024, "HuksKeySize", "HUKS_RSA_KEY_SIZE_1024"),
    (2048, "HuksKeySize", "HUKS_RSA_KEY_SIZE_2048"),
    (3072, "HuksKeySize", "HUKS_RSA_KEY_SIZE_3072"),
    (4096, "HuksKeySize", "HUKS_RSA_KEY_SIZE_4096"),
    (224, "HuksKeySize", "HUKS_ECC_KEY_SIZE_224"),
    (256, "HuksKeySize", "HUKS_ECC_KEY_SIZE_256"),
    (384, "HuksKeySize", "HUKS_ECC_KEY_SIZE_384"),
    (521, "HuksKeySize", "HUKS_ECC_KEY_SIZE_521"),
    (128, "HuksKeySize", "HUKS_AES_KEY_SIZE_128"),
    (192, "HuksKeySize", "HUKS_AES_KEY_SIZE_192"),
    (256, "HuksKeySize", "HUKS_AES_KEY_SIZE_256"),
    (512, "HuksKeySize", "HUKS_AES_KEY_SIZE_512"),
    (256, "HuksKeySize", "HUKS_CURVE25519_KEY_SIZE_256"),
    (2048, "HuksKeySize", "HUKS_DH_KEY_SIZE_2048"),
    (3072, "HuksKeySize", "HUKS_DH_KEY_SIZE_3072"),
    (4096, "HuksKeySize", "HUKS_DH_KEY_SIZE_4096"),
    (256, "HuksKeySize", "HUKS_SM2_KEY_SIZE_256"),
    (128, "HuksKeySize", "HUKS_SM4_KEY_SIZE_128"),
    (1, "HuksKeyAlg", "HUKS_ALG_RSA"),
    (2, "HuksKeyAlg", "HUKS_ALG_ECC"),
    (3, "HuksKeyAlg", "HUKS_ALG_DSA"),
    (20, "HuksKeyAlg", "HUKS_ALG_AES"),
    (50, "HuksKeyAlg", "HUKS_ALG_HMAC"),
    (51, "HuksKeyAlg", "HUKS_ALG_HKDF"),
    (52, "HuksKeyAlg", "HUKS_ALG_PBKDF2"),
    (100, "HuksKeyAlg", "HUKS_ALG_ECDH"),
    (101, "HuksKeyAlg", "HUKS_ALG_X25519"),
    (102, "HuksKeyAlg", "HUKS_ALG_ED25519"),
    (103, "HuksKeyAlg", "HUKS_ALG_DH"),
    (150, "HuksKeyAlg", "HUKS_ALG_SM2"),
    (151, "HuksKeyAlg", "HUKS_ALG_SM3"),
    (152, "HuksKeyAlg", "HUKS_ALG_SM4"),
    (0, "HuksKeyGenerateType", "HUKS_KEY_GENERATE_TYPE_DEFAULT"),
    (1, "HuksKeyGenerateType", "HUKS_KEY_GENERATE_TYPE_DERIVE"),
    (2, "HuksKeyGenerateType", "HUKS_KEY_GENERATE_TYPE_AGREE"),
    (1, "HuksKeyFlag", "HUKS_KEY_FLAG_IMPORT_KEY"),
    (2, "HuksKeyFlag", "HUKS_KEY_FLAG_GENERATE_KEY"),
    (3, "HuksKeyFlag", "HUKS_KEY_FLAG_AGREE_KEY"),
    (4, "HuksKeyFlag", "HUKS_KEY_FLAG_DERIVE_KEY"),
    (0, "HuksSendType", "HUKS_SEND_TYPE_ASYNC"),
    (1, "HuksSendType", "HUKS_SEND_TYPE_SYNC"),
    (1, "HuksUnwrapSuite", "HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING"),
    (2, "HuksUnwrapSuite", "HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING"),
    (0, "HuksImportKeyType", "HUKS_KEY_TYPE_PUBLIC_KEY"),
    (1, "HuksImportKeyType", "HUKS_KEY_TYPE_PRIVATE_KEY"),
    (2, "HuksImportKeyType", "HUKS_KEY_TYPE_KEY_PAIR"),
    (1, "HuksUserAuthType", "HUKS_USER_AUTH_TYPE_FINGERPRINT"),
    (2, "HuksUserAuthType", "HUKS_USER_AUTH_TYPE_FACE"),
    (4, "HuksUserAuthType", "HUKS_USER_AUTH_TYPE_PIN"),
    (1, "HuksAuthAccessType", "HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD"),
    (2, "HuksAuthAccessType", "HUKS_AUTH_ACCESS_INVALID_NEW_BIO_ENROLL"),
    (0, "HuksChallengeType", "HUKS_CHALLENGE_TYPE_NORMAL"),
    (1, "HuksChallengeType", "HUKS_CHALLENGE_TYPE_CUSTOM"),
    (2, "HuksChallengeType", "HUKS_CHALLENGE_TYPE_NONE"),
    (0, "HuksChallengePosition", "HUKS_CHALLENGE_POS_0"),
    (1, "HuksChallengePosition", "HUKS_CHALLENGE_POS_1"),
    (2, "HuksChallengePosition", "HUKS_CHALLENGE_POS_2"),
    (3, "HuksChallengePosition", "HUKS_CHALLENGE_POS_3"),
    (1, "HuksSecureSignType", "HUKS_SECURE_SIGN_WITH_AUTHINFO"),
    (0, "HuksTagType", "HUKS_TAG_TYPE_INVALID"),
    (268435456, "HuksTagType", "HUKS_TAG_TYPE_INT"),
    (536870912, "HuksTagType", "HUKS_TAG_TYPE_UINT"),
    (805306368, "HuksTagType", "HUKS_TAG_TYPE_ULONG"),
    (1073741824, "HuksTagType", "HUKS_TAG_TYPE_BOOL"),
    (1342177280, "HuksTagType", "HUKS_TAG_TYPE_BYTES"),
    (0, "HuksTag", "HUKS_TAG_INVALID"),
    (536870913, "HuksTag", "HUKS_TAG_ALGORITHM"),
    (536870914, "HuksTag", "HUKS_TAG_PURPOSE"),
    (536870915, "HuksTag", "HUKS_TAG_KEY_SIZE"),
    (536870916, "HuksTag", "HUKS_TAG_DIGEST"),
    (536870917, "HuksTag", "HUKS_TAG_PADDING"),
    (536870918, "HuksTag", "HUKS_TAG_BLOCK_MODE"),
    (536870919, "HuksTag", "HUKS_TAG_KEY_TYPE"),
    (1342177288, "HuksTag", "HUKS_TAG_ASSOCIATED_DATA"),
    (1342177289, "HuksTag", "HUKS_TAG_NONCE"),
    (1342177290, "HuksTag", "HUKS_TAG_IV"),
    (1342177291, "HuksTag", "HUKS_TAG_INFO"),
    (1342177292, "HuksTag", "HUKS_TAG_SALT"),
    (1342177293, "HuksTag", "HUKS_TAG_PWD"),
    (536870926, "HuksTag", "HUKS_TAG_ITERATION"),
    (536870927, "HuksTag", "HUKS_TAG_KEY_GENERATE_TYPE"),
    (1342177296, "HuksTag", "HUKS_TAG_DERIVE_MAIN_KEY"),
    (1342177297, "HuksTag", "HUKS_TAG_DERIVE_FACTOR"),
    (536870930, "HuksTag", "HUKS_TAG_DERIVE_ALG"),
    (536870931, "HuksTag", "HUKS_TAG_AGREE_ALG"),
    (1073741844, "HuksTag", "HUKS_TAG_AGREE_PUBLIC_KEY_IS_KEY_ALIAS"),
    (1342177301, "HuksTag", "HUKS_TAG_AGREE_PRIVATE_KEY_ALIAS"),
    (1342177302, "HuksTag", "HUKS_TAG_AGREE_PUBLIC_KEY"),
    (1342177303, "HuksTag", "HUKS_TAG_KEY_ALIAS"),
    (536870936, "HuksTag", "HUKS_TAG_DERIVE_KEY_SIZE"),
    (536870937, "HuksTag", "HUKS_TAG_IMPORT_KEY_TYPE"),
    (536870938, "HuksTag", "HUKS_TAG_UNWRAP_ALGORITHM_SUITE"),
    (805306569, "HuksTag", "HUKS_TAG_ACTIVE_DATETIME"),
    (805306570, "HuksTag", "HUKS_TAG_ORIGINATION_EXPIRE_DATETIME"),
    (805306571, "HuksTag", "HUKS_TAG_USAGE_EXPIRE_DATETIME"),
    (805306572, "HuksTag", "HUKS_TAG_CREATION_DATETIME"),
    (1073742125, "HuksTag", "HUKS_TAG_ALL_USERS"),
    (536871214, "HuksTag", "HUKS_TAG_USER_ID"),
    (1073742127, "HuksTag", "HUKS_TAG_NO_AUTH_REQUIRED"),
    (536871216, "HuksTag", "HUKS_TAG_USER_AUTH_TYPE"),
    (536871217, "HuksTag", "HUKS_TAG_AUTH_TIMEOUT"),
    (1342177586, "HuksTag", "HUKS_TAG_AUTH_TOKEN"),
    (536871219, "HuksTag", "HUKS_TAG_KEY_AUTH_ACCESS_TYPE"),
    (536871220, "HuksTag", "HUKS_TAG_KEY_SECURE_SIGN_TYPE"),
    (536871221, "HuksTag", "HUKS_TAG_CHALLENGE_TYPE"),
    (536871222, "HuksTag", "HUKS_TAG_CHALLENGE_POS"),
    (1342177781, "HuksTag", "HUKS_TAG_ATTESTATION_CHALLENGE"),
    (1342177782, "HuksTag", "HUKS_TAG_ATTESTATION_APPLICATION_ID"),
    (1342177783, "HuksTag", "HUKS_TAG_ATTESTATION_ID_BRAND"),
    (1342177784, "HuksTag", "HUKS_TAG_ATTESTATION_ID_DEVICE"),
    (1342177785, "HuksTag", "HUKS_TAG_ATTESTATION_ID_PRODUCT"),
    (1342177786, "HuksTag", "HUKS_TAG_ATTESTATION_ID_SERIAL"),
    (1342177787, "HuksTag", "HUKS_TAG_ATTESTATION_ID_IMEI"),
    (1342177788, "HuksTag", "HUKS_TAG_ATTESTATION_ID_MEID"),
    (1342177789, "HuksTag", "HUKS_TAG_ATTESTATION_ID_MANUFACTURER"),
    (1342177790, "HuksTag", "HUKS_TAG_ATTESTATION_ID_MODEL"),
    (1342177791, "HuksTag", "HUKS_TAG_ATTESTATION_ID_ALIAS"),
    (1342177792, "HuksTag", "HUKS_TAG_ATTESTATION_ID_SOCID"),
    (1342177793, "HuksTag", "HUKS_TAG_ATTESTATION_ID_UDID"),
    (1342177794, "HuksTag", "HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO"),
    (1342177795, "HuksTag", "HUKS_TAG_ATTESTATION_ID_VERSION_INFO"),
    (1073742825, "HuksTag", "HUKS_TAG_IS_KEY_ALIAS"),
    (536871914, "HuksTag", "HUKS_TAG_KEY_STORAGE_FLAG"),
    (1073742827, "HuksTag", "HUKS_TAG_IS_ALLOWED_WRAP"),
    (536871916, "HuksTag", "HUKS_TAG_KEY_WRAP_TYPE"),
    (1342178285, "HuksTag", "HUKS_TAG_KEY_AUTH_ID"),
    (536871918, "HuksTag", "HUKS_TAG_KEY_ROLE"),
    (536871919, "HuksTag", "HUKS_TAG_KEY_FLAG"),
    (536871920, "HuksTag", "HUKS_TAG_IS_ASYNCHRONIZED"),
    (1073742833, "HuksTag", "HUKS_TAG_SECURE_KEY_ALIAS"),
    (1342178290, "HuksTag", "HUKS_TAG_SECURE_KEY_UUID"),
    (536871923, "HuksTag", "HUKS_TAG_KEY_DOMAIN"),
    (1342187281, "HuksTag", "HUKS_TAG_PROCESS_NAME"),
    (1342187282, "HuksTag", "HUKS_TAG_PACKAGE_NAME"),
    (536880915, "HuksTag", "HUKS_TAG_ACCESS_TIME"),
    (536880916, "HuksTag", "HUKS_TAG_USES_TIME"),
    (805316373, "HuksTag", "HUKS_TAG_CRYPTO_CTX"),
    (1342187286, "HuksTag", "HUKS_TAG_KEY"),
    (536880919, "HuksTag", "HUKS_TAG_KEY_VERSION"),
    (536880920, "HuksTag", "HUKS_TAG_PAYLOAD_LEN"),
    (1342187289, "HuksTag", "HUKS_TAG_AE_TAG"),
    (805316378, "HuksTag", "HUKS_TAG_IS_KEY_HANDLE"),
    (536881013, "HuksTag", "HUKS_TAG_OS_VERSION"),
    (536881014, "HuksTag", "HUKS_TAG_OS_PATCHLEVEL"),
    (1342197281, "HuksTag", "HUKS_TAG_SYMMETRIC_KEY_DATA"),
    (1342197282, "HuksTag", "HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA"),
    (1342197283, "HuksTag", "HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA"),
    (0, "HuksKeyStorageType", "HUKS_STORAGE_TEMP"),
    (1, "HuksKeyStorageType", "HUKS_STORAGE_PERSISTENT"),
    (201, "HuksExceptionErrCode", "HUKS_ERR_CODE_PERMISSION_FAIL"),
    (401, "HuksExceptionErrCode", "HUKS_ERR_CODE_ILLEGAL_ARGUMENT"),
    (801, "HuksExceptionErrCode", "HUKS_ERR_CODE_NOT_SUPPORTED_API"),
    (12000001, "HuksExceptionErrCode", "HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED"),
    (12000002, "HuksExceptionErrCode", "HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT"),
    (12000003, "HuksExceptionErrCode", "HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT"),
    (12000004, "HuksExceptionErrCode", "HUKS_ERR_CODE_FILE_OPERATION_FAIL"),
    (12000005, "HuksExceptionErrCode", "HUKS_ERR_CODE_COMMUNICATION_FAIL"),
    (12000006, "HuksExceptionErrCode", "HUKS_ERR_CODE_CRYPTO_FAIL"),
    (12000007, "HuksExceptionErrCode", "HUKS_ERR_CODE_KEY_AUTH_PERMANENTLY_INVALIDATED"),
    (12000008, "HuksExceptionErrCode", "HUKS_ERR_CODE_KEY_AUTH_VERIFY_FAILED"),
    (12000009, "HuksExceptionErrCode", "HUKS_ERR_CODE_KEY_AUTH_TIME_OUT"),
    (12000010, "HuksExceptionErrCode", "HUKS_ERR_CODE_SESSION_LIMIT"),
    (12000011, "HuksExceptionErrCode", "HUKS_ERR_CODE_ITEM_NOT_EXIST"),
    (12000012, "HuksExceptionErrCode", "HUKS_ERR_CODE_EXTERNAL_ERROR"),
    (12000013, "HuksExceptionErrCode", "HUKS_ERR_CODE_CREDENTIAL_NOT_EXIST"),
    (12000014, "HuksExceptionErrCode", "HUKS_ERR_CODE_INSUFFICIENT_MEMORY"),
    (12000015, "HuksExceptionErrCode", "HUKS_ERR_CODE_CALL_SERVICE_FAILED"),
    (2, "HuksKeyStorageType", "HUKS_STORAGE_ONLY_USED_IN_HUKS"),
    (3, "HuksKeyStorageType", "HUKS_STORAGE_KEY_EXPORT_ALLOWED"),
    (0, "HuksRsaPssSaltLenType", "HUKS_RSA_PSS_SALT_LEN_DIGEST"),
    (1, "HuksRsaPssSaltLenType", "HUKS_RSA_PSS_SALT_LEN_MAX"),
    (536870941, "HuksTag", "HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG"),
    (536870942, "HuksTag", "HUKS_TAG_RSA_PSS_SALT_LEN_TYPE"),
    (536871223, "HuksTag", "HUKS_TAG_KEY_AUTH_PURPOSE"),
]


def test_Security_HUKS_AccessControll_API9_9000() -> None:
    """SecurityHuksAccessControlJsunit.test.js:569: every enum member the API exposes has upstream's value."""
    wrong = []
    for value, enum_name, member in ENUM_VALUES:
        cls: type[enum.IntEnum] = getattr(hukspy.enums, enum_name)
        if cls[member] != value:
            wrong.append(f"{enum_name}.{member} = {int(cls[member])}, upstream {value}")
    assert not wrong, wrong
