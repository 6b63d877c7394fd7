"""Native errors and error tables: how a backend says what went wrong without deciding a HUKS code.

A backend raises its library's exceptions (python-pkcs11's CKR classes, tpm2-pytss's ``TSS2_Exception``,
pyca/cryptography's ``InvalidTag``, ``sqlite3.Error``, ``OSError``, ...) or, for a condition that no
library exception names, one of the small types below. It never builds a ``HuksError``: the facade
(``Keystore``, docs/architecture.md "The seam") is the one boundary that converts, asking first the
backend's ``translate`` (its one table) and then :data:`NATIVE_CODES` for the types below.

``ErrorTable`` is the shape most tables take: exception class → HUKS code, or a ``ByCall`` code that
depends on the ``Action`` and the session's ``OpKind``; the most specific class in the exception's MRO
wins. ``unmapped`` lists the classes a table leaves out on purpose, with the reason, so that a
completeness test can check that every class of the library is either mapped or listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from hukspy.backend.actions import Action
from hukspy.spec import OpKind

__all__ = [
    "NATIVE_CODES",
    "BackendClosedError",
    "ByCall",
    "CredentialRejectedError",
    "DataRejectedError",
    "DeviceUnavailableError",
    "ErrorTable",
    "InvalidKeyMaterialError",
    "InvalidLocationError",
    "NativeError",
    "OperationEndedError",
    "ParameterRejectedError",
    "StoredDataDamagedError",
    "Translation",
    "UnsupportedError",
]


class NativeError(Exception):
    """Base of the conditions a backend reports that no library exception names. ``str(exc)`` is a
    noun phrase for the HUKS message (it never holds a key, a PIN or a handle)."""


class UnsupportedError(NativeError):
    """The backend cannot do this (an algorithm, size, mode, or function the device lacks) → 12000001.
    The text says what, and what would make it work where something would (``?fallback=sealed``)."""


class InvalidLocationError(NativeError):
    """The keystore URI (the text after ``scheme:``) is malformed or names an unknown option → 401."""


class InvalidKeyMaterialError(NativeError):
    """Key material the backend was given does not fit the key it describes (a size, a curve, a DH
    group the device cannot hold) → 12000003."""


class ParameterRejectedError(NativeError):
    """A request the backend refuses for one of its own limits once the facade's checks have passed
    (for example exporting the public half of a secret key) → 12000003."""


class DataRejectedError(NativeError):
    """The data fails the primitive: a padding that does not check, a signature or tag that does not
    verify, a layer of a wrapped key that fails authentication, a peer key off the key's curve
    → 12000006."""


class OperationEndedError(NativeError):
    """``update``/``finish`` on an operation that has finished or aborted → 12000011 (upstream: an
    unknown or closed handle)."""


class StoredDataDamagedError(NativeError):
    """A stored record, ref or sealed blob fails its own check, or a file the backend needs cannot be
    read → 12000004."""


class DeviceUnavailableError(NativeError):
    """The device, module or token cannot be reached or used (not there, closed, several match) → 12000012."""


class BackendClosedError(DeviceUnavailableError):
    """A call on a backend after ``close`` → 12000012."""


class CredentialRejectedError(NativeError):
    """The device refuses the credential the URI gives (a PIN that differs from the session's) → 12000008."""


@dataclass(frozen=True)
class ByCall:
    """A HUKS code that depends on the call: ``kinds`` (the session's ``OpKind``) is asked first, then
    ``actions``, else ``default``."""

    default: int
    actions: Mapping[Action, int] = field(default_factory=dict)
    kinds: Mapping[OpKind, int] = field(default_factory=dict)

    def code(self, action: Action, kind: OpKind | None) -> int:
        """The code for a native error raised during ``action`` in a session of ``kind``."""
        if kind is not None and kind in self.kinds:
            return self.kinds[kind]
        return self.actions.get(action, self.default)


@dataclass(frozen=True)
class Translation:
    """What a backend's table answers for a native error: the HUKS ``code`` and the noun phrase
    ``info`` that fills the seed message (empty: the code's message alone). The facade builds the
    ``HuksError`` from it. ``note`` is said after the seed message, in parentheses, for what a code
    whose message takes no ``info`` must still tell (a TPM lockout and its wait); ``retry_after_s``
    becomes the error's ``retry_after_s`` (seconds after which the same call may succeed)."""

    code: int
    info: str = ""
    note: str = ""
    retry_after_s: int | None = None


@dataclass(frozen=True)
class ErrorTable:
    """One backend's native exception classes → HUKS codes (an int, or a ``ByCall``).

    ``info`` gives the message text per HUKS code (otherwise ``str(exc)`` is used when ``use_text``
    holds for the code, else nothing); ``unmapped`` names the classes deliberately left out.
    """

    codes: Mapping[type[BaseException], int | ByCall]
    unmapped: Mapping[type[BaseException], str] = field(default_factory=dict)
    info: Mapping[int, str] = field(default_factory=dict)
    use_text: frozenset[int] = frozenset()

    def code(self, exc: BaseException, action: Action, kind: OpKind | None) -> int | None:
        """The HUKS code for ``exc``, or None when no class in its MRO is in the table."""
        for cls in type(exc).__mro__:
            entry = self.codes.get(cls)
            if entry is not None:
                return entry if isinstance(entry, int) else entry.code(action, kind)
        return None

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """``Backend.translate`` from this table: the code and its message text, or None."""
        code = self.code(exc, action, kind)
        if code is None:
            return None
        text = str(exc) if code in self.use_text else ""
        return Translation(code, text or self.info.get(code, ""))


#: The codes of the native types above, the same on every backend (the facade asks this table after the
#: backend's own, so a backend may still map one of them differently).
NATIVE_CODES: Final = ErrorTable(
    codes={
        UnsupportedError: 12000001,
        InvalidLocationError: 401,
        InvalidKeyMaterialError: 12000003,
        ParameterRejectedError: 12000003,
        DataRejectedError: 12000006,
        OperationEndedError: 12000011,
        StoredDataDamagedError: 12000004,
        DeviceUnavailableError: 12000012,
        CredentialRejectedError: 12000008,
    },
    unmapped={NativeError: "the base class: a backend raises one of its subclasses"},
    use_text=frozenset({401, 12000001, 12000003, 12000004, 12000006, 12000008, 12000011, 12000012}),
)
