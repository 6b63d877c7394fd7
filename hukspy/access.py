"""Who is calling, and which key namespace a call reaches (docs/userauth.md, "Access groups").

Every key lives in one **namespace** of the keystore: the caller's own (``Keystore``'s home namespace:
``""`` in-process; the service gives each peer uid its own) or, for a key made with
``HUKS_TAG_KEY_ACCESS_GROUP``, the group's (``"group:<name>"``), shared by every member of that Unix
group. A call reaches a group key only when it carries the same KEY_ACCESS_GROUP tag and the caller is a
member of the group (its effective gid or one of its supplementary groups); otherwise 12000018, as
upstream's ``HksCheckAssetAccessGroup`` (INVALID_ACCESS_GROUP -183).

The record stores keep ``(level, alias)``; the namespace is folded into the stored alias by
:func:`stored_alias`, an injective encoding (a private alias that happens to begin with the marker is
escaped), so no backend needs to know about namespaces.
"""

from __future__ import annotations

import grp
import os
from dataclasses import dataclass, field
from typing import Final

from hukspy.enums import HuksExceptionErrCode, HuksTag
from hukspy.errors import HuksError
from hukspy.params import ParamSet

__all__ = ["MAX_GROUP_BYTES", "PRIVATE", "Caller", "group_namespace", "namespace_of", "split_stored",
           "stored_alias"]

#: The caller's own namespace in-process.
PRIVATE: Final = ""
#: Upstream's limit on a group name (hks_storage_manager.c GetAssetAccessGroupPath).
MAX_GROUP_BYTES: Final = 128
#: Marks a stored alias that carries a namespace (ASCII RS: survives every record store as text).
_MARK: Final = "\x1e"
_E_GROUP: Final = int(HuksExceptionErrCode.HUKS_ERR_CODE_INVALID_ARGUMENT)  # 12000018


@dataclass(frozen=True)
class Caller:
    """The identity a keystore call is checked against: ``uid``, effective ``gid`` and supplementary
    ``groups``. In-process it is the calling process (:meth:`current`); the keystore service passes the
    socket peer's credentials instead (``Keystore.for_caller``)."""

    uid: int
    gid: int
    groups: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def current(cls) -> Caller:
        """The calling process: effective uid and gid, supplementary groups."""
        return cls(os.geteuid(), os.getegid(), frozenset(os.getgroups()))

    def is_member(self, gid: int) -> bool:
        """Whether ``gid`` is the caller's effective group or one of its supplementary groups."""
        return gid == self.gid or gid in self.groups


def group_namespace(group: bytes, caller: Caller) -> str:
    """The namespace of the Unix group named by a KEY_ACCESS_GROUP value, when ``caller`` is a member.

    Raises ``HuksError`` 12000018 when the value is empty, longer than 128 bytes, not UTF-8, names no
    group of this machine, or names a group the caller is not a member of (docs/userauth.md).
    """
    if not 1 <= len(group) <= MAX_GROUP_BYTES:
        raise HuksError(_E_GROUP, f"the access group must be 1 to {MAX_GROUP_BYTES} bytes")
    try:
        name = group.decode("utf-8")
        if "\x00" in name or _MARK in name:
            raise ValueError(name)
        gid = grp.getgrnam(name).gr_gid
    except (UnicodeDecodeError, ValueError, KeyError) as exc:
        raise HuksError(_E_GROUP, "the access group names no group of this machine") from exc
    if not caller.is_member(gid):
        raise HuksError(_E_GROUP, f'the caller is not a member of the access group "{name}"')
    return f"group:{name}"


def namespace_of(params: ParamSet, caller: Caller, home: str = PRIVATE) -> str:
    """The namespace a call reaches: the group's when ``params`` carry KEY_ACCESS_GROUP (membership
    checked, 12000018), else ``home`` (the caller's own)."""
    group = params.bytes_(HuksTag.HUKS_TAG_KEY_ACCESS_GROUP)
    if group is None:
        return home
    return group_namespace(group, caller)


def stored_alias(namespace: str, alias: str) -> str:
    """The alias a record store keeps for ``alias`` in ``namespace`` (:func:`split_stored` inverts it)."""
    if namespace:
        return f"{_MARK}{namespace}{_MARK}{alias}"
    return _MARK + _MARK + alias if alias.startswith(_MARK) else alias


def split_stored(stored: str) -> tuple[str, str]:
    """``(namespace, alias)`` of a stored alias."""
    if not stored.startswith(_MARK):
        return PRIVATE, stored
    if stored.startswith(_MARK + _MARK):
        return PRIVATE, stored[2:]
    namespace, _, alias = stored[1:].partition(_MARK)
    return namespace, alias
