"""Key records on the token itself: one CKO_DATA object per (level, alias).

A second host that opens the same token (or this host after its disk is wiped) sees the same keys with
the same properties, because the records live beside the keys.

Stored format of a record object::

    CKA_CLASS = CKO_DATA, CKA_TOKEN = CKA_PRIVATE = True, CKA_MODIFIABLE = False
    CKA_APPLICATION = "hukspy", CKA_LABEL = alias (UTF-8)
    CKA_VALUE = b"HUKSREC1" ‖ version:u64 ‖ level:u32 ‖ len(params):u32 ‖ params ‖ len(ref):u32 ‖ ref

``params`` is ``ParamSet.encode()`` of the key's stored params (no secrets); ``ref`` is the backend's
ref (``hukspy_pkcs11.backend``: a kind byte and the key objects' CKA_ID, or a sealed blob), which is
the link to the key objects. ``version`` grows by one at every replace.

Crash safety: a data object's CKA_VALUE is immutable on SoftHSM2, so a replace writes the new record
object first and destroys the old one after; a crash in between leaves two records for one alias, and
the highest version wins (``get`` reads it that way, and ``recover`` at open destroys the others).
Key objects are created under a pending label (``keys.pending_label``) and relabelled with the alias
once their record exists; ``recover`` destroys pending objects of dead processes on this host that no
record references, and key objects labelled with an alias whose record references other objects
(superseded by a replace that crashed before the old key was deleted). A record whose key objects are
not (or no longer readably) on the token gives way to the alias's previous version: a writer killed
while SoftHSM2 rewrote the new key's object file to relabel it leaves exactly that
(``tests/test_crash.py``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from typing import TYPE_CHECKING, Final

from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as px

from hukspy.backend import AliasExistsError, KeyRecord, StoredDataDamagedError
from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy_pkcs11.keys import ID_PREFIX, PENDING_PREFIX
from hukspy_pkcs11.sealed import SEAL_KEY_ID
from hukspy_pkcs11.token import TokenConnection, Worker

if TYPE_CHECKING:
    from collections.abc import Callable

    from pkcs11.types import Object

__all__ = ["APPLICATION", "TokenRecordStore", "decode_value", "encode_value"]

APPLICATION: Final = "hukspy"
_MAGIC: Final = b"HUKSREC1"
_HEAD: Final = struct.Struct(">QII")
#: What reading an object that another session just destroyed raises.
_VANISHED: Final = (px.ObjectHandleInvalid, px.KeyHandleInvalid)
_KEY_CLASSES: Final = (ObjectClass.SECRET_KEY, ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY)


def encode_value(version: int, record: KeyRecord) -> bytes:
    """The CKA_VALUE of a record object (format in the module docstring)."""
    params = record.params.encode()
    return (_MAGIC + _HEAD.pack(version, record.level, len(params)) + params
            + struct.pack(">I", len(record.ref)) + record.ref)


def decode_value(alias: str, value: bytes) -> tuple[int, KeyRecord]:
    """(version, record) from a CKA_VALUE. Raises ``StoredDataDamagedError`` (→ 12000004) for a damaged
    record."""
    try:
        if not value.startswith(_MAGIC):
            raise ValueError("magic")
        off = len(_MAGIC)
        version, level, plen = _HEAD.unpack_from(value, off)
        off += _HEAD.size
        params = ParamSet.decode(value[off : off + plen])
        off += plen
        (rlen,) = struct.unpack_from(">I", value, off)
        off += 4
        ref = value[off : off + rlen]
        if len(ref) != rlen or off + rlen != len(value):
            raise ValueError("length")
    except (ValueError, struct.error, HuksError) as exc:
        raise StoredDataDamagedError(f'the record of "{alias}" on the token is damaged') from exc
    return version, KeyRecord(alias, level, params, bytes(ref))


class TokenRecordStore:
    """``RecordStore`` on the token. ``key_ids(ref)`` tells which CKA_IDs a ref owns (for relabelling
    and recovery). Thread-safe: writes hold one lock (and the backend's keygen lock is the same lock)."""

    def __init__(self, conn: TokenConnection, lock: threading.RLock,
                 key_ids: Callable[[bytes], list[bytes]]) -> None:
        self._conn = conn
        self._lock = lock
        self._key_ids = key_ids
        # (level, alias) → (object handle, CKA_VALUE, record) of records found before. A hit is checked
        # against the token on every use: the object must still exist with the same (immutable) value,
        # so a record another process replaced or deleted is never served from here.
        self._cache: dict[tuple[int, str], tuple[int, bytes, KeyRecord]] = {}

    # ---- reading

    def _objects(self, w: Worker, alias: str | None) -> list[tuple[Object, str, int, KeyRecord, bytes]]:
        template = {Attribute.CLASS: ObjectClass.DATA, Attribute.APPLICATION: APPLICATION}
        if alias is not None:
            template[Attribute.LABEL] = alias
        out = []
        for obj in list(w.session.get_objects(template)):
            try:
                attrs = obj.get_attributes([Attribute.LABEL, Attribute.VALUE])
            except _VANISHED:
                continue  # destroyed by another session between the search and the read
            label = str(attrs[Attribute.LABEL])
            value = bytes(attrs[Attribute.VALUE])
            version, record = decode_value(label, value)
            out.append((obj, label, version, record, value))
        return out

    def _matching(self, w: Worker, level: int, alias: str) -> list[tuple[Object, int, KeyRecord]]:
        rows = [row for row in self._objects(w, alias) if row[3].level == level]
        rows.sort(key=lambda t: t[2], reverse=True)
        if rows:
            obj, _, _, record, value = rows[0]
            self._cache[(level, alias)] = (int(obj.handle or 0), value, record)
        else:
            self._cache.pop((level, alias), None)
        return [(o, v, r) for o, _, v, r, _ in rows]

    def get(self, level: int, alias: str) -> KeyRecord | None:
        """The record of ``alias`` at ``level`` (highest version), or None."""
        hit = self._cache.get((level, alias))

        def lookup(w: Worker) -> KeyRecord | None:
            if hit is not None:
                handle, value, record = hit
                if self._conn.module.object_value(w.handle, handle, len(value)) == value:
                    return record
            found = self._matching(w, level, alias)
            return found[0][2] if found else None

        return self._conn.run(lookup)

    def aliases(self, level: int) -> list[str]:
        """Every alias at ``level``, sorted."""
        rows = self._conn.run(lambda w: self._objects(w, None))
        return sorted({label for _, label, _, r, _ in rows if r.level == level})

    # ---- writing

    def _relabel(self, w: Worker, ref: bytes, alias: str) -> None:
        for key_id in self._key_ids(ref):
            for obj in w.session.get_objects({Attribute.ID: key_id}):
                if obj[Attribute.CLASS] in _KEY_CLASSES and obj[Attribute.LABEL] != alias:
                    obj[Attribute.LABEL] = alias

    def put(self, record: KeyRecord, *, replace: bool) -> KeyRecord | None:
        """Write ``record``: new record object first, then relabel its key objects, then destroy the old
        record objects. Returns the replaced record. ``replace=False`` and an existing alias raise
        ``AliasExistsError``."""
        def write(w: Worker) -> KeyRecord | None:
            existing = self._matching(w, record.level, record.alias)
            if existing and not replace:
                raise AliasExistsError(record.alias)
            version = existing[0][1] + 1 if existing else 1
            w.session.create_object({
                Attribute.CLASS: ObjectClass.DATA, Attribute.TOKEN: True, Attribute.PRIVATE: True,
                Attribute.MODIFIABLE: False, Attribute.APPLICATION: APPLICATION,
                Attribute.LABEL: record.alias,
                Attribute.VALUE: encode_value(version, record),
            })
            self._relabel(w, record.ref, record.alias)
            for obj, _, _ in existing:
                obj.destroy()
            return existing[0][2] if existing else None

        with self._lock:
            self._cache.pop((record.level, record.alias), None)
            return self._conn.run(write, write=True)

    def delete(self, level: int, alias: str) -> KeyRecord | None:
        """Destroy every record object of ``alias`` at ``level``; return the newest, or None."""
        def remove(w: Worker) -> KeyRecord | None:
            existing = self._matching(w, level, alias)
            for obj, _, _ in existing:
                obj.destroy()
            return existing[0][2] if existing else None

        with self._lock:
            self._cache.pop((level, alias), None)
            return self._conn.run(remove, write=True)

    def close(self) -> None:
        """Nothing to release (the backend closes the connection)."""

    # ---- recovery at open

    def recover(self) -> int:
        """Clean up after crashed writers (module docstring). Returns how many objects were destroyed."""
        me = f"{PENDING_PREFIX}{socket.gethostname()}:"

        def alive(label: str) -> bool:
            try:
                pid = int(label[len(me):])
            except ValueError:
                return True
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True

        def clean(w: Worker) -> int:
            destroyed = 0
            # Records first, key objects second: a writer (in any process) creates a key's objects
            # before its record, so every record read here has its objects in the scan below, and a
            # key another process is creating right now is never taken for a crashed write.
            versions: dict[tuple[int, str], list[tuple[int, Object, KeyRecord]]] = {}
            for obj, label, version, record, _ in self._objects(w, None):
                versions.setdefault((record.level, label), []).append((version, obj, record))
            key_objects = []
            for cls in _KEY_CLASSES:
                for obj in w.session.get_objects({Attribute.CLASS: cls}):
                    attrs = obj.get_attributes([Attribute.ID, Attribute.LABEL])
                    key_objects.append((obj, bytes(attrs[Attribute.ID]), str(attrs[Attribute.LABEL])))
            present = {key_id for _, key_id, _ in key_objects}
            # The newest version whose key objects are all on the token wins. A writer killed while the
            # token rewrote the new key's object (SoftHSM2 rewrites the whole file to relabel it) can
            # leave that object unreadable, without its CKA_ID: the version before it is then the
            # alias's key, and a first version with no key leaves the alias absent.
            newest: dict[tuple[int, str], tuple[int, KeyRecord]] = {}
            for key, found in versions.items():
                found.sort(key=lambda t: t[0], reverse=True)
                keep = next((v for v in found if set(self._key_ids(v[2].ref)) <= present), None)
                if keep is not None:
                    newest[key] = (keep[0], keep[2])
                for version, obj, _ in found:
                    if keep is None or version != keep[0]:
                        obj.destroy()
                        destroyed += 1
            referenced: dict[bytes, str] = {}
            for _, record in newest.values():
                for key_id in self._key_ids(record.ref):
                    referenced[key_id] = record.alias
            aliases = {alias for _, alias in newest}
            for obj, key_id, label in key_objects:
                if key_id in referenced:
                    if label != referenced[key_id]:
                        with contextlib.suppress(px.PKCS11Error):
                            obj[Attribute.LABEL] = referenced[key_id]
                    continue
                if not key_id.startswith(ID_PREFIX) or key_id == SEAL_KEY_ID:
                    continue  # not made by hukspy, or the seal key (referenced by sealed refs)
                stale_pending = label.startswith(me) and not alive(label)
                superseded = label in aliases
                if stale_pending or superseded:
                    obj.destroy()
                    destroyed += 1
            return destroyed

        with self._lock:
            return self._conn.run(clean, write=True)
