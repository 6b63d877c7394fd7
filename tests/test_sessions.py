"""Unit tests of ``hukspy.sessions.SessionTable``: the limit, "reject" and "evict", the lifecycle,
``close``, and thread safety (python-api.md §4, huks-reference.md §6.1).

The table holds backend ``Operation`` objects; here they are a small recording class, since the table
never looks inside them (the real backends run through it in the conformance suite).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy.sessions import DEFAULT_SESSION_LIMIT, Session, SessionPolicy, SessionTable
from hukspy.spec import KeySpec, OpKind, OpSpec


class RecordingOp:
    """An ``Operation`` that counts its aborts."""

    def __init__(self) -> None:
        self.aborts = 0
        self.data = b""

    def update(self, data: bytes) -> bytes:
        self.data += data
        return b""

    def finish(self, data: bytes) -> bytes:
        return self.data + data

    def abort(self) -> None:
        self.aborts += 1


def _session(op: RecordingOp | None = None) -> Session:
    return Session(op or RecordingOp(), OpSpec(OpKind.MAC, 50), KeySpec(50, 256, 128), ParamSet(), 1)


def _open(table: SessionTable, op: RecordingOp | None = None) -> int:
    return table.open(lambda: _session(op))


#: Seconds a thread of the race tests may take to reach its next step (generous for a loaded machine;
#: only a broken table ever waits this long).
WAIT = 10.0


def _code(exc: pytest.ExceptionInfo[HuksError]) -> int:
    return exc.value.code


def test_default_limit_is_15() -> None:
    assert DEFAULT_SESSION_LIMIT == 15
    table = SessionTable()
    handles = [_open(table) for _ in range(15)]
    with pytest.raises(HuksError) as info:
        _open(table)
    assert _code(info) == 12000010
    assert len(table) == 15
    table.end(handles[0])
    _open(table)
    assert len(table) == 15


def test_handles_are_nonzero_unique_uint64() -> None:
    table = SessionTable(limit=500)
    handles = [_open(table) for _ in range(500)]
    assert len(set(handles)) == 500
    assert all(0 < h < 2**64 for h in handles)
    assert max(handles) > 2**32, "handles should use the whole uint64 range (unpredictable)"


def test_reject_keeps_existing_sessions_and_releases_nothing() -> None:
    table = SessionTable(limit=2, policy="reject")
    ops = [RecordingOp(), RecordingOp()]
    handles = [_open(table, op) for op in ops]
    created = []
    with pytest.raises(HuksError) as info:
        table.open(lambda: created.append(1) or _session())  # type: ignore[func-returns-value]
    assert _code(info) == 12000010
    assert created == [], "the refused session must not even be created"
    assert [op.aborts for op in ops] == [0, 0]
    for h in handles:
        with table.use(h) as s:
            assert s.op is not None


def test_evict_drops_the_oldest_idle_session() -> None:
    table = SessionTable(limit=3, policy="evict")
    ops = [RecordingOp() for _ in range(5)]
    handles = [_open(table, op) for op in ops[:3]]
    handles.append(_open(table, ops[3]))  # evicts handles[0]
    assert ops[0].aborts == 1
    with pytest.raises(HuksError) as info, table.use(handles[0]):
        pass
    assert _code(info) == 12000011
    # a session in use is not idle: it survives, the next oldest goes
    with table.use(handles[1]):
        handles.append(_open(table, ops[4]))
    assert ops[1].aborts == 0 and ops[2].aborts == 1
    assert len(table) == 3
    for h in (handles[1], handles[3], handles[4]):
        with table.use(h):
            pass


def test_evict_with_every_session_busy_is_12000010() -> None:
    table = SessionTable(limit=2, policy="evict")
    a, b = _open(table), _open(table)
    with table.use(a), table.use(b), pytest.raises(HuksError) as info:
        _open(table)
    assert _code(info) == 12000010


def test_unknown_handle_is_12000011_and_end_is_idempotent() -> None:
    table = SessionTable()
    op = RecordingOp()
    h = _open(table, op)
    for unknown in (0, 1, h + 1, 2**64 - 1):
        with pytest.raises(HuksError) as info, table.use(unknown):
            pass
        assert _code(info) == 12000011
        table.end(unknown)  # ending an unknown handle is fine (abort_session succeeds)
    table.end(h)
    table.end(h)
    assert op.aborts == 1, "end aborts the operation exactly once"
    with pytest.raises(HuksError) as info, table.use(h):
        pass
    assert _code(info) == 12000011


def test_failed_create_releases_the_reservation() -> None:
    table = SessionTable(limit=1)

    def broken() -> Session:
        raise HuksError(12000006, "backend failed")

    with pytest.raises(HuksError) as info:
        table.open(broken)
    assert _code(info) == 12000006
    assert len(table) == 0
    _open(table)  # the slot is free


def test_close_aborts_everything_and_refuses_new_sessions() -> None:
    table = SessionTable()
    ops = [RecordingOp() for _ in range(4)]
    handles = [_open(table, op) for op in ops]
    table.close()
    table.close()  # idempotent
    assert [op.aborts for op in ops] == [1, 1, 1, 1]
    assert len(table) == 0
    for h in handles:
        with pytest.raises(HuksError) as info, table.use(h):
            pass
        assert _code(info) == 12000011
    with pytest.raises(HuksError) as info:
        _open(table)
    assert _code(info) == 12000012


def test_close_while_a_session_is_being_created() -> None:
    """A session whose backend operation is still being created when close() runs is aborted, and
    open() reports the closed keystore instead of returning a dead handle."""
    table = SessionTable()
    started, release = threading.Event(), threading.Event()
    op = RecordingOp()

    def slow() -> Session:
        started.set()
        release.wait(10)
        return _session(op)

    result: list[object] = []

    def opener() -> None:
        try:
            result.append(table.open(slow))
        except HuksError as exc:
            result.append(exc)

    t = threading.Thread(target=opener)
    t.start()
    assert started.wait(10)
    table.close()
    release.set()
    t.join(10)
    assert len(result) == 1 and isinstance(result[0], HuksError)
    assert result[0].code == 12000012
    assert op.aborts == 1


def test_close_while_a_failing_session_is_being_created() -> None:
    """close() runs while a backend operation is being created, and the creation then fails: open()
    passes the backend's error on (not a KeyError of the reservation close() already dropped)."""
    table = SessionTable()
    started, release = threading.Event(), threading.Event()

    def failing() -> Session:
        started.set()
        release.wait(WAIT)
        raise HuksError(12000006, "backend failed")

    result: list[object] = []

    def opener() -> None:
        try:
            result.append(table.open(failing))
        except Exception as exc:
            result.append(exc)

    t = threading.Thread(target=opener)
    t.start()
    assert started.wait(WAIT)
    table.close()
    release.set()
    t.join(WAIT)
    assert len(result) == 1 and isinstance(result[0], HuksError), result
    assert result[0].code == 12000006
    assert len(table) == 0


