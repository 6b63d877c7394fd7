"""Tests of hukspy.enums and hukspy.errors against the numbers and messages of the reference."""

from __future__ import annotations

import pickle
from enum import IntEnum

import pytest

from hukspy import enums
from hukspy.enums import (
    SENSITIVE_TAGS,
    HuksCipherMode,
    HuksExceptionErrCode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
    HuksTag,
    HuksTagType,
    InternalTag,
    tag_type,
)
from hukspy.errors import (
    MESSAGES,
    BusyError,
    CallServiceFailedError,
    CryptoError,
    FeatureNotSupportedError,
    FileOperationError,
    HuksError,
    HuksPermissionError,
    IllegalArgumentError,
    InsufficientMemoryError,
    InvalidArgumentError,
    InvalidInputParameterError,
    KeyAlreadyExistError,
    KeyNotFoundError,
    MissingArgumentError,
    NetworkUnavailableError,
    NotSupportedApiError,
    NotSystemAppError,
    SessionLimitError,
    error_class,
)

# Numbers as printed in huks-reference.md §3.
TAG_VALUES = {
    "HUKS_TAG_INVALID": 0,
    "HUKS_TAG_ALGORITHM": 536870913,
    "HUKS_TAG_PURPOSE": 536870914,
    "HUKS_TAG_KEY_SIZE": 536870915,
    "HUKS_TAG_DIGEST": 536870916,
    "HUKS_TAG_PADDING": 536870917,
    "HUKS_TAG_BLOCK_MODE": 536870918,
    "HUKS_TAG_KEY_TYPE": 536870919,
    "HUKS_TAG_ITERATION": 536870926,
    "HUKS_TAG_DERIVE_ALG": 536870930,
    "HUKS_TAG_IMPORT_KEY_TYPE": 536870937,
    "HUKS_TAG_UNWRAP_ALGORITHM_SUITE": 536870938,
    "HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG": 536870941,
    "HUKS_TAG_RSA_PSS_SALT_LEN_TYPE": 536870942,
    "HUKS_TAG_USER_AUTH_TYPE": 536871216,
    "HUKS_TAG_AUTH_TIMEOUT": 536871217,
    "HUKS_TAG_CHALLENGE_POS": 536871222,
    "HUKS_TAG_USER_AUTH_MODE": 536871231,
    "HUKS_TAG_AE_TAG_LEN": 536871433,
    "HUKS_TAG_KEY_SECURITY_LEVEL": 536871438,
    "HUKS_TAG_KEY_WRAP_TYPE": 536871916,
    "HUKS_TAG_OS_PATCHLEVEL": 536881014,
    "HUKS_TAG_ASSOCIATED_DATA": 1342177288,
    "HUKS_TAG_NONCE": 1342177289,
    "HUKS_TAG_IV": 1342177290,
    "HUKS_TAG_PWD": 1342177293,
    "HUKS_TAG_AGREE_PUBLIC_KEY": 1342177302,
    "HUKS_TAG_KEY_ALIAS": 1342177303,
    "HUKS_TAG_AUTH_TOKEN": 1342177586,
    "HUKS_TAG_ATTESTATION_CHALLENGE": 1342177781,
    "HUKS_TAG_ATTESTATION_ID_VERSION_INFO": 1342177795,
    "HUKS_TAG_KEY_ACCESS_GROUP": 1342177803,
    "HUKS_TAG_AAD": 1342177807,
    "HUKS_TAG_CONTEXT": 1342177808,
    "HUKS_TAG_KEY_AUTH_ID": 1342178285,
    "HUKS_TAG_KEY": 1342187286,
    "HUKS_TAG_AE_TAG": 1342187289,
    "HUKS_TAG_SYMMETRIC_KEY_DATA": 1342197281,
    "HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA": 1342197282,
    "HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA": 1342197283,
    "HUKS_TAG_AGREE_PUBLIC_KEY_IS_KEY_ALIAS": 1073741844,
    "HUKS_TAG_ALL_USERS": 1073742125,
    "HUKS_TAG_NO_AUTH_REQUIRED": 1073742127,
    "HUKS_TAG_KEY_OVERRIDE": 1073742344,
    "HUKS_TAG_IS_ALLOWED_WRAP": 1073742827,
    "HUKS_TAG_IS_DEVICE_PASSWORD_SET": 1073742836,
    "HUKS_TAG_ACTIVE_DATETIME": 805306569,
    "HUKS_TAG_CREATION_DATETIME": 805306572,
    "HUKS_TAG_CRYPTO_CTX": 805316373,
    "HUKS_TAG_IS_KEY_HANDLE": 805316378,
}

