"""``Action``: which backend call a native error came from, the key of every backend's error table."""

from __future__ import annotations

import enum

__all__ = ["Action"]


class Action(enum.Enum):
    """The backend call the facade was making when a native error escaped (``Keystore``'s error
    boundary passes it, with the session's ``OpKind`` where there is one, to ``Backend.translate``).

    One member per call the facade makes under its boundary, no more: a backend's error table is keyed
    by these, and its completeness test (``tests/backends/``) iterates them.
    """

    #: ``BackendFactory.open``: reaching the device, logging in, probing it.
    OPEN = "open"
    #: ``Backend.generate``.
    GENERATE = "generate"
    #: ``Backend.import_key`` (also a derived or agreed key stored by a finish, and the last step of a
    #: wrapped import the facade runs itself).
    IMPORT = "import"
    #: The optional ``WrappedImport.import_wrapped`` hook.
    IMPORT_WRAPPED = "import_wrapped"
    #: ``Backend.public_key`` (``export_key_item``).
    PUBLIC_KEY = "public_key"
    #: The optional ``KeyStorage.storage`` hook (``Keystore.key_storage``).
    STORAGE = "storage"
    #: ``Backend.begin`` (``init_session``; the agreement of a wrapped import).
    BEGIN = "begin"
    #: ``Operation.update``.
    UPDATE = "update"
    #: ``Operation.finish`` (also a derive session's one computation, which runs at its first update).
    FINISH = "finish"
    #: ``Backend.attest``.
    ATTEST = "attest"
    #: ``Backend.wrap``.
    WRAP = "wrap"
    #: ``Backend.unwrap``.
    UNWRAP = "unwrap"
    #: ``RecordStore.get``.
    RECORD_GET = "record_get"
    #: ``RecordStore.put``: writes the record (and, on a token, its objects).
    RECORD_PUT = "record_put"
    #: ``RecordStore.delete``: removes the record.
    RECORD_DELETE = "record_delete"
    #: ``RecordStore.aliases``.
    RECORD_LIST = "record_list"