@pytest.mark.parametrize("limit", [0, -1, True, 1.5, "15"])
def test_bad_limit_is_401(limit: object) -> None:
    with pytest.raises(HuksError) as info:
        SessionTable(limit=limit)  # type: ignore[arg-type]
    assert _code(info) == 401


def test_bad_policy_is_401() -> None:
    bad: object = "drop"
    with pytest.raises(HuksError) as info:
        SessionTable(policy=bad)  # type: ignore[arg-type]
    assert _code(info) == 401


@pytest.mark.parametrize("policy", ["reject", "evict"])
def test_many_threads_never_exceed_the_limit(policy: SessionPolicy) -> None:
    """16 threads open, use and end sessions on one table: no duplicate handle, the table never holds
    more than its limit, every operation is aborted exactly once, and the table ends empty."""
    limit = 5
    table = SessionTable(limit=limit, policy=policy)
    ops: list[RecordingOp] = []
    ops_lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        for _ in range(200):
            op = RecordingOp()
            with ops_lock:
                ops.append(op)
            try:
                h = _open(table, op)
            except HuksError as exc:
                with ops_lock:
                    outcomes[str(exc.code)] += 1
                if exc.code != 12000010:
                    errors.append(f"open: {exc.code}")
                continue
            if len(table) > limit:
                errors.append(f"{len(table)} sessions open, limit {limit}")
            try:
                with table.use(h) as s:
                    s.op.update(b"x")
                with ops_lock:
                    outcomes["used"] += 1
            except HuksError as exc:  # evicted in between: only possible with "evict"
                with ops_lock:
                    outcomes[f"use {exc.code}"] += 1
                if exc.code != 12000011 or policy != "evict":
                    errors.append(f"use: {exc.code}")
            table.end(h)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:10]
    assert len(table) == 0
    created = [op for op in ops if op.aborts or op.data]
    assert all(op.aborts == 1 for op in created), "every created operation is aborted exactly once"
    assert outcomes["used"] > 0