ERR_CODES = [201, 202, 401, 801, *range(12000001, 12000028)]

PUBLIC_ENUMS = [
    "HuksTag",
    "HuksTagType",
    "HuksKeyAlg",
    "HuksKeyPurpose",
    "HuksKeySize",
    "HuksKeyPadding",
    "HuksCipherMode",
    "HuksKeyDigest",
    "HuksKeyGenerateType",
    "HuksKeyFlag",
    "HuksKeyStorageType",
    "HuksImportKeyType",
    "HuksUnwrapSuite",
    "HuksRsaPssSaltLenType",
    "HuksUserAuthType",
    "HuksAuthAccessType",
    "HuksUserAuthMode",
    "HuksAuthStorageLevel",
    "HuksChallengeType",
    "HuksChallengePosition",
    "HuksSecureSignType",
    "HuksSendType",
    "HuksKeyWrapType",
    "HuksKeyClassType",
    "HuksKeySecurityLevel",
    "HuksExceptionErrCode",
]


# ---------------------------------------------------------------- enums


@pytest.mark.parametrize("name", PUBLIC_ENUMS)
def test_every_public_enum_is_an_intenum(name: str) -> None:
    cls = getattr(enums, name)
    assert issubclass(cls, IntEnum)
    assert len(cls.__members__) >= 1


@pytest.mark.parametrize(("name", "value"), sorted(TAG_VALUES.items()))
def test_tag_values_match_reference(name: str, value: int) -> None:
    assert HuksTag[name] == value
    assert HuksTag[name].name == name


def test_tag_count() -> None:
    assert len(HuksTag.__members__) == 95
    assert len(HuksTag) == 95  # no two tags share a value
    counts: dict[HuksTagType, int] = {}
    for tag in HuksTag:
        counts[tag_type(tag)] = counts.get(tag_type(tag), 0) + 1
    assert counts == {
        HuksTagType.HUKS_TAG_TYPE_INVALID: 1,
        HuksTagType.HUKS_TAG_TYPE_UINT: 41,
        HuksTagType.HUKS_TAG_TYPE_BYTES: 39,
        HuksTagType.HUKS_TAG_TYPE_BOOL: 8,
        HuksTagType.HUKS_TAG_TYPE_ULONG: 6,
    }


def test_every_tag_has_a_known_type_nibble() -> None:
    types = {t.value for t in HuksTagType}
    for tag in HuksTag:
        assert tag.value & 0xF0000000 in types, tag.name
        assert tag.name.startswith("HUKS_TAG_")
    for tag in HuksTag:
        if tag is not HuksTag.HUKS_TAG_INVALID:
            assert tag_type(tag) is not HuksTagType.HUKS_TAG_TYPE_INVALID


def test_tag_type_values() -> None:
    assert HuksTagType.HUKS_TAG_TYPE_INVALID.value == 0
    assert HuksTagType.HUKS_TAG_TYPE_INT.value == 268435456
    assert HuksTagType.HUKS_TAG_TYPE_UINT.value == 536870912
    assert HuksTagType.HUKS_TAG_TYPE_ULONG.value == 805306368
    assert HuksTagType.HUKS_TAG_TYPE_BOOL.value == 1073741824
    assert HuksTagType.HUKS_TAG_TYPE_BYTES.value == 1342177280


