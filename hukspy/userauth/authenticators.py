"""The authenticator seam: how fingerprint, face or another factor plugs into ``UserAuth`` without
touching the facade (docs/userauth.md, "Authenticators").

An installed distribution declares an entry point in the group ``hukspy.authenticators``; its object is
a factory called with the ``UserAuth`` and returning an :class:`Authenticator`. ``UserAuth.authenticate``
hands every auth type other than PIN (built in) to the authenticator of that type; without one it raises
TYPE_NOT_SUPPORT (12500005). The token it then issues carries the authenticator's auth type and the
enrolled id it reports, so HUKS's NEW_BIO_ENROLL and ASSET checks work as for upstream's biometrics.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["ENTRY_POINT_GROUP", "Authenticator", "load_authenticators"]

ENTRY_POINT_GROUP = "hukspy.authenticators"


@runtime_checkable
class Authenticator(Protocol):
    """One authentication factor. ``auth_type`` is its ``HuksUserAuthType`` bit (FINGERPRINT, FACE)."""

    auth_type: int

    def enrolled_ids(self) -> list[int]:
        """The enrolled ids of this factor (one per finger or face); empty when none is enrolled."""
        ...

    def authenticate(self, evidence: object) -> int:
        """Authenticate the user (``evidence`` is what the caller passed as ``pin``: often None, the
        device asks the user). Returns the matching enrolled id; raises ``UserAuthError`` (FAIL,
        LOCKED, CANCELED, TIMEOUT, ...) otherwise."""
        ...


#: An entry point's object: called with the ``UserAuth`` that loads it (typed ``object`` here, so this
#: seam does not import the class that imports it).
AuthenticatorFactory = Callable[[object], Authenticator]


def load_authenticators(user_auth: object) -> dict[int, Authenticator]:
    """The installed authenticators by auth type (a plug-in that fails to load is skipped)."""
    found: dict[int, Authenticator] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            factory: AuthenticatorFactory = ep.load()
            auth = factory(user_auth)
        except Exception:  # noqa: S112 - a broken plug-in must not break PIN authentication
            continue
        if isinstance(auth, Authenticator):
            found.setdefault(int(auth.auth_type), auth)
    return found
