"""``AssetError``, the seed messages, and the batch result types.

``err.code`` is an :class:`~hukspy.asset.enums.ErrorCode` value and ``err.message`` the English "错误信息"
of ``seeds/asset-error-codes.html`` for that code (201, 202 and 401 are universal codes: their messages
are the same as :mod:`hukspy.errors` uses, with the reason filled into the 401 message). ``err.detail``
says what exactly went wrong; ``str(err)`` is ``"<code>: <message> (<detail>)"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from hukspy.asset.enums import ErrorCode
from hukspy.errors import format_message

__all__ = ["MESSAGES", "AssetError", "BatchErrInfo", "BatchResult", "SyncResult"]

#: code -> message. 24000001..24000018 are the seed's "错误信息" lines verbatim. 24000019 is not in the
#: seed (it is newer than the page); its text is hukspy's, written after the d.ts description.
MESSAGES: Final[dict[int, str]] = {
    ErrorCode.PERMISSION_DENIED: format_message(201),
    ErrorCode.NOT_SYSTEM_APPLICATION: format_message(202),
    ErrorCode.INVALID_ARGUMENT: format_message(401),
    ErrorCode.SERVICE_UNAVAILABLE: "The ASSET service is unavailable.",
    ErrorCode.NOT_FOUND: "The asset is not found.",
    ErrorCode.DUPLICATED: "The asset already exists.",
    ErrorCode.ACCESS_DENIED: "Access denied.",
    ErrorCode.STATUS_MISMATCH: "The screen lock status does not match.",
    ErrorCode.OUT_OF_MEMORY: "Insufficient memory.",
    ErrorCode.DATA_CORRUPTED: "The asset is corrupted.",
    ErrorCode.DATABASE_ERROR: "The database operation failed.",
    ErrorCode.CRYPTO_ERROR: "The cryptography operation failed.",
    ErrorCode.IPC_ERROR: "IPC failed.",
    ErrorCode.BMS_ERROR: "Calling the Bundle Manager service failed.",
    ErrorCode.ACCOUNT_ERROR: "Calling the OS Account service failed.",
    ErrorCode.ACCESS_TOKEN_ERROR: "Calling the Access Token service failed.",
    ErrorCode.FILE_OPERATION_ERROR: "The file operation failed.",
    ErrorCode.GET_SYSTEM_TIME_ERROR: "Getting the system time failed.",
    ErrorCode.LIMIT_EXCEEDED: "The cache exceeds the limit.",
    ErrorCode.UNSUPPORTED: "The capability is not supported.",
    ErrorCode.PARAM_VERIFICATION_FAILED: "Parameter verify failed.",
    ErrorCode.INCONSISTENT_ATTRIBUTE: "The attributes of the assets in the batch are inconsistent.",
}


def _message(code: int, detail: str) -> str:
    if code == ErrorCode.INVALID_ARGUMENT and detail:
        return format_message(401, detail)
    return MESSAGES.get(code, "Unknown ASSET error.")


class AssetError(Exception):
    """An ASSET failure: ``code`` (an :class:`ErrorCode` value), its ``message`` and a ``detail``."""

    code: int
    message: str
    detail: str

    def __init__(self, code: int, message: str | None = None, *, detail: str = "") -> None:
        self.code = int(code)
        self.detail = detail
        self.message = _message(self.code, detail) if message is None else message
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        if self.detail and self.detail not in self.message:
            return f"{self.code}: {self.message} ({self.detail})"
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"AssetError(code={self.code}, message={self.message!r}, detail={self.detail!r})"

    def __reduce__(self) -> tuple[type[AssetError], tuple[int, str]]:
        return (AssetError, (self.code, self.message))


@dataclass(frozen=True)
class BatchErrInfo:
    """One failed item of a batch call: its ``index`` in the input, the ``err_code`` and ``message``."""

    index: int
    err_code: int
    message: str


@dataclass(frozen=True)
class BatchResult:
    """What ``batch_add`` and ``batch_update`` return; ``failed_count == len(failed_error_infos)``."""

    failed_count: int = 0
    failed_error_infos: list[BatchErrInfo] = field(default_factory=list)


@dataclass(frozen=True)
class SyncResult:
    """What ``query_sync_result`` returns: the ``result_code`` of the last sync and how many assets it
    carried (``total_count``) and failed (``failed_count``). hukspy syncs nothing, so it is always
    ``SyncResult(0, 0, 0)``, upstream's answer without its cloud plug-in (docs/asset.md)."""

    result_code: int = 0
    total_count: int = 0
    failed_count: int = 0
