"""HuksError and one subclass per HUKS error code.

Every public hukspy function fails with :class:`HuksError` (or a subclass). ``err.code`` is a
:class:`~hukspy.enums.HuksExceptionErrCode` value and ``err.message`` the English "Error Message" of the
seed document for that code, with ``${messageInfo}`` filled in. ``str(err)`` is ``"<code>: <message>"``.

``HuksError(code, info)`` returns an instance of the subclass registered for ``code``, and a subclass
constructed directly takes only the info: ``KeyNotFoundError("alias")`` has code 12000011.

Classes, by code:

====================  ======================================================
201                   :class:`HuksPermissionError`
202                   :class:`NotSystemAppError`
401                   :class:`IllegalArgumentError`
801                   :class:`NotSupportedApiError`
12000001              :class:`FeatureNotSupportedError`
12000002              :class:`MissingArgumentError`
12000003              :class:`InvalidArgumentError`
12000004              :class:`FileOperationError`
12000005              :class:`CommunicationError`
12000006              :class:`CryptoError`
12000007              :class:`KeyAuthPermanentlyInvalidatedError`
12000008              :class:`KeyAuthVerifyFailedError`
12000009              :class:`KeyAuthTimeoutError`
12000010              :class:`SessionLimitError`
12000011              :class:`KeyNotFoundError`
12000012              :class:`ExternalError`
12000013              :class:`CredentialNotExistError`
12000014              :class:`InsufficientMemoryError`
12000015              :class:`CallServiceFailedError`
12000016              :class:`DevicePasswordUnsetError`
12000017              :class:`KeyAlreadyExistError`
12000018              :class:`InvalidInputParameterError`
12000019              :class:`ItemExistsError`
12000020              :class:`ExternalModuleError`
12000021              :class:`PinLockedError`
12000022              :class:`PinIncorrectError`
12000023              :class:`PinNoAuthError`
12000024              :class:`BusyError`
12000025              :class:`ExceedLimitError`
12000026              :class:`SeFaultError`
12000027              :class:`NetworkUnavailableError`
====================  ======================================================

Any other code gives a plain :class:`HuksError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final

from hukspy.enums import HuksExceptionErrCode as _Code

__all__ = [
    "MESSAGES",
    "BusyError",
    "CallServiceFailedError",
    "CommunicationError",
    "CredentialNotExistError",
    "CryptoError",
    "DevicePasswordUnsetError",
    "ExceedLimitError",
    "ExternalError",
    "ExternalModuleError",
    "FeatureNotSupportedError",
    "FileOperationError",
    "HuksError",
    "HuksPermissionError",
    "IllegalArgumentError",
    "InsufficientMemoryError",
    "InvalidArgumentError",
    "InvalidInputParameterError",
    "ItemExistsError",
    "KeyAlreadyExistError",
    "KeyAuthPermanentlyInvalidatedError",
    "KeyAuthTimeoutError",
    "KeyAuthVerifyFailedError",
    "KeyNotFoundError",
    "MissingArgumentError",
    "NetworkUnavailableError",
    "NotSupportedApiError",
    "NotSystemAppError",
    "PinIncorrectError",
    "PinLockedError",
    "PinNoAuthError",
    "SeFaultError",
    "SessionLimitError",
    "error_class",
    "format_message",
]

PLACEHOLDER: Final = "${messageInfo}"

# code -> the message templates. Where the seed lists several alternative messages they are all here, in
# the seed's order: the first is used without info, the first one with ${messageInfo} when info is given.
#
# Sources:
# - 12000001..12000016: seeds/huks-error-codes.md (English "Error Message").
# - 12000017, 12000018: not in the .md seed; the English message printed in seeds/huks-error-codes.html.
#   (For 12000012 the .html says "Device environment or input parameter abnormal." and huks-reference.md
#   §5 quotes "HUKS operation failed."; the .md seed, the designated source, says "System external error.")
# - 201, 202, 401, 801: not in the seeds (the seed points to the universal error codes document); these
#   are the OpenHarmony universal messages, with a ${messageInfo} alternative for 401.
# - 12000019..12000027: not in any seed; written for hukspy from the d.ts names (12000026 uses the text
#   quoted in huks-reference.md §5, with a ${messageInfo} alternative that says why, e.g. that the
#   keystore has no secure element).
MESSAGES: Final[dict[int, tuple[str, ...]]] = {
    _Code.HUKS_ERR_CODE_PERMISSION_FAIL: (
        "Permission verification failed. "
        "The application does not have the permission required to call the API.",
    ),
    _Code.HUKS_ERR_CODE_NOT_SYSTEM_APP: (
        "Permission verification failed. A non-system application calls a system API.",
    ),
    _Code.HUKS_ERR_CODE_ILLEGAL_ARGUMENT: (
        "Parameter error. Possible causes: 1. Mandatory parameters are left unspecified; "
        "2. Incorrect parameter types; 3. Parameter verification failed.",
        "Parameter error. Possible causes: ${messageInfo}.",
    ),
    _Code.HUKS_ERR_CODE_NOT_SUPPORTED_API: (
        "Capability not supported. Failed to call the API due to limited device capabilities.",
    ),
    _Code.HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED: ("The ${messageInfo} is not supported.",),
    _Code.HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT: (
        "Failed to obtain the ${messageInfo}. It is not set in ParamSet.",
    ),
    _Code.HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT: ("Invalid ${messageInfo}.",),
    _Code.HUKS_ERR_CODE_FILE_OPERATION_FAIL: (
        "Insufficient storage space.",
        "Invalid file size.",
        "Failed to ${messageInfo}.",
    ),
    _Code.HUKS_ERR_CODE_COMMUNICATION_FAIL: (
        "Failed to get messages from IPC.",
        "IPC ${messageInfo}.",
    ),
    _Code.HUKS_ERR_CODE_CRYPTO_FAIL: ("Crypto engine error.",),
    _Code.HUKS_ERR_CODE_KEY_AUTH_PERMANENTLY_INVALIDATED: ("This credential is invalidated permanently.",),
    _Code.HUKS_ERR_CODE_KEY_AUTH_VERIFY_FAILED: ("The authentication token verification failed.",),
    _Code.HUKS_ERR_CODE_KEY_AUTH_TIME_OUT: ("This authentication token timed out.",),
    _Code.HUKS_ERR_CODE_SESSION_LIMIT: ("The number of key operation sessions has reached the limit.",),
    _Code.HUKS_ERR_CODE_ITEM_NOT_EXIST: ("The entity does not exist.",),
    _Code.HUKS_ERR_CODE_EXTERNAL_ERROR: ("System external error.",),
    _Code.HUKS_ERR_CODE_CREDENTIAL_NOT_EXIST: ("The credential does not exist.",),
    _Code.HUKS_ERR_CODE_INSUFFICIENT_MEMORY: (
        "Insufficient memory.",
        "Malloc failed.",
    ),
    _Code.HUKS_ERR_CODE_CALL_SERVICE_FAILED: (
        "Failed to obtain the ${messageInfo} information via UserIAM.",
    ),
    _Code.HUKS_ERR_CODE_DEVICE_PASSWORD_UNSET: ("Device password is required but not set.",),
    _Code.HUKS_ERR_CODE_KEY_ALREADY_EXIST: ("The key with same alias is already exist.",),
    _Code.HUKS_ERR_CODE_INVALID_ARGUMENT: ("The input parameter is invalid.",),
    _Code.HUKS_ERR_CODE_ITEM_EXISTS: ("The item already exists.",),
    _Code.HUKS_ERR_CODE_EXTERNAL_MODULE: ("A dependent external module failed.",),
    _Code.HUKS_ERR_CODE_PIN_LOCKED: ("The PIN is locked.",),
    _Code.HUKS_ERR_CODE_PIN_INCORRECT: ("The PIN is incorrect.",),
    _Code.HUKS_ERR_CODE_PIN_NO_AUTH: ("The PIN has not been authenticated.",),
    _Code.HUKS_ERR_CODE_BUSY: ("The resource is busy.",),
    _Code.HUKS_ERR_CODE_EXCEED_LIMIT: ("The number of resources has reached the limit.",),
    _Code.HUKS_ERR_CODE_SE_FAULT: ("SE environment fault.", "SE environment fault: ${messageInfo}."),
    _Code.HUKS_ERR_CODE_NETWORK_UNAVAILABLE: ("The network is unavailable.",),
}

# What fills ${messageInfo} when no info is given and every template of the code needs one (hukspy's
# choice, so that the message still reads as a sentence).
_DEFAULT_INFO: Final[dict[int, str]] = {
    _Code.HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED: "feature",
    _Code.HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT: "parameter",
    _Code.HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT: "parameter",
    _Code.HUKS_ERR_CODE_CALL_SERVICE_FAILED: "user authentication",
}

_REGISTRY: dict[int, type[HuksError]] = {}

# The words before ${messageInfo} after which the info is a bare noun phrase: the template supplies the
# article ("The ${messageInfo} is not supported.", "Failed to obtain the ${messageInfo}. ...") or needs
# none ("Invalid ${messageInfo}."), so a leading article of the info is dropped (docs/decisions.md).
_NOUN_SLOTS: Final = ("the ", "The ", "Invalid ")
_ARTICLES: Final = ("the ", "this ", "a ", "an ")


def noun_phrase(template: str, info: str) -> str:
    """``info`` as it fills ``template``: without its leading article where the template's slot takes
    a bare noun phrase (see ``_NOUN_SLOTS``), else unchanged."""
    head, _, _ = template.partition(PLACEHOLDER)
    if head.endswith(_NOUN_SLOTS):
        for article in _ARTICLES:
            if info[: len(article)].lower() == article:
                return info[len(article):]
    return info


def format_message(code: int, info: str = "") -> str:
    """The message for ``code``, ``${messageInfo}`` replaced by ``info`` (see the module docstring), a
    leading article of ``info`` dropped where the template supplies its own (``noun_phrase``)."""
    templates = MESSAGES.get(code)
    if templates is None:
        return info or "Unknown HUKS error."
    template = templates[0]
    if info:
        template = next((t for t in templates if PLACEHOLDER in t), template)
    elif PLACEHOLDER in template:
        info = _DEFAULT_INFO.get(code, "operation")
    return template.replace(PLACEHOLDER, noun_phrase(template, info))


def error_class(code: int) -> type[HuksError]:
    """The class that ``HuksError(code)`` instantiates."""
    return _REGISTRY.get(code, HuksError)


def _rebuild(code: int, message: str) -> HuksError:
    """Unpickling helper."""
    return HuksError(code, message=message)


class HuksError(Exception):
    """A HUKS failure: ``code`` (a HuksExceptionErrCode value) and its English ``message``."""

    code: int
    message: str
    #: The text that filled ``${messageInfo}`` (empty when none did, or the message was given whole).
    info: str = ""
    #: Seconds after which the same call may succeed (a TPM's dictionary-attack lockout), else None.
    retry_after_s: int | None = None
    _code: ClassVar[int | None] = None

    def __init_subclass__(cls, *, code: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls._code = code
            _REGISTRY[code] = cls

    def __new__(cls, code: int, info: str = "", *, message: str | None = None) -> HuksError:
        target = error_class(code) if cls is HuksError else cls
        return HuksError._create(target, code, info, message)

    @staticmethod
    def _create(cls: type[HuksError], code: int, info: str, message: str | None) -> HuksError:
        self = Exception.__new__(cls)
        self.code = int(code)
        self.message = format_message(self.code, info) if message is None else message
        self.info = info if message is None else ""
        self.args = (self.code, self.message)
        return self

    def name_key(self, alias: str) -> None:
        """Say which key the error is about: ``(key "alias")`` is appended to the info (inside its closing
        parenthesis, if it ends with one) and the message rebuilt, unless the message takes no info or
        already names the alias."""
        takes_info = any(PLACEHOLDER in t for t in MESSAGES.get(self.code, (PLACEHOLDER,)))
        if not self.info or not takes_info or f'"{alias}"' in self.info:
            return
        key = f'key "{alias}"'
        self.info = f"{self.info[:-1]}; {key})" if self.info.endswith(")") else f"{self.info} ({key})"
        self.message = format_message(self.code, self.info)
        self.args = (self.code, self.message)

    if not TYPE_CHECKING:
        # All the work is done in __new__; this only swallows the constructor's arguments (hidden from
        # type checkers so that they check calls against __new__).
        def __init__(self, *args, **kwargs):
            pass

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, tuple[int, str]]:
        return (_rebuild, (self.code, self.message))


class _CodedError(HuksError):
    """Base of the per-code subclasses: constructed with the info only."""

    def __new__(cls, info: str = "", *, message: str | None = None) -> _CodedError:
        code = cls._code
        if code is None:
            raise TypeError(f"{cls.__name__} has no error code; construct HuksError(code, ...) instead")
        self = HuksError._create(cls, code, info, message)
        assert isinstance(self, _CodedError)  # noqa: S101 - narrowing only
        return self


class HuksPermissionError(_CodedError, code=_Code.HUKS_ERR_CODE_PERMISSION_FAIL):
    """201: the caller lacks a required permission."""


class NotSystemAppError(_CodedError, code=_Code.HUKS_ERR_CODE_NOT_SYSTEM_APP):
    """202: a system API called by a non-system application."""


class IllegalArgumentError(_CodedError, code=_Code.HUKS_ERR_CODE_ILLEGAL_ARGUMENT):
    """401: a missing argument, a wrong type or a failed parameter check."""


class NotSupportedApiError(_CodedError, code=_Code.HUKS_ERR_CODE_NOT_SUPPORTED_API):
    """801: the API is not supported on this device."""


class FeatureNotSupportedError(_CodedError, code=_Code.HUKS_ERR_CODE_FEATURE_NOT_SUPPORTED):
    """12000001: a sub-feature (e.g. an algorithm parameter) is not supported."""


class MissingArgumentError(_CodedError, code=_Code.HUKS_ERR_CODE_MISSING_CRYPTO_ALG_ARGUMENT):
    """12000002: a required key algorithm parameter is missing."""


class InvalidArgumentError(_CodedError, code=_Code.HUKS_ERR_CODE_INVALID_CRYPTO_ALG_ARGUMENT):
    """12000003: a key algorithm parameter is invalid."""


class FileOperationError(_CodedError, code=_Code.HUKS_ERR_CODE_FILE_OPERATION_FAIL):
    """12000004: a storage / file operation failed."""


class CommunicationError(_CodedError, code=_Code.HUKS_ERR_CODE_COMMUNICATION_FAIL):
    """12000005: inter-process (backend) communication failed."""


class CryptoError(_CodedError, code=_Code.HUKS_ERR_CODE_CRYPTO_FAIL):
    """12000006: the crypto engine failed (e.g. wrong ciphertext or tag)."""


class KeyAuthPermanentlyInvalidatedError(
    _CodedError, code=_Code.HUKS_ERR_CODE_KEY_AUTH_PERMANENTLY_INVALIDATED
):
    """12000007: the key's user-auth binding was permanently invalidated."""


