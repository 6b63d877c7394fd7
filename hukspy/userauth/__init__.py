"""``hukspy.userauth``: hukspy's UserIAM (docs/userauth.md).

``ks.user_auth`` is the ``UserAuth`` of a ``Keystore``: a PIN credential kept by the keystore, the lock
state, and UserIAM-layout auth tokens MACed by a key the keystore's backend holds.
"""

from hukspy.userauth.authenticators import ENTRY_POINT_GROUP, Authenticator
from hukspy.userauth.clock import Clock, SystemClock
from hukspy.userauth.core import USER_ID, UserAuth
from hukspy.userauth.errors import (
    TokenInvalid,
    TokenMacError,
    TokenMalformedError,
    UserAuthError,
    UserAuthResultCode,
)
from hukspy.userauth.token import CHALLENGE_SIZE, TOKEN_SIZE, AuthToken, IamAuthType, TokenType

__all__ = [
    "CHALLENGE_SIZE",
    "ENTRY_POINT_GROUP",
    "TOKEN_SIZE",
    "USER_ID",
    "AuthToken",
    "Authenticator",
    "Clock",
    "IamAuthType",
    "SystemClock",
    "TokenInvalid",
    "TokenMacError",
    "TokenMalformedError",
    "TokenType",
    "UserAuth",
    "UserAuthError",
    "UserAuthResultCode",
]
