"""Unit tests of ``hukspy.sessions.SessionTable``: the limit, "reject" and "evict", the lifecycle,
``close``, and thread safety (python-api.md §4, huks-reference.md §6.1).

The table holds backend ``Operation`` objects; here they are a small recording class, since the table
never looks inside them (the real backends run through it in the conformance suite).
"""

from __future__ import annotations

import threading
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
    with pytest.raises(HuksError):
        _open(table)


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
    assert op.aborts == 1


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


def test_one_handle_used_from_two_threads_is_serialised() -> None:
    table = SessionTable()
    h = _open(table)
    inside = 0
    overlap: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        nonlocal inside
        for _ in range(300):
            with table.use(h):
                with lock:
                    inside += 1
                    overlap.append(inside)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(overlap) == 1, "two calls on one handle ran at the same time"
    table.end(h)


def test_ending_a_session_while_another_thread_waits_for_it() -> None:
    """A call waiting for a handle that is ended meanwhile gets 12000011 (it never runs on a dead
    operation)."""
    table = SessionTable()
    h = _open(table)
    got: list[object] = []
    entered = threading.Event()

    def waiter() -> None:
        entered.wait(10)
        try:
            with table.use(h):
                got.append("ran")
        except HuksError as exc:
            got.append(exc.code)

    t = threading.Thread(target=waiter)
    with table.use(h):
        t.start()
        entered.set()
        table.end(h)  # the waiter is blocked on the session, or has not looked it up yet
    t.join(10)
    assert got == [12000011], "a call on an ended session must not run"
