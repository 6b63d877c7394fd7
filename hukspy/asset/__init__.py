"""``hukspy.asset``: OpenHarmony's Asset Store Kit (``@ohos.security.asset``) on a hukspy ``Keystore``.

Small secrets (passwords, tokens) with labels, kept in one SQLite database per owner and encrypted with
AES-256-GCM under keys held in the keystore (so hardware-protected on a PKCS#11 or TPM keystore)::

    from hukspy import asset
    asset.add({asset.Tag.SECRET: b"s3cret", asset.Tag.ALIAS: b"db-password"})
    rows = asset.query({asset.Tag.ALIAS: b"db-password", asset.Tag.RETURN_TYPE: asset.ReturnType.ALL})
    rows[0][asset.Tag.SECRET]  # b"s3cret"

Every operation is a method of :class:`AssetStore` and a module function on :func:`default_store`.
Failures raise :class:`AssetError`. See ``docs/asset.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hukspy.asset.checks import AssetAttributes, AssetMap, AssetValue
from hukspy.asset.enums import (
    Accessibility,
    AuthType,
    ConflictResolution,
    ErrorCode,
    OperationType,
    ReturnType,
    SyncType,
    Tag,
    TagType,
    WrapType,
)
from hukspy.asset.errors import AssetError, BatchErrInfo, BatchResult, SyncResult
from hukspy.asset.store import AssetStore, default_store

__all__ = [
    "Accessibility",
    "AssetAttributes",
    "AssetError",
    "AssetMap",
    "AssetStore",
    "AssetValue",
    "AuthType",
    "BatchErrInfo",
    "BatchResult",
    "ConflictResolution",
    "ErrorCode",
    "OperationType",
    "ReturnType",
    "SyncResult",
    "SyncType",
    "Tag",
    "TagType",
    "WrapType",
    "add",
    "batch_add",
    "batch_remove",
    "batch_update",
    "default_store",
    "post_query",
    "pre_query",
    "query",
    "query_sync_result",
    "remove",
    "update",
]


def add(attributes: AssetAttributes) -> None:
    """:meth:`AssetStore.add` on :func:`default_store`."""
    default_store().add(attributes)


def remove(query: AssetAttributes) -> None:
    """:meth:`AssetStore.remove` on :func:`default_store`."""
    default_store().remove(query)


def update(query: AssetAttributes, attributes_to_update: AssetAttributes) -> None:
    """:meth:`AssetStore.update` on :func:`default_store`."""
    default_store().update(query, attributes_to_update)


def pre_query(query: AssetAttributes) -> bytes:
    """:meth:`AssetStore.pre_query` on :func:`default_store`."""
    return default_store().pre_query(query)


def query(query: AssetAttributes) -> list[AssetMap]:
    """:meth:`AssetStore.query` on :func:`default_store`."""
    return default_store().query(query)


def post_query(handle: AssetAttributes) -> None:
    """:meth:`AssetStore.post_query` on :func:`default_store`."""
    default_store().post_query(handle)


def query_sync_result(query: AssetAttributes) -> SyncResult:
    """:meth:`AssetStore.query_sync_result` on :func:`default_store`."""
    return default_store().query_sync_result(query)


def batch_add(attributes_array: Sequence[AssetAttributes]) -> BatchResult:
    """:meth:`AssetStore.batch_add` on :func:`default_store`."""
    return default_store().batch_add(attributes_array)


def batch_remove(assets_to_be_removed: Sequence[AssetAttributes]) -> None:
    """:meth:`AssetStore.batch_remove` on :func:`default_store`."""
    default_store().batch_remove(assets_to_be_removed)


def batch_update(
    source_attributes: Sequence[AssetAttributes],
    dest_attributes: Sequence[AssetAttributes],
) -> BatchResult:
    """:meth:`AssetStore.batch_update` on :func:`default_store`."""
    return default_store().batch_update(source_attributes, dest_attributes)