class KeyAuthVerifyFailedError(_CodedError, code=_Code.HUKS_ERR_CODE_KEY_AUTH_VERIFY_FAILED):
    """12000008: the auth token failed verification."""


class KeyAuthTimeoutError(_CodedError, code=_Code.HUKS_ERR_CODE_KEY_AUTH_TIME_OUT):
    """12000009: the auth token timed out."""


class SessionLimitError(_CodedError, code=_Code.HUKS_ERR_CODE_SESSION_LIMIT):
    """12000010: too many open key sessions."""


class KeyNotFoundError(_CodedError, code=_Code.HUKS_ERR_CODE_ITEM_NOT_EXIST):
    """12000011: no key (or session) by that name/handle."""


class ExternalError(_CodedError, code=_Code.HUKS_ERR_CODE_EXTERNAL_ERROR):
    """12000012: an external / unmapped internal error."""


class CredentialNotExistError(_CodedError, code=_Code.HUKS_ERR_CODE_CREDENTIAL_NOT_EXIST):
    """12000013: the user credential to bind is not enrolled."""


class InsufficientMemoryError(_CodedError, code=_Code.HUKS_ERR_CODE_INSUFFICIENT_MEMORY):
    """12000014: out of memory."""


class CallServiceFailedError(_CodedError, code=_Code.HUKS_ERR_CODE_CALL_SERVICE_FAILED):
    """12000015: calling another system service (UserIAM) failed."""


