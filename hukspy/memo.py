"""``Memo``: a bounded, thread-safe LRU map for work that depends only on its key.

The facade remembers what it decided from an input's content (a parsed ``ParamSet`` from the params
of a ``HuksOptions``, a session plan from a key's stored params and the init params) so that the same
input is checked once, not on every call (docs/benchmarks.md, "What is cached"). Only successful
results are remembered: an input that fails is checked again, and raises again, every time. A memo
never holds secrets that outlive the call's own objects: its keys are the caller's params, its values
what ``hukspy.policy`` decides from them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` entries; the least recently used one goes first. Safe from many threads."""

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The value remembered for ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key``, dropping the least recently used entry when full."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
