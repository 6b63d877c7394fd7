"""hukspy.userauth beyond the conformance suite's ``UserAuthTests`` (which tests/test_conformance.py runs
on software, SoftHSM2 and swtpm): the schedule's numbers, and what needs a keystore of its own."""

from __future__ import annotations

import pytest

from hukspy.userauth import schedule


@pytest.mark.parametrize(
    ("failures", "freeze"),
    [(1, 0), (4, 0), (5, 60), (6, 0), (7, 0), (8, 600), (9, 0), (11, 1800), (14, 3600), (15, 0),
     (17, 3600), (98, 3600), (99, 0), (100, 3840), (109, 3840), (110, 7680), (139, 30 * 2**10),
     (140, 86400), (500, 86400)],
)
def test_freeze_schedule_is_useriam(failures: int, freeze: int) -> None:
    assert schedule.freeze_seconds(failures) == freeze


@pytest.mark.parametrize(
    ("failures", "left"),
    [(0, 5), (1, 4), (4, 1), (5, 3), (6, 2), (7, 1), (8, 3), (99, 2), (100, 1), (140, 1)],
)
def test_remaining_attempts_is_useriam(failures: int, left: int) -> None:
    assert schedule.remaining_attempts(failures) == left
