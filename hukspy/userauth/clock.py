"""The clock seam of ``hukspy.userauth``: one object answers both the token time and the wall time
the anti-brute-force schedule persists, so tests inject a fake one and never sleep
(docs/userauth.md, "Clock").
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "boot_id"]

_BOOT_ID = "/proc/sys/kernel/random/boot_id"


@runtime_checkable
class Clock(Protocol):
    """What ``UserAuth`` reads the time from."""

    def monotonic_ms(self) -> int:
        """CLOCK_MONOTONIC in milliseconds: the token's ``time`` (upstream's clock, shared by every
        process of the machine, so HUKS compares it with its own session's init time)."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch: when a PIN freeze ends (persisted, so it survives a restart)."""
        ...

    def boot_id(self) -> str:
        """An identifier of this boot of the machine (``/proc/sys/kernel/random/boot_id``)."""
        ...


class SystemClock:
    """The machine's clocks."""

    def monotonic_ms(self) -> int:
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1_000_000

    def wall(self) -> float:
        return time.time()

    def boot_id(self) -> str:
        return boot_id()


def boot_id() -> str:
    """The kernel's boot id; an empty string where there is none (not Linux): then "since boot" means
    "since the state was created"."""
    try:
        with open(_BOOT_ID, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""
