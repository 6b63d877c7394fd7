"""The user-auth part of the conformance suite (``UserAuthTests``; docs/userauth.md), with its helpers:
``FakeClock`` (the ``hukspy.userauth.clock.Clock`` tests move by hand: the anti-brute-force schedule is
tested without sleeping) and ``reset_user_auth`` (drop a keystore's PIN state, so a test starts with no
PIN on a token or TPM that earlier tests used).

The tests run on every backend: the PIN, its schedule and the lock state are kept in the backend's
record store, the token's MAC key is a key of the backend.

Through the keystore service (``service:`` keystores) the credential lives in the service process, so
the helpers reach it there: ``reset_user_auth`` and ``user_auth_state`` become test-only calls of the
test server (``hukspy.testing.service_hooks``, which runs these same functions on the caller's
credential), and the clock is a ``FileFakeClock`` whose file that server reads (``FileClock``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import struct
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Final

import pytest

from hukspy.backend import Action
from hukspy.enums import HuksAuthStorageLevel, HuksTag, HuksUserAuthType
from hukspy.keystore import Keystore
from hukspy.params import HuksOptions, HuksParam
from hukspy.service.client import ServiceKeystore
from hukspy.testing.service import service_hook
from hukspy.userauth import (
    TOKEN_SIZE,
    TokenMacError,
    TokenMalformedError,
    UserAuth,
    UserAuthError,
    UserAuthResultCode,
)
from hukspy.userauth.clock import SystemClock
from hukspy.userauth.keys import TOKEN_KEY_ALIAS
from hukspy.userauth.store import RESERVED_LEVEL, STATE_ALIAS

__all__ = [
    "FakeClock", "FileClock", "FileFakeClock", "UserAuthTests", "reset_user_auth", "user_auth_state",
]

RC = UserAuthResultCode
PIN: Final = b"246810"
OTHER: Final = b"135790"


class FakeClock:
    """A ``Clock`` that moves only when told: ``wall``/``mono_ms`` and ``boot`` are plain attributes."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.mono_ms = 5_000_000
        self.boot = "boot-1"

    def monotonic_ms(self) -> int:
        return self.mono_ms

    def wall(self) -> float:
        return self.now

    def boot_id(self) -> str:
        return self.boot

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono_ms += int(seconds * 1000)


#: The ``FakeClock`` attributes a ``FileFakeClock`` writes and a ``FileClock`` reads.
_CLOCK_FIELDS: Final = ("now", "mono_ms", "boot")


class FileFakeClock(FakeClock):
    """A ``FakeClock`` that writes itself to ``path`` (JSON, replaced atomically) at every change, for
    a ``FileClock`` in another process (the test server of ``hukspy.testing.service_hooks``) to read.
    ``remove`` deletes the file: the reader is back on the machine's clocks."""

    path: str

    def __init__(self, path: str | os.PathLike[str]) -> None:
        object.__setattr__(self, "path", os.fspath(path))
        super().__init__()

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name in _CLOCK_FIELDS and all(hasattr(self, f) for f in _CLOCK_FIELDS):
            self._write()

    def _write(self) -> None:
        state = {f: getattr(self, f) for f in _CLOCK_FIELDS}
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path) or ".", prefix=".clock-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, self.path)

    def remove(self) -> None:
        """Delete the file (idempotent)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class FileClock:
    """The ``Clock`` of a test server: the values a ``FileFakeClock`` last wrote to ``path``, read at
    every call; while there is no such file, the machine's clocks (``SystemClock``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._system = SystemClock()

    def _read(self) -> dict[str, Any] | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                found: dict[str, Any] = json.load(f)
        except FileNotFoundError:
            return None
        return found

    def monotonic_ms(self) -> int:
        found = self._read()
        return self._system.monotonic_ms() if found is None else int(found["mono_ms"])

    def wall(self) -> float:
        found = self._read()
        return self._system.wall() if found is None else float(found["now"])

    def boot_id(self) -> str:
        found = self._read()
        return self._system.boot_id() if found is None else str(found["boot"])


