"""UserIAM's result codes, ``UserAuthError``, and the native errors of token verification.

``UserAuthError`` is what every public ``UserAuth`` method raises (docs/userauth.md, "Errors"). The
token errors are *native* errors in the sense of docs/architecture.md ("The seam"): ``UserAuth.
verify_token`` raises them and the HUKS/ASSET facade maps them (``huks_code``): a token of the wrong
type or size is 401 (upstream -136 INVALID_AUTH_TOKEN), one whose MAC or cipher part does not verify is
12000008 (-47 KEY_AUTH_VERIFY_FAILED).
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar, Final

__all__ = [
    "TokenInvalid",
    "TokenMacError",
    "TokenMalformedError",
    "UserAuthError",
    "UserAuthResultCode",
]


class UserAuthResultCode(IntEnum):
    """``@ohos.userIAM.userAuth`` ``UserAuthResultCode``, names and values as upstream."""

    SUCCESS = 12500000
    FAIL = 12500001
    GENERAL_ERROR = 12500002
    CANCELED = 12500003
    TIMEOUT = 12500004
    TYPE_NOT_SUPPORT = 12500005
    TRUST_LEVEL_NOT_SUPPORT = 12500006
    BUSY = 12500007
    INVALID_PARAMETERS = 12500008
    LOCKED = 12500009
    NOT_ENROLLED = 12500010
    CANCELED_FROM_WIDGET = 12500011
    PIN_EXPIRED = 12500013
    AUTH_TOKEN_CHECK_FAILED = 12500015
    AUTH_TOKEN_EXPIRED = 12500016
    REUSE_AUTH_RESULT_FAILED = 12500017


#: The English text of each code (the message starts with it; details follow after a colon).
MESSAGES: Final[dict[int, str]] = {
    UserAuthResultCode.FAIL: "Authentication failed",
    UserAuthResultCode.GENERAL_ERROR: "General operation error",
    UserAuthResultCode.TYPE_NOT_SUPPORT: "The authentication type is not supported",
    UserAuthResultCode.INVALID_PARAMETERS: "Invalid parameters",
    UserAuthResultCode.LOCKED: "Authentication is locked out",
    UserAuthResultCode.NOT_ENROLLED: "The type of credential has not been enrolled",
    UserAuthResultCode.BUSY: "The authentication is busy",
}


class UserAuthError(Exception):
    """A failed ``UserAuth`` call: ``code`` is a ``UserAuthResultCode`` value, ``message`` its text
    with detail. After a wrong PIN, ``remaining_attempts`` says how many attempts are left before the
    next freeze and ``freeze_s`` how long authentication is now frozen (0 when it is not); both are
    None on other errors. Never carries a PIN or a token."""

    def __init__(
        self,
        code: int,
        detail: str = "",
        *,
        remaining_attempts: int | None = None,
        freeze_s: int | None = None,
    ) -> None:
        base = MESSAGES.get(code, "User authentication error")
        self.code: int = int(code)
        self.message: str = f"{base}: {detail}" if detail else base
        self.remaining_attempts = remaining_attempts
        self.freeze_s = freeze_s
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class TokenInvalid(Exception):  # noqa: N818 - the name the HUKS side imports
    """A token that ``UserAuth.verify_token`` refuses. ``huks_code`` is the HUKS code the facade
    gives it; the subclasses say why. The text never contains token bytes."""

    huks_code: ClassVar[int] = 12000008


class TokenMalformedError(TokenInvalid):
    """Not bytes, or not 280 bytes long (upstream CheckAuthToken → -136 → 401)."""

    huks_code: ClassVar[int] = 401


class TokenMacError(TokenInvalid):
    """The HMAC does not verify (another keystore, edited, random bytes), or the encrypted part does not
    open (upstream HksVerifyAuthTokenSign → -47 → 12000008)."""

    huks_code: ClassVar[int] = 12000008