def test_tag_type_helper() -> None:
    assert tag_type(HuksTag.HUKS_TAG_ALGORITHM) is HuksTagType.HUKS_TAG_TYPE_UINT
    assert tag_type(HuksTag.HUKS_TAG_AE_TAG) is HuksTagType.HUKS_TAG_TYPE_BYTES
    assert tag_type(HuksTag.HUKS_TAG_KEY_OVERRIDE) is HuksTagType.HUKS_TAG_TYPE_BOOL
    assert tag_type(HuksTag.HUKS_TAG_CRYPTO_CTX) is HuksTagType.HUKS_TAG_TYPE_ULONG
    assert tag_type(268435456 | 317) is HuksTagType.HUKS_TAG_TYPE_INT  # SPECIFIC_USER_ID (C only)
    assert tag_type(536870913) is HuksTagType.HUKS_TAG_TYPE_UINT  # plain int accepted
    assert tag_type(0x60000001) is HuksTagType.HUKS_TAG_TYPE_INVALID
    assert tag_type(0xF0000000) is HuksTagType.HUKS_TAG_TYPE_INVALID
    assert tag_type(-1) is HuksTagType.HUKS_TAG_TYPE_INVALID


def test_internal_tags_are_separate() -> None:
    assert [t.name for t in InternalTag] == ["MGF_DIGEST"]
    assert InternalTag.MGF_DIGEST.value == 536870943
    assert tag_type(InternalTag.MGF_DIGEST) is HuksTagType.HUKS_TAG_TYPE_UINT
    assert int(InternalTag.MGF_DIGEST) not in {t.value for t in HuksTag}
    assert "HUKS_TAG_MGF_DIGEST" not in HuksTag.__members__


def test_sensitive_tags() -> None:
    for tag in (
        HuksTag.HUKS_TAG_KEY,
        HuksTag.HUKS_TAG_AUTH_TOKEN,
        HuksTag.HUKS_TAG_PWD,
        HuksTag.HUKS_TAG_SYMMETRIC_KEY_DATA,
        HuksTag.HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA,
        HuksTag.HUKS_TAG_DERIVE_MAIN_KEY,
    ):
        assert tag in SENSITIVE_TAGS
        assert int(tag) in SENSITIVE_TAGS
    for value in SENSITIVE_TAGS:
        assert tag_type(value) is HuksTagType.HUKS_TAG_TYPE_BYTES
    for tag in (
        HuksTag.HUKS_TAG_KEY_ALIAS,
        HuksTag.HUKS_TAG_AGREE_PRIVATE_KEY_ALIAS,
        HuksTag.HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA,
        HuksTag.HUKS_TAG_IV,
        HuksTag.HUKS_TAG_NONCE,
    ):
        assert tag not in SENSITIVE_TAGS
    assert isinstance(SENSITIVE_TAGS, frozenset)


def test_other_enum_values() -> None:
    assert HuksKeyAlg.HUKS_ALG_AES.value == 20
    assert HuksKeyAlg.HUKS_ALG_SM4.value == 152
    assert HuksKeyAlg.HUKS_ALG_CMAC.value == 162
    assert HuksKeyAlg.HUKS_ALG_ML_DSA.value == 201
    assert HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE.value == 256
    assert HuksKeyDigest.HUKS_DIGEST_SHA256.value == 12
    assert HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5.value == 3
    assert HuksCipherMode.HUKS_MODE_GCM.value == 32
    assert HuksCipherMode.HUKS_MODE_CCM.value == 31
    assert enums.HuksUnwrapSuite.HUKS_UNWRAP_SUITE_SM2_SM4_ECB_NOPADDING.value == 5
    assert enums.HuksUserAuthType.HUKS_USER_AUTH_TYPE_TUI_PIN.value == 32
    assert enums.HuksAuthAccessType.HUKS_AUTH_ACCESS_ALWAYS_VALID.value == 4
    assert enums.HuksKeyStorageType.HUKS_STORAGE_KEY_EXPORT_ALLOWED.value == 3
    assert enums.HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED.value == 2
    assert enums.HuksKeySecurityLevel.HUKS_KEY_SECURITY_LEVEL_SE.value == 1
    assert enums.HuksChallengePosition.HUKS_CHALLENGE_POS_3.value == 3


