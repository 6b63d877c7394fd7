"""hukspy: the OpenHarmony HUKS keystore API for Python on Linux.

Keys live in a PKCS#11 token, a TPM 2.0 or (by default) an embedded software store; the API, tags,
formats and error codes are those of OpenHarmony's ``@ohos.security.huks``. Importing this package
has no side effects and loads no backend.
"""

from __future__ import annotations

from hukspy.enums import (
    HuksAuthAccessType,
    HuksAuthStorageLevel,
    HuksChallengePosition,
    HuksChallengeType,
    HuksCipherMode,
    HuksExceptionErrCode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyGenerateType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
    HuksKeyStorageType,
    HuksKeyWrapType,
    HuksRsaPssSaltLenType,
    HuksSecureSignType,
    HuksSendType,
    HuksTag,
    HuksTagType,
    HuksUnwrapSuite,
    HuksUserAuthMode,
    HuksUserAuthType,
)
from hukspy.errors import *  # noqa: F403 - the per-code subclasses, listed in errors.__all__
from hukspy.errors import HuksError
from hukspy.errors import __all__ as _error_names
from hukspy.keystore import Keystore, default_keystore, on_default
from hukspy.params import (
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
)

__version__ = "0.1.0"

generate_key_item = on_default(Keystore.generate_key_item)
delete_key_item = on_default(Keystore.delete_key_item)
import_key_item = on_default(Keystore.import_key_item)
import_wrapped_key_item = on_default(Keystore.import_wrapped_key_item)
export_key_item = on_default(Keystore.export_key_item)
get_key_item_properties = on_default(Keystore.get_key_item_properties)
is_key_item_exist = on_default(Keystore.is_key_item_exist)
has_key_item = on_default(Keystore.has_key_item)
init_session = on_default(Keystore.init_session)
update_session = on_default(Keystore.update_session)
finish_session = on_default(Keystore.finish_session)
abort_session = on_default(Keystore.abort_session)
attest_key_item = on_default(Keystore.attest_key_item)
anon_attest_key_item = on_default(Keystore.anon_attest_key_item)
list_aliases = on_default(Keystore.list_aliases)
wrap_key_item = on_default(Keystore.wrap_key_item)
unwrap_key_item = on_default(Keystore.unwrap_key_item)
get_sdk_version = on_default(Keystore.get_sdk_version)
encapsulate = on_default(Keystore.encapsulate)
anon_attest_key_item_offline = on_default(Keystore.anon_attest_key_item_offline)
decapsulate = on_default(Keystore.decapsulate)
private_key = on_default(Keystore.private_key)
public_key = on_default(Keystore.public_key)

__all__ = [
    "HuksAuthAccessType",
    "HuksAuthStorageLevel",
    "HuksChallengePosition",
    "HuksChallengeType",
    "HuksCipherMode",
    "HuksError",
    "HuksExceptionErrCode",
    "HuksImportKeyType",
    "HuksKeyAlg",
    "HuksKeyDigest",
    "HuksKeyFlag",
    "HuksKeyGenerateType",
    "HuksKeyPadding",
    "HuksKeyPurpose",
    "HuksKeySize",
    "HuksKeyStorageType",
    "HuksKeyWrapType",
    "HuksListAliasesReturnResult",
    "HuksOptions",
    "HuksParam",
    "HuksReturnResult",
    "HuksRsaPssSaltLenType",
    "HuksSecureSignType",
    "HuksSendType",
    "HuksSessionHandle",
    "HuksTag",
    "HuksTagType",
    "HuksUnwrapSuite",
    "HuksUserAuthMode",
    "HuksUserAuthType",
    "Keystore",
    "abort_session",
    "anon_attest_key_item",
    "anon_attest_key_item_offline",
    "decapsulate",
    "encapsulate",
    "attest_key_item",
    "default_keystore",
    "delete_key_item",
    "export_key_item",
    "finish_session",
    "generate_key_item",
    "get_key_item_properties",
    "get_sdk_version",
    "has_key_item",
    "import_key_item",
    "import_wrapped_key_item",
    "init_session",
    "is_key_item_exist",
    "list_aliases",
    "private_key",
    "public_key",
    "unwrap_key_item",
    "update_session",
    "wrap_key_item",
    *_error_names,
]
