"""``session_scope`` of a ``service:`` keystore: a connection of its own, closed with the keystore it was
opened on, as a scope in-process is (docs/decisions.md). What is counted is the service's side: the Unix
sockets the ``hukspy serve`` process holds open (its listener and one per client connection)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

import hukspy
from hukspy import HuksError, HuksOptions
from hukspy.testing.service import ServiceProcess
from hukspy.testing.simple import simple

NONE = HuksOptions()


def service_sockets(service: ServiceProcess) -> int:
    """How many sockets the service process has open now (from ``/proc/<pid>/fd``)."""
    assert service.proc is not None
    fds = f"/proc/{service.proc.pid}/fd"
    count = 0
    for fd in os.listdir(fds):
        try:
            count += os.readlink(f"{fds}/{fd}").startswith("socket:")
        except FileNotFoundError:  # closed while listed
            continue
    return count


def settled(count: Callable[[], int], expected: int, timeout: float = 10) -> int:
    """``count()`` once it equals ``expected``, or its last value after ``timeout`` seconds (the service
    closes its side of a connection on its own thread, a moment after the client did)."""
    deadline = time.monotonic() + timeout
    value = count()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.02)
        value = count()
    return value


def at_rest(count: Callable[[], int]) -> int:
    """The service's socket count with no client: its listener alone, once the connection
    ``ServiceProcess.start`` probed it with is closed on the service's side (up to 2 s; the count then,
    should the service hold another socket at rest)."""
    return settled(count, 1, timeout=2)


def code_of(call: Callable[[], object]) -> int:
    with pytest.raises(HuksError) as info:
        call()
    return info.value.code


def test_closing_a_keystore_closes_its_session_scopes(software_service: ServiceProcess) -> None:
    def sockets() -> int:
        return service_sockets(software_service)

    base = at_rest(sockets)
    ks = hukspy.Keystore(software_service.uri)
    scope = ks.session_scope(session_limit=4)
    inner = scope.session_scope()  # a scope of a scope belongs to the same keystore
    key = simple(ks)
    alias = key.make(ks)
    scope.init_session(alias, HuksOptions(list(key.init)))
    assert scope.open_sessions == 1
    assert settled(sockets, base + 3) == base + 3
    ks.close()
    assert settled(sockets, base) == base  # the scopes' connections (and their sessions) are gone
    assert code_of(lambda: scope.has_key_item(alias, NONE)) == 12000012
    assert code_of(lambda: inner.has_key_item(alias, NONE)) == 12000012
    assert code_of(lambda: ks.session_scope()) == 12000012
    scope.close()  # idempotent


def test_closing_a_scope_leaves_its_keystore_open(software_service: ServiceProcess) -> None:
    base = at_rest(lambda: service_sockets(software_service))
    with hukspy.Keystore(software_service.uri) as ks:
        scope = ks.session_scope()
        scope.close()
        assert settled(lambda: service_sockets(software_service), base + 1) == base + 1
        assert code_of(lambda: scope.has_key_item("k", NONE)) == 12000012
        assert ks.has_key_item("k", NONE) is False
        again = ks.session_scope()
        assert again.has_key_item("k", NONE) is False
    assert settled(lambda: service_sockets(software_service), base) == base
