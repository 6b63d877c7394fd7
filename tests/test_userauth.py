"""hukspy.userauth beyond the conformance suite's ``UserAuthTests`` (which tests/test_conformance.py runs
on software, SoftHSM2 and swtpm): the schedule's numbers, and what needs a keystore of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hukspy import Keystore
from hukspy.enums import HuksUserAuthType
from hukspy.userauth import UserAuthError, UserAuthResultCode, schedule
from hukspy.userauth.store import RESERVED_LEVEL, STATE_ALIAS, State


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


_GUESSER = """
import sys
from hukspy import Keystore
from hukspy.userauth import UserAuthError
with Keystore(sys.argv[1]) as ks:
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()
    fails = 0
    for _ in range(2):
        try:
            ks.user_auth.unlock(b"wrong")
        except UserAuthError as err:
            assert err.code in (12500001, 12500009), err
            fails += err.code == 12500001
    print(fails)
"""


def test_concurrent_wrong_pins_are_all_counted(tmp_path: Path) -> None:
    """Four processes guessing twice each at once: every wrong PIN is counted (the state changes under a
    lock shared by processes), so parallel guessing gets exactly UserIAM's 5 attempts before the freeze,
    not more."""
    uri = f"software:{tmp_path / 'ks'}"
    with Keystore(uri) as ks:
        ks.user_auth.enroll_pin(b"right")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _GUESSER, uri], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    checked = 0
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        checked += int(out)
    assert checked == 5
    with Keystore(uri) as ks:
        record = ks._backend.records().get(RESERVED_LEVEL, STATE_ALIAS)
        assert record is not None
        assert State.decode(record.ref).failures == 5


_PLUGIN = '''
from hukspy.userauth import UserAuthError


class Finger:
    auth_type = 1  # HUKS_USER_AUTH_TYPE_FINGERPRINT

    def __init__(self, user_auth):
        self.user_auth = user_auth

    def enrolled_ids(self):
        return [77]

    def authenticate(self, evidence):
        if evidence != b"right finger":
            raise UserAuthError(12500001, "no match")
        return 77


def broken(user_auth):
    raise RuntimeError("a plug-in that cannot start")
'''


def test_an_authenticator_plugs_in_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distribution declaring ``hukspy.authenticators`` entry points adds an auth type: its tokens
    carry that type and the enrolled id it reports (docs/userauth.md, "Authenticators")."""
    site = tmp_path / "site"
    (site / "fakefinger-1.0.dist-info").mkdir(parents=True)
    (site / "fakefinger.py").write_text(_PLUGIN)
    (site / "fakefinger-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakefinger\nVersion: 1.0\n"
    )
    (site / "fakefinger-1.0.dist-info" / "entry_points.txt").write_text(
        "[hukspy.authenticators]\nfinger = fakefinger:Finger\nbroken = fakefinger:broken\n"
    )
    monkeypatch.syspath_prepend(str(site))
    fp = int(HuksUserAuthType.HUKS_USER_AUTH_TYPE_FINGERPRINT)
    face = int(HuksUserAuthType.HUKS_USER_AUTH_TYPE_FACE)
    with Keystore(f"software:{tmp_path / 'ks'}") as ks:
        ua = ks.user_auth
        assert ua.enrolled_ids(fp) == [77] and ua.enrolled_ids(face) == []
        with pytest.raises(UserAuthError) as ei:
            ua.authenticate(bytes(32), b"right finger", fp)
        assert ei.value.code == UserAuthResultCode.NOT_ENROLLED  # a PIN comes first, as upstream
        ua.enroll_pin(b"1234")
        token = ua.verify_token(ua.authenticate(bytes(32), b"right finger", fp))
        assert (token.auth_type, token.huks_auth_type, token.enrolled_id) == (4, fp, 77)
        assert token.credential_id == ua.credential_id()
        with pytest.raises(UserAuthError) as ei:
            ua.authenticate(bytes(32), b"left finger", fp)
        assert ei.value.code == UserAuthResultCode.FAIL
        with pytest.raises(UserAuthError) as ei:
            ua.authenticate(bytes(32), None, face)
        assert ei.value.code == UserAuthResultCode.TYPE_NOT_SUPPORT