class WatchedLock:
    """A real ``threading.Lock`` that announces each blocking acquire before it starts.

    Lets a test know, without sleeping, that a thread has looked its session up and is now at (or
    about to be at) the session lock: the point where the races of ``SessionTable.use`` happen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting = threading.Event()
        self.gate: threading.Event | None = None  # when set: a blocking acquire waits for it first

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if blocking:
            self.waiting.set()
            if self.gate is not None:
                assert self.gate.wait(WAIT), "the test never opened the gate"
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _watched(table: SessionTable) -> tuple[int, WatchedLock]:
    lock = WatchedLock()
    session = _session()
    session.lock = lock  # type: ignore[assignment]
    return table.open(lambda: session), lock


def _first(*events: threading.Event, timeout: float = 10.0) -> int:
    """The index of the first of ``events`` to be set (polled: threading has no wait-for-any)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for i, e in enumerate(events):
            if e.is_set():
                return i
        time.sleep(0.001)
    raise AssertionError("no event within the timeout: a thread is stuck")


def test_one_handle_used_from_two_threads_is_serialised() -> None:
    """While thread A is inside ``use(h)``, thread B's ``use(h)`` blocks at the session lock and only
    enters after A left. Deterministic: B either announces that it waits for the lock (correct) or
    enters the body while A is still inside (the lock is gone) - whichever comes first decides."""
    table = SessionTable()
    h, lock = _watched(table)
    a_inside, a_leave, b_inside = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def a() -> None:
        with table.use(h):
            order.append("A in")
            a_inside.set()
            a_leave.wait(WAIT)
            order.append("A out")

    def b() -> None:
        with table.use(h):
            order.append("B in")
            b_inside.set()

    ta = threading.Thread(target=a)
    ta.start()
    assert a_inside.wait(WAIT)
    lock.waiting.clear()
    tb = threading.Thread(target=b)
    tb.start()
    first = _first(lock.waiting, b_inside)
    a_leave.set()
    ta.join(WAIT)
    tb.join(WAIT)
    assert first == 0, "a second call on one handle ran while the first was still inside"
    assert order == ["A in", "A out", "B in"]
    table.end(h)


@pytest.mark.parametrize("how", ["end", "evict"])
def test_a_call_waiting_for_a_session_that_goes_away_gets_12000011(how: str) -> None:
    """Thread B has looked the handle up and is about to take the session lock when the session is
    ended (``abort_session``) or evicted by a new ``init_session``. B must answer 12000011 and never run
    on the released operation (huks-reference.md §6.1: an ended or evicted handle is 12000011).

    The window is forced: B's blocking acquire of the session lock waits for a gate the test opens only
    after the session is gone."""
    table = SessionTable(limit=1, policy="evict")
    op = RecordingOp()
    lock = WatchedLock()
    session = _session(op)
    session.lock = lock  # type: ignore[assignment]
    h = table.open(lambda: session)
    lock.gate = threading.Event()
    got: list[object] = []

    def b() -> None:
        try:
            with table.use(h):
                got.append(f"ran after {op.aborts} abort(s)")
        except HuksError as exc:
            got.append(exc.code)

    tb = threading.Thread(target=b)
    tb.start()
    assert lock.waiting.wait(WAIT), "B never reached the session lock"
    if how == "end":
        table.end(h)
    else:
        other = _open(table)  # the table is full: h is idle (B has not taken its lock), so it goes
        assert len(table) == 1
    assert op.aborts == 1
    lock.gate.set()
    tb.join(WAIT)
    assert got == [12000011], f"a call on a session that went away must not run: {got}"
    if how == "evict":
        table.end(other)


def test_a_call_waiting_behind_another_gets_12000011_when_the_session_is_ended() -> None:
    """A is inside ``use(h)``; B waits for the session lock; the session is ended meanwhile. When A
    leaves, B answers 12000011 (the "ended while we waited" re-check), never "ran"."""
    table = SessionTable()
    h, lock = _watched(table)
    a_inside, a_leave = threading.Event(), threading.Event()
    got: list[object] = []

    def a() -> None:
        with table.use(h):
            a_inside.set()
            a_leave.wait(WAIT)

    def b() -> None:
        try:
            with table.use(h):
                got.append("ran")
        except HuksError as exc:
            got.append(exc.code)

    ta = threading.Thread(target=a)
    ta.start()
    assert a_inside.wait(WAIT)
    lock.waiting.clear()
    tb = threading.Thread(target=b)
    tb.start()
    assert lock.waiting.wait(WAIT), "B never reached the session lock"
    table.end(h)
    a_leave.set()
    ta.join(WAIT)
    tb.join(WAIT)
    assert got == [12000011], f"a call on an ended session must not run: {got}"
