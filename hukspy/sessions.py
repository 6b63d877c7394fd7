"""The session table: handles, the session limit, the lifecycle, thread safety.

A handle is a non-zero, unpredictable uint64 from ``secrets``. The table holds at most ``limit``
sessions (15 by default, python-api.md §4). When full, ``init_session`` either fails with 12000010
(``policy="reject"``) or evicts the oldest session that is not in use at that moment
(``policy="evict"``, as current OpenHarmony does); 12000010 then comes only when every session is
busy. An evicted, finished, aborted or unknown handle gives 12000011 on update and finish.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from hukspy.backend import Operation
from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy.spec import KeySpec, OpKind, OpSpec

__all__ = ["DEFAULT_SESSION_LIMIT", "Session", "SessionPolicy", "SessionTable"]

DEFAULT_SESSION_LIMIT: Final = 15
SessionPolicy = Literal["reject", "evict"]


@dataclass(eq=False, repr=False)
class Session:
    """One open session: the backend operation plus what the facade needs to finish it."""

    op: Operation
    spec: OpSpec
    key: KeySpec
    key_params: ParamSet
    level: int
    append_nonce: bool = False
    total_in: int = 0
    peer: bytes | None = None
    derived: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: A user-auth session (``hukspy.authpolicy.AuthGate``) until its token is verified, then None.
    gate: object | None = None
    #: The session's challenge (NORMAL/CUSTOM) and init time (ms, the user-auth clock).
    challenge: bytes | None = None
    init_ms: int = 0

    @property
    def kind(self) -> OpKind:
        return self.spec.kind

    def __repr__(self) -> str:
        return f"Session(kind={self.kind.value}, alg={self.spec.alg})"


_RESERVED: Final = object()  # placeholder while the backend operation is being created


class SessionTable:
    """Thread-safe table of open sessions. ``close()`` aborts everything; idempotent."""

    def __init__(self, limit: int = DEFAULT_SESSION_LIMIT, policy: SessionPolicy = "reject") -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise HuksError(401, "session_limit must be a positive int")
        if policy not in ("reject", "evict"):
            raise HuksError(401, 'session_policy must be "reject" or "evict"')
        self._limit = limit
        self._policy: SessionPolicy = policy
        self._lock = threading.Lock()
        self._sessions: OrderedDict[int, Session | object] = OrderedDict()
        self._closed = False

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def open(self, create: Callable[[], Session]) -> int:
        """Reserve a handle, build the session with ``create()`` and return the handle.

        Raises ``HuksError`` 12000010 when the table is full (and nothing can be evicted); whatever
        ``create`` raises is passed on, with the reservation released.
        """
        victim: Session | None = None
        with self._lock:
            if self._closed:
                raise HuksError(12000012, "use a closed keystore")
            if len(self._sessions) >= self._limit:
                victim = self._evict_locked()
            handle = 0
            while handle == 0 or handle in self._sessions:
                handle = secrets.randbits(64)
            self._sessions[handle] = _RESERVED
        if victim is not None:
            victim.op.abort()
        try:
            session = create()
        except BaseException:
            with self._lock:
                self._sessions.pop(handle, None)
            raise
        with self._lock:
            if handle in self._sessions and not self._closed:
                self._sessions[handle] = session
                return handle
        session.op.abort()
        raise HuksError(12000012, "the keystore was closed while the session was being opened")

    def _evict_locked(self) -> Session:
        if self._policy == "evict":
            for handle, s in self._sessions.items():
                if isinstance(s, Session) and s.lock.acquire(blocking=False):
                    del self._sessions[handle]
                    s.lock.release()
                    return s
        raise HuksError(12000010, f"the limit of {self._limit} open sessions is reached")

    @contextlib.contextmanager
    def use(self, handle: int) -> Iterator[Session]:
        """Hold the session of ``handle`` for one call. Unknown handle → 12000011.

        A call on the same handle from another thread waits for this one.
        """
        with self._lock:
            s = self._sessions.get(handle)
        if not isinstance(s, Session):
            raise HuksError(12000011, "the session handle")
        with s.lock:
            with self._lock:
                if self._sessions.get(handle) is not s:  # ended or evicted while we waited
                    raise HuksError(12000011, "the session handle")
            yield s

    def end(self, handle: int) -> None:
        """Remove the session of ``handle`` and release its operation; unknown handles are ignored."""
        with self._lock:
            s = self._sessions.pop(handle, None)
        if isinstance(s, Session):
            s.op.abort()

    def close(self) -> None:
        """Abort every open session; idempotent."""
        with self._lock:
            self._closed = True
            sessions = [s for s in self._sessions.values() if isinstance(s, Session)]
            self._sessions.clear()
        for s in sessions:
            s.op.abort()
