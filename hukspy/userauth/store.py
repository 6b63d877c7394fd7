"""Where ``UserAuth`` keeps its state: records of the keystore's own record store at a reserved
storage level that no HUKS call can name (docs/userauth.md, "Storage").

HUKS calls reach only the levels DE, CE and ECE (0, 1, 2: ``policy.storage_level`` refuses any other
with 401), and ``list_aliases``/``has_key_item`` read one of those, so a record at ``RESERVED_LEVEL`` is
invisible and unreachable through the API whatever its alias. It lives where the keystore's keys live:
the encrypted SQLite store of ``software:`` and ``tpm2:``, private data objects on a PKCS#11 token.

The state is one record (``STATE_ALIAS``) whose ``ref`` holds the JSON of :class:`State`; every change
is read-modify-write under a process lock and an ``fcntl`` lock file (one per keystore URI in
``$HUKSPY_HOME/locks``), so concurrent processes count every wrong PIN.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from hukspy.backend import Action, KeyRecord
from hukspy.params import ParamSet
from hukspy.storedir import private_dir, private_file

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["RESERVED_LEVEL", "STATE_ALIAS", "State", "StateStore"]

#: The storage level of UserAuth's records ("UATH"): outside HUKS's 0..2, so no API call reaches it.
RESERVED_LEVEL: Final = 0x55415448
STATE_ALIAS: Final = "hukspy-userauth-state"
_VERSION: Final = 1


@dataclass
class State:
    """What is persisted. ``pin`` is the verifier's record (salt and hash, or the TPM object), never the
    PIN. ``secure_uid`` exists while a PIN is enrolled (a new one per enrollment, as UserIAM's user);
    ``credential_id`` and ``enrolled_id`` name the PIN credential (kept by ``change_pin``).
    ``first_unlock_boot`` is the boot id of the last PIN verified, ``unlocked_boot`` the boot id of the
    last ``unlock`` (None after ``lock``): the device is unlocked while it equals the current boot id."""

    pin: dict[str, Any] | None = None
    secure_uid: int | None = None
    credential_id: int | None = None
    enrolled_id: int | None = None
    failures: int = 0
    frozen_until: float = 0.0
    first_unlock_boot: str | None = None
    unlocked_boot: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps({"v": _VERSION, **dataclasses.asdict(self)}, sort_keys=True).encode()

    @classmethod
    def decode(cls, data: bytes) -> State:
        """Raises ``ValueError``/``TypeError`` for a record that is not a state of this version."""
        raw = json.loads(data.decode())
        if not isinstance(raw, dict) or raw.pop("v", None) != _VERSION:
            raise ValueError("not a hukspy userauth state record")
        return cls(**raw)


class StateStore:
    """Read and change the state of one keystore, atomically across threads and processes."""

    def __init__(self, keystore: Keystore) -> None:
        self._ks = keystore
        self._lock = threading.RLock()
        digest = hashlib.sha256(keystore.uri.encode()).hexdigest()[:32]
        self._lock_path = Path(keystore.home) / "locks" / f"userauth-{digest}.lock"

    def read(self) -> State:
        """The current state (an empty one before the first change). Raises ``HuksError`` (record store
        failures: 12000004, ...), ``ValueError`` for a damaged state."""
        with self._ks._native(Action.RECORD_GET):
            record = self._ks._backend.records().get(RESERVED_LEVEL, STATE_ALIAS)
        return State() if record is None else State.decode(record.ref)

    @contextlib.contextmanager
    def change(self) -> Iterator[State]:
        """Hold the lock, yield the state, write it back when the block ends (also when it raises a
        ``UserAuthError``: a wrong PIN must be counted before it is reported)."""
        with self._lock, self._file_lock():
            state = self.read()
            before = state.encode()
            try:
                yield state
            finally:
                if state.encode() != before:
                    self._write(state)

    def _write(self, state: State) -> None:
        record = KeyRecord(STATE_ALIAS, RESERVED_LEVEL, ParamSet(), state.encode())
        with self._ks._native(Action.RECORD_PUT):
            self._ks._backend.records().put(record, replace=True)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        private_dir(self._lock_path.parent)
        private_file(self._lock_path)
        fd = os.open(self._lock_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
