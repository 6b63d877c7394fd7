"""UserIAM's PIN anti-brute-force schedule (drivers_peripheral pin_db.c ``GetWaitTime``,
``ComputeRemainingTimes``; docs/userauth.md, "Wrong PINs"): one table of numbers, two functions.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_FAILURES", "freeze_seconds", "remaining_attempts"]

#: The failure count stops growing here (upstream caps it at 140).
MAX_FAILURES: Final = 140
#: Freeze after exactly this many failures (the first freezes).
_FIRST_FREEZES: Final = {5: 60, 8: 600, 11: 1800}
_HOUR: Final = 3600
_DAY: Final = 86400


def freeze_seconds(failures: int) -> int:
    """How long authentication is frozen after the ``failures``-th consecutive wrong PIN: none below 5;
    60 s at 5, 600 s at 8, 1800 s at 11; one hour at every third failure after that below 100; from
    100 to 139, 30·2^⌊(n-30)/10⌋ s; a day from 140 on."""
    if failures in _FIRST_FREEZES:
        return _FIRST_FREEZES[failures]
    if failures < 5:
        return 0
    if failures < 100:
        return _HOUR if (failures - 5) % 3 == 0 else 0
    if failures < MAX_FAILURES:
        return int(30 * 2 ** ((failures - 30) // 10))
    return _DAY


def remaining_attempts(failures: int) -> int:
    """Attempts left before the next freeze: 5-n below 5, 3-(n-5)%3 up to 99, then 1."""
    if failures < 5:
        return 5 - failures
    if failures < 100:
        return 3 - (failures - 5) % 3
    return 1
