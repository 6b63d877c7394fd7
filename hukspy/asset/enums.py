"""The ASSET enums (``@ohos.security.asset`` d.ts), as :class:`enum.IntEnum`.

Names and values are exactly those of asset-reference.md §2 (d.ts and the Rust definitions agree). This
module is the only place in ``hukspy.asset`` where these numbers are written down.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

__all__ = [
    "Accessibility",
    "AuthType",
    "ConflictResolution",
    "ErrorCode",
    "OperationType",
    "ReturnType",
    "SyncType",
    "Tag",
    "TagType",
    "WrapType",
    "tag_type",
]


class TagType(IntEnum):
    """The type nibble of a tag (bits 28-31)."""

    BOOL = 0x1 << 28
    NUMBER = 0x2 << 28
    BYTES = 0x3 << 28


TAG_TYPE_MASK: Final = 0xF << 28

_B = TagType.BOOL
_N = TagType.NUMBER
_Y = TagType.BYTES


class Tag(IntEnum):
    """The attribute tags of an asset map."""

    SECRET = _Y | 0x01
    ALIAS = _Y | 0x02
    ACCESSIBILITY = _N | 0x03
    REQUIRE_PASSWORD_SET = _B | 0x04
    AUTH_TYPE = _N | 0x05
    AUTH_VALIDITY_PERIOD = _N | 0x06
    AUTH_CHALLENGE = _Y | 0x07
    AUTH_TOKEN = _Y | 0x08
    SYNC_TYPE = _N | 0x10
    IS_PERSISTENT = _B | 0x11
    DATA_LABEL_CRITICAL_1 = _Y | 0x20
    DATA_LABEL_CRITICAL_2 = _Y | 0x21
    DATA_LABEL_CRITICAL_3 = _Y | 0x22
    DATA_LABEL_CRITICAL_4 = _Y | 0x23
    DATA_LABEL_NORMAL_1 = _Y | 0x30
    DATA_LABEL_NORMAL_2 = _Y | 0x31
    DATA_LABEL_NORMAL_3 = _Y | 0x32
    DATA_LABEL_NORMAL_4 = _Y | 0x33
    DATA_LABEL_NORMAL_LOCAL_1 = _Y | 0x34
    DATA_LABEL_NORMAL_LOCAL_2 = _Y | 0x35
    DATA_LABEL_NORMAL_LOCAL_3 = _Y | 0x36
    DATA_LABEL_NORMAL_LOCAL_4 = _Y | 0x37
    RETURN_TYPE = _N | 0x40
    RETURN_LIMIT = _N | 0x41
    RETURN_OFFSET = _N | 0x42
    RETURN_ORDERED_BY = _N | 0x43
    CONFLICT_RESOLUTION = _N | 0x44
    UPDATE_TIME = _Y | 0x45
    OPERATION_TYPE = _N | 0x46
    REQUIRE_ATTR_ENCRYPTED = _B | 0x47
    GROUP_ID = _Y | 0x48
    WRAP_TYPE = _N | 0x49
    #: Internal in upstream (the ``*AsUser`` system APIs append it); hukspy rejects it with 202.
    USER_ID = _N | 0x100


def tag_type(tag: int) -> TagType:
    """The :class:`TagType` of ``tag`` (its high nibble). Raises ``ValueError`` for an unknown nibble."""
    return TagType(tag & TAG_TYPE_MASK)


class Accessibility(IntEnum):
    DEVICE_POWERED_ON = 0
    DEVICE_FIRST_UNLOCKED = 1
    DEVICE_UNLOCKED = 2


class AuthType(IntEnum):
    NONE = 0x00
    ANY = 0xFF


class SyncType(IntEnum):
    NEVER = 0
    THIS_DEVICE = 1 << 0
    TRUSTED_DEVICE = 1 << 1
    TRUSTED_ACCOUNT = 1 << 2


class WrapType(IntEnum):
    NEVER = 0
    TRUSTED_ACCOUNT = 1


class ConflictResolution(IntEnum):
    OVERWRITE = 0
    THROW_ERROR = 1


class ReturnType(IntEnum):
    ALL = 0
    ATTRIBUTES = 1


class OperationType(IntEnum):
    NEED_SYNC = 0
    NEED_LOGOUT = 1


class ErrorCode(IntEnum):
    PERMISSION_DENIED = 201
    NOT_SYSTEM_APPLICATION = 202
    INVALID_ARGUMENT = 401
    SERVICE_UNAVAILABLE = 24000001
    NOT_FOUND = 24000002
    DUPLICATED = 24000003
    ACCESS_DENIED = 24000004
    STATUS_MISMATCH = 24000005
    OUT_OF_MEMORY = 24000006
    DATA_CORRUPTED = 24000007
    DATABASE_ERROR = 24000008
    CRYPTO_ERROR = 24000009
    IPC_ERROR = 24000010
    BMS_ERROR = 24000011
    ACCOUNT_ERROR = 24000012
    ACCESS_TOKEN_ERROR = 24000013
    FILE_OPERATION_ERROR = 24000014
    GET_SYSTEM_TIME_ERROR = 24000015
    LIMIT_EXCEEDED = 24000016
    UNSUPPORTED = 24000017
    PARAM_VERIFICATION_FAILED = 24000018
    INCONSISTENT_ATTRIBUTE = 24000019