def reset_user_auth(ks: Keystore) -> None:
    """Forget the keystore's PIN, schedule and lock state (the token key stays). On a ``service:``
    keystore: the caller uid's, in the test server (``hukspy.testing.service_hooks``)."""
    if isinstance(ks, ServiceKeystore):
        service_hook(ks, "reset_user_auth")
        return
    with ks._native(Action.RECORD_DELETE):
        ks._backend.records().delete(RESERVED_LEVEL, STATE_ALIAS)


def ua_code(fn: Callable[[], object]) -> UserAuthError:
    """The ``UserAuthError`` ``fn`` raises (fails the test when it raises nothing or something else)."""
    with pytest.raises(UserAuthError) as ei:
        fn()
    return ei.value


def user_auth_state(ks: Keystore) -> bytes:
    """A digest of the keystore's stored user-auth state (equal digests: nothing changed). On a
    ``service:`` keystore: the caller uid's, from the test server."""
    if isinstance(ks, ServiceKeystore):
        return bytes(service_hook(ks, "user_auth_state"))
    record = ks._backend.records().get(RESERVED_LEVEL, STATE_ALIAS)
    return hashlib.sha256(b"" if record is None else record.ref).digest()


class UserAuthTests:
    """hukspy's UserIAM on this keystore (docs/userauth.md)."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def ua(self, keystore: Keystore, clock: FakeClock) -> Iterator[UserAuth]:
        reset_user_auth(keystore)
        ua = keystore.user_auth
        ua.clock = clock
        try:
            yield ua
        finally:
            reset_user_auth(keystore)

    def test_without_a_pin_the_device_is_unlocked_and_nothing_is_enrolled(self, ua: UserAuth) -> None:
        assert not ua.is_pin_set()
        assert ua.credential_id() is None and ua.secure_uid is None
        assert not ua.is_locked() and ua.first_unlocked_since_boot()
        assert all(ua.level_available(int(level)) for level in HuksAuthStorageLevel)
        ua.lock()  # no lock screen: nothing changes
        assert not ua.is_locked()
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).code == RC.NOT_ENROLLED
        assert ua_code(lambda: ua.unlock(PIN)).code == RC.NOT_ENROLLED
        assert ua_code(lambda: ua.change_pin(PIN, OTHER)).code == RC.NOT_ENROLLED
        assert ua_code(lambda: ua.remove_pin(PIN)).code == RC.NOT_ENROLLED

    def test_enroll_authenticate_and_verify_a_token(self, ua: UserAuth, clock: FakeClock) -> None:
        cid = ua.enroll_pin(PIN)
        assert ua.is_pin_set() and ua.credential_id() == cid and ua.secure_uid
        assert ua.enrolled_ids(HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN)
        assert ua_code(lambda: ua.enroll_pin(OTHER)).code == RC.GENERAL_ERROR
        challenge = secrets.token_bytes(32)
        token = ua.authenticate(challenge, PIN)
        assert isinstance(token, bytes) and len(token) == TOKEN_SIZE == 280
        parsed = ua.verify_token(token)
        assert parsed.challenge == challenge
        assert parsed.time == clock.mono_ms
        assert parsed.auth_type == 1  # UserIAM's PIN
        assert parsed.huks_auth_type == HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN
        assert parsed.secure_uid == ua.secure_uid and parsed.credential_id == cid
        assert parsed.token_type == 0 and parsed.version == 0
        # the clear part, at UserIAM's offsets
        version, raw_challenge, time_ms = struct.unpack_from("<I32sQ", token)
        assert (version, raw_challenge, time_ms) == (0, challenge, clock.mono_ms)
        assert struct.unpack_from("<IIIII", token, 44)[1] == 1
        # CHALLENGE_TYPE_NONE: no challenge
        assert ua.verify_token(ua.authenticate(None, PIN)).challenge == bytes(32)
        assert ua.verify_token(ua.authenticate(b"", PIN.decode())).challenge == bytes(32)

    def test_tokens_that_do_not_verify(self, ua: UserAuth) -> None:
        ua.enroll_pin(PIN)
        token = ua.authenticate(bytes(32), PIN)
        for at in (0, 4, 36, 44, 48, 60, 64, 150, 219, 220, 236, 248, 279):
            forged = bytearray(token)
            forged[at] ^= 0x01
            with pytest.raises(TokenMacError) as ei:
                ua.verify_token(bytes(forged))
            assert ei.value.huks_code == 12000008
        for bad in (b"", token[:-1], token + b"\0", bytes(148), bytes(1024)):
            with pytest.raises(TokenMalformedError) as em:
                ua.verify_token(bad)
            assert em.value.huks_code == 401
        for wrong_type in (None, 280, "x" * 280, [0] * 280):
            with pytest.raises(TokenMalformedError):
                ua.verify_token(wrong_type)
        for _ in range(20):
            with pytest.raises(TokenMacError):
                ua.verify_token(secrets.token_bytes(TOKEN_SIZE))

    def test_a_token_of_another_keystore_never_verifies(
        self, ua: UserAuth, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        ua.enroll_pin(PIN)
        ours = ua.authenticate(bytes(32), PIN)
        with Keystore(f"software:{tmp_path_factory.mktemp('other-keystore')}") as other:
            with pytest.raises(TokenMacError):
                other.user_auth.verify_token(ours)  # it never issued a token: no key at all
            other.user_auth.enroll_pin(PIN)
            theirs = other.user_auth.authenticate(bytes(32), PIN)
            with pytest.raises(TokenMacError):
                other.user_auth.verify_token(ours)
            with pytest.raises(TokenMacError):
                ua.verify_token(theirs)
            assert other.user_auth.verify_token(theirs).challenge == bytes(32)

    def test_wrong_pins_follow_useriam_schedule(
        self, ua: UserAuth, clock: FakeClock, keystore: Keystore
    ) -> None:
        ua.enroll_pin(PIN)
        for n in range(1, 5):
            err = ua_code(lambda: ua.authenticate(bytes(32), OTHER))
            assert (err.code, err.remaining_attempts, err.freeze_s) == (RC.FAIL, 5 - n, 0)
        err = ua_code(lambda: ua.authenticate(bytes(32), OTHER))
        assert (err.code, err.freeze_s) == (RC.FAIL, 60)
        # frozen: even the right PIN is refused without being checked, here and in another keystore
        # object on the same store (the schedule is persisted)
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).code == RC.LOCKED
        with Keystore(keystore.uri) as again:
            again.user_auth.clock = clock
            locked = ua_code(lambda: again.user_auth.unlock(PIN))
            assert locked.code == RC.LOCKED and locked.freeze_s == 60
        clock.advance(59)
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).code == RC.LOCKED
        clock.now -= 86400  # the wall clock set back a day: a freeze never lasts longer than its 60 s
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).freeze_s == 60
        clock.now += 86400 - 60
        clock.advance(2)
        for _ in range(2):  # failures 6, 7: no freeze, 3 - (n - 5) % 3 left
            err = ua_code(lambda: ua.authenticate(bytes(32), OTHER))
            assert err.code == RC.FAIL and err.freeze_s == 0
        err = ua_code(lambda: ua.authenticate(bytes(32), OTHER))  # the 8th: 600 s
        assert err.freeze_s == 600
        clock.advance(601)
        ua.authenticate(bytes(32), PIN)  # success resets the count
        for n in range(1, 5):
            assert ua_code(lambda: ua.authenticate(bytes(32), OTHER)).remaining_attempts == 5 - n

    def test_malformed_input_changes_nothing(self, ua: UserAuth, keystore: Keystore) -> None:
        ua.enroll_pin(PIN)
        before = user_auth_state(keystore)
        loose: Any = ua  # called with what its signature forbids
        bad_pins: list[object] = [None, 1234, 1.5, b"", "", bytes(1025), ["1"], {"pin": 1}, "\ud800"]
        for pin in bad_pins:
            for call in (
                partial(loose.authenticate, bytes(32), pin),
                partial(loose.unlock, pin),
                partial(loose.change_pin, PIN, pin),
                partial(loose.enroll_pin, pin),
            ):
                assert ua_code(call).code == RC.INVALID_PARAMETERS
        bad_challenges: list[object] = [bytes(31), bytes(33), "x" * 32, 32, [0] * 32]
        for challenge in bad_challenges:
            assert ua_code(partial(loose.authenticate, challenge, PIN)).code == RC.INVALID_PARAMETERS
        for auth_type in (True, "4", None, 4.0):
            err = ua_code(partial(loose.authenticate, bytes(32), PIN, auth_type))
            assert err.code == RC.INVALID_PARAMETERS
        for bad_type in (0, 3, 32, 7, -1, 2**40):
            assert ua_code(partial(ua.authenticate, bytes(32), PIN, bad_type)).code == RC.TYPE_NOT_SUPPORT
        assert user_auth_state(keystore) == before

    def test_change_and_remove_pin(self, ua: UserAuth) -> None:
        cid = ua.enroll_pin(PIN)
        uid = ua.secure_uid
        ua.change_pin(PIN, OTHER)
        assert ua.credential_id() == cid and ua.secure_uid == uid  # keys stay valid
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).code == RC.FAIL
        ua.authenticate(bytes(32), OTHER)
        assert ua_code(lambda: ua.remove_pin(PIN)).code == RC.FAIL
        ua.remove_pin(OTHER)
        assert not ua.is_pin_set() and ua.secure_uid is None and ua.credential_id() is None
        ua.enroll_pin(PIN)
        assert ua.secure_uid not in (None, uid)  # a new user: CLEAR_PASSWORD keys are invalid

    def test_lock_state(self, ua: UserAuth, clock: FakeClock) -> None:
        ce, ece = int(HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE), 2
        ua.enroll_pin(PIN)
        assert not ua.is_locked() and ua.level_available(ece)
        ua.lock()
        assert ua.is_locked() and ua.first_unlocked_since_boot()
        assert ua.level_available(0) and ua.level_available(ce) and not ua.level_available(ece)
        assert ua_code(lambda: ua.unlock(OTHER)).code == RC.FAIL
        assert ua.is_locked()
        ua.unlock(PIN)
        assert not ua.is_locked() and ua.level_available(ece)
        clock.boot = "boot-2"  # the machine rebooted: locked, and CE waits for the first unlock
        assert ua.is_locked() and not ua.first_unlocked_since_boot()
        assert ua.level_available(0) and not ua.level_available(ce) and not ua.level_available(ece)
        ua.authenticate(bytes(32), PIN)  # a verified PIN counts as the first unlock
        assert ua.first_unlocked_since_boot() and ua.level_available(ce)
        assert ua.is_locked()  # but only unlock() unlocks the screen
        ua.unlock(PIN)
        assert not ua.is_locked()

    def test_user_auth_records_are_out_of_reach_of_the_api(self, ua: UserAuth, keystore: Keystore) -> None:
        ua.enroll_pin(PIN)
        ua.authenticate(bytes(32), PIN)
        for level in HuksAuthStorageLevel:
            opts = HuksOptions([HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, int(level))])
            listed = keystore.list_aliases(opts).key_aliases
            assert TOKEN_KEY_ALIAS not in listed and STATE_ALIAS not in listed
            for alias in (TOKEN_KEY_ALIAS, STATE_ALIAS):
                assert not keystore.has_key_item(alias, opts)
        assert keystore.user_auth is ua

    def test_nothing_secret_in_reprs(self, ua: UserAuth) -> None:
        ua.enroll_pin(PIN)
        challenge = secrets.token_bytes(32)
        token = ua.authenticate(challenge, PIN)
        parsed = ua.verify_token(token)
        err = ua_code(lambda: ua.authenticate(challenge, OTHER))
        for text in (repr(ua), repr(parsed), str(err), repr(err)):
            assert PIN.decode() not in text and OTHER.decode() not in text
            assert challenge.hex() not in text and repr(challenge) not in text