def test_key_size_aliases() -> None:
    assert HuksKeySize["HUKS_SM4_KEY_SIZE_128"] is HuksKeySize.HUKS_AES_KEY_SIZE_128
    assert HuksKeySize.HUKS_3DES_KEY_SIZE_128.value == 128
    assert HuksKeySize.HUKS_CURVE25519_KEY_SIZE_256.value == 256
    assert HuksKeySize.HUKS_AES_KEY_SIZE_512.value == HuksKeySize.HUKS_RSA_KEY_SIZE_512.value
    assert HuksKeySize.HUKS_ECC_KEY_SIZE_521.value == 521
    assert HuksKeySize.HUKS_ML_KEM_KEY_PARAM_SET_1024.value == 1024
    assert HuksKeySize.HUKS_ML_DSA_KEY_PARAM_SET_65.value == 65
    assert len(HuksKeySize.__members__) == 28
    assert HuksKeySize(3072) is HuksKeySize.HUKS_RSA_KEY_SIZE_3072


def test_exception_codes() -> None:
    assert [c.value for c in HuksExceptionErrCode] == ERR_CODES
    assert HuksExceptionErrCode.HUKS_ERR_CODE_ITEM_NOT_EXIST.value == 12000011
    assert HuksExceptionErrCode.HUKS_ERR_CODE_EXTERNAL_MODULE.value == 12000020
    assert HuksExceptionErrCode.HUKS_ERR_CODE_PIN_INCORRECT.value == 12000022
    assert HuksExceptionErrCode.HUKS_ERR_CODE_NETWORK_UNAVAILABLE.value == 12000027


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("code", ERR_CODES)
def test_every_code_has_a_message_and_a_class(code: int) -> None:
    assert code in MESSAGES
    err = HuksError(code)
    assert err.code == code
    assert err.message
    assert "${" not in err.message
    assert str(err) == f"{code}: {err.message}"
    cls = error_class(code)
    assert cls is not HuksError
    assert type(err) is cls
    assert isinstance(err, HuksError)
    direct = cls()  # type: ignore[call-arg]
    assert direct.code == code
    assert direct.message == err.message


def test_messages_from_seed() -> None:
    assert HuksError(12000011).message == "The entity does not exist."
    assert HuksError(12000006).message == "Crypto engine error."
    assert HuksError(12000010).message == "The number of key operation sessions has reached the limit."
    assert HuksError(12000016).message == "Device password is required but not set."
    assert HuksError(12000017).message == "The key with same alias is already exist."
    assert HuksError(12000018).message == "The input parameter is invalid."


def test_message_info_filling() -> None:
    assert HuksError(12000001, "ALGORITHM DSA").message == "The ALGORITHM DSA is not supported."
    assert (
        HuksError(12000002, "algorithm").message
        == "Failed to obtain the algorithm. It is not set in ParamSet."
    )
    assert HuksError(12000003, "key size").message == "Invalid key size."
    assert str(InvalidArgumentError("padding")) == "12000003: Invalid padding."
    assert (
        HuksError(12000015, "secure uid").message
        == "Failed to obtain the secure uid information via UserIAM."
    )
    assert HuksError(401, "the tag is duplicated").message == (
        "Parameter error. Possible causes: the tag is duplicated."
    )
    assert HuksError(401).message.startswith("Parameter error. Possible causes: 1.")


def test_alternative_messages() -> None:
    # several alternatives: the first without info, the one with the placeholder with info
    assert HuksError(12000004).message == "Insufficient storage space."
    assert HuksError(12000004, "open file").message == "Failed to open file."
    assert HuksError(12000005).message == "Failed to get messages from IPC."
    assert HuksError(12000005, "timed out").message == "IPC timed out."
    assert HuksError(12000014).message == "Insufficient memory."
    assert HuksError(12000014, "ignored").message == "Insufficient memory."