class DevicePasswordUnsetError(_CodedError, code=_Code.HUKS_ERR_CODE_DEVICE_PASSWORD_UNSET):
    """12000016: the key requires a device password and none is set."""


class KeyAlreadyExistError(_CodedError, code=_Code.HUKS_ERR_CODE_KEY_ALREADY_EXIST):
    """12000017: a key with the alias exists and overriding was refused."""


class InvalidInputParameterError(_CodedError, code=_Code.HUKS_ERR_CODE_INVALID_ARGUMENT):
    """12000018: an input parameter is invalid (the newer code, where 401 is not used)."""


class ItemExistsError(_CodedError, code=_Code.HUKS_ERR_CODE_ITEM_EXISTS):
    """12000019: the item (e.g. a provider) already exists."""


class ExternalModuleError(_CodedError, code=_Code.HUKS_ERR_CODE_EXTERNAL_MODULE):
    """12000020: a dependent module failed."""


class PinLockedError(_CodedError, code=_Code.HUKS_ERR_CODE_PIN_LOCKED):
    """12000021: the PIN is locked."""


class PinIncorrectError(_CodedError, code=_Code.HUKS_ERR_CODE_PIN_INCORRECT):
    """12000022: the PIN is wrong."""


class PinNoAuthError(_CodedError, code=_Code.HUKS_ERR_CODE_PIN_NO_AUTH):
    """12000023: the PIN has not been authenticated."""


class BusyError(_CodedError, code=_Code.HUKS_ERR_CODE_BUSY):
    """12000024: busy."""


class ExceedLimitError(_CodedError, code=_Code.HUKS_ERR_CODE_EXCEED_LIMIT):
    """12000025: a count limit was exceeded."""


class SeFaultError(_CodedError, code=_Code.HUKS_ERR_CODE_SE_FAULT):
    """12000026: the secure element failed."""


class NetworkUnavailableError(_CodedError, code=_Code.HUKS_ERR_CODE_NETWORK_UNAVAILABLE):
    """12000027: the network is unavailable."""