def test_info_ignored_without_placeholder() -> None:
    assert HuksError(12000011, "my-alias").message == "The entity does not exist."
    assert KeyNotFoundError("my-alias").message == "The entity does not exist."


def test_no_placeholder_left_without_info() -> None:
    for code in (12000001, 12000002, 12000003, 12000015):
        msg = HuksError(code).message
        assert "${messageInfo}" not in msg
        assert "  " not in msg


def test_message_override() -> None:
    err = HuksError(12000006, "ignored", message="Tag mismatch.")
    assert type(err) is CryptoError
    assert err.message == "Tag mismatch."
    assert str(err) == "12000006: Tag mismatch."
    assert CryptoError(message="x").message == "x"


def test_dispatch_to_subclass() -> None:
    expected: dict[int, type[HuksError]] = {
        201: HuksPermissionError,
        202: NotSystemAppError,
        401: IllegalArgumentError,
        801: NotSupportedApiError,
        12000001: FeatureNotSupportedError,
        12000002: MissingArgumentError,
        12000003: InvalidArgumentError,
        12000004: FileOperationError,
        12000006: CryptoError,
        12000010: SessionLimitError,
        12000011: KeyNotFoundError,
        12000014: InsufficientMemoryError,
        12000015: CallServiceFailedError,
        12000017: KeyAlreadyExistError,
        12000018: InvalidInputParameterError,
        12000024: BusyError,
        12000027: NetworkUnavailableError,
    }
    for code, cls in expected.items():
        assert type(HuksError(code, "x")) is cls
        assert error_class(code) is cls
    assert type(HuksError(HuksExceptionErrCode.HUKS_ERR_CODE_ITEM_NOT_EXIST)) is KeyNotFoundError
    with pytest.raises(KeyNotFoundError):
        raise HuksError(12000011, "x")
    with pytest.raises(HuksError) as info:
        raise KeyNotFoundError("alias")
    assert info.value.code == 12000011


def test_direct_subclass_construction() -> None:
    err = KeyNotFoundError("alias")
    assert err.code == 12000011
    assert type(err.code) is int
    assert isinstance(err, HuksError)
    assert IllegalArgumentError("bad").code == 401
    assert str(IllegalArgumentError("bad")) == "401: Parameter error. Possible causes: bad."
    assert HuksPermissionError().code == 201
    assert not issubclass(HuksPermissionError, PermissionError)


def test_unknown_code() -> None:
    err = HuksError(12345, "something")
    assert type(err) is HuksError
    assert err.code == 12345
    assert err.message == "something"
    assert str(err) == "12345: something"
    assert HuksError(0).message


def test_repr_has_only_code_and_message() -> None:
    err = HuksError(12000003, "key size")
    assert repr(err) == "InvalidArgumentError(code=12000003, message='Invalid key size.')"
    err.__cause__ = ValueError("secret-bytes")
    assert "secret" not in repr(err)


@pytest.mark.parametrize("code", [*ERR_CODES, 12345])
def test_pickle_round_trip(code: int) -> None:
    err = HuksError(code, "some info")
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own data
    assert type(again) is type(err)
    assert again.code == err.code
    assert again.message == err.message
    assert str(again) == str(err)
    assert again.args == err.args


def test_pickle_subclass_and_override() -> None:
    err = FileOperationError("write file")
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own data
    assert type(again) is FileOperationError
    assert again.message == "Failed to write file."
    custom = HuksError(12000006, message="custom")
    assert pickle.loads(pickle.dumps(custom)).message == "custom"  # noqa: S301 - our own data


def test_chaining() -> None:
    try:
        try:
            raise OSError("disk")
        except OSError as exc:
            raise HuksError(12000004, "write file") from exc
    except FileOperationError as err:
        assert isinstance(err.__cause__, OSError)
        assert err.message == "Failed to write file."
