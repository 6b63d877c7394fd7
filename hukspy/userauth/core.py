"""``UserAuth``: hukspy's UserIAM for one keystore: the PIN credential, the lock state and the auth
tokens HUKS and ASSET check (docs/userauth.md).

Every public method raises only ``UserAuthError`` (UserIAM's result codes), except ``verify_token``,
which the facade calls: it raises the native ``TokenInvalid`` errors (``huks_code`` 401 or 12000008)
and ``HuksError`` for backend failures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final, TypeVar

from hukspy.enums import HuksAuthStorageLevel, HuksUserAuthType
from hukspy.errors import HuksError
from hukspy.userauth import schedule
from hukspy.userauth.authenticators import Authenticator, load_authenticators
from hukspy.userauth.clock import Clock, SystemClock
from hukspy.userauth.errors import TokenMacError, UserAuthError, UserAuthResultCode
from hukspy.userauth.keys import BackendTokenKeys, NoTokenKeyError, VerifyingKeys
from hukspy.userauth.pin import PinLockoutError, PinVerifier, PinVerifierHook, ScryptVerifier, check_pin
from hukspy.userauth.store import State, StateStore
from hukspy.userauth.token import CHALLENGE_SIZE, AuthToken, iam_auth_type, open_token, sign_token

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["USER_ID", "UserAuth"]

#: The user every hukspy caller is (upstream's first normal user).
USER_ID: Final = 100
_PIN: Final = int(HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN)
T = TypeVar("T")
RC = UserAuthResultCode


def _new_id() -> int:
    """A random non-zero u64."""
    return secrets.randbits(64) or 1


class UserAuth:
    """The UserIAM of ``keystore`` (docs/userauth.md). Use ``Keystore.user_auth``;
    ``clock`` (a ``hukspy.userauth.clock.Clock``) is the time source of the wrong-PIN schedule, the
    lock state's boot id and the token time, replaceable (``ua.clock = ...``) for tests."""

    def __init__(self, keystore: Keystore, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._ks = keystore
        self._store = StateStore(keystore)
        self._keys = BackendTokenKeys(keystore)
        backend = keystore._backend
        self._verifiers: dict[str, PinVerifier] = {ScryptVerifier.kind: ScryptVerifier()}
        self._default_verifier: PinVerifier = self._verifiers[ScryptVerifier.kind]
        if isinstance(backend, PinVerifierHook):
            own = backend.pin_verifier()
            self._verifiers[own.kind] = own
            self._default_verifier = own
        self._authenticators: dict[int, Authenticator] | None = None
        self._plugin_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"UserAuth(keystore={self._ks.uri.split('?')[0]!r})"

    # ---------------------------------------------------------------- plumbing

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Everything but a ``UserAuthError`` becomes GENERAL_ERROR (12500002), chained."""
        try:
            yield
        except UserAuthError:
            raise
        except HuksError as exc:
            raise UserAuthError(RC.GENERAL_ERROR, f"the keystore failed: {exc.code}") from exc
        except MemoryError as exc:
            raise UserAuthError(RC.GENERAL_ERROR, "out of memory") from exc
        except Exception as exc:
            raise UserAuthError(RC.GENERAL_ERROR, f"the user auth state: {type(exc).__name__}") from exc

    def _read(self) -> State:
        with self._errors():
            return self._store.read()

    def _pin_or_raise(self, pin: object) -> bytes:
        data = check_pin(pin)
        if data is None:
            raise UserAuthError(RC.INVALID_PARAMETERS, "the PIN must be 1 to 1024 bytes (bytes or str)")
        return data

    def _verifier(self, record: dict[str, object]) -> PinVerifier:
        found = self._verifiers.get(str(record.get("kind")))
        if found is None:
            raise UserAuthError(RC.GENERAL_ERROR, "the PIN was enrolled with a verifier this keystore lacks")
        return found

    def _check(self, state: State, pin: bytes) -> UserAuthError | None:
        """Check ``pin`` under the anti-brute-force schedule and record the outcome in ``state``;
        return the error to raise once the state is written (None: the PIN is right)."""
        if state.pin is None:
            return UserAuthError(RC.NOT_ENROLLED, "no PIN is enrolled")
        now = self.clock.wall()
        # A wall clock set back must not stretch a freeze beyond its length.
        state.frozen_until = min(state.frozen_until, now + schedule.freeze_seconds(state.failures))
        if state.frozen_until > now:
            wait = math.ceil(state.frozen_until - now)
            return UserAuthError(
                RC.LOCKED, f"too many wrong PINs: try again in {wait} s", remaining_attempts=0, freeze_s=wait
            )
        try:
            right = self._verifier(state.pin).verify(state.pin, pin)
        except PinLockoutError as exc:
            return UserAuthError(
                RC.LOCKED, f"the keystore's device refuses PINs now: {exc}", remaining_attempts=0,
                freeze_s=exc.retry_after_s,
            )
        if right:
            state.failures = 0
            state.frozen_until = 0.0
            return None
        state.failures = min(state.failures + 1, schedule.MAX_FAILURES)
        freeze = schedule.freeze_seconds(state.failures)
        state.frozen_until = now + freeze if freeze else 0.0
        left = 0 if freeze else schedule.remaining_attempts(state.failures)
        detail = f"wrong PIN; frozen for {freeze} s" if freeze else f"wrong PIN; {left} attempts left"
        return UserAuthError(RC.FAIL, detail, remaining_attempts=left, freeze_s=freeze)

    def _with_pin(self, pin: object, then: Callable[[State], T]) -> T:
        """Verify ``pin`` and, when it is right, run ``then`` on the state; both in one change."""
        data = self._pin_or_raise(pin)
        with self._errors():
            with self._store.change() as state:
                err = self._check(state, data)
                if err is None:
                    return then(state)
            raise err

    def _mark_unlocked(self, state: State, *, screen: bool = False) -> None:
        """A PIN was verified: the device is first-unlocked since this boot (and, with ``screen``,
        unlocked)."""
        boot = self.clock.boot_id()
        state.first_unlock_boot = boot
        if screen:
            state.unlocked_boot = boot

    # ---------------------------------------------------------------- the PIN

    def enroll_pin(self, pin: bytes | str) -> int:
        """Enroll ``pin`` (bytes or str, 1..1024 bytes) as the keystore's PIN; the device is then
        unlocked. Returns the new credential id. Raises ``UserAuthError`` INVALID_PARAMETERS (12500008)
        for a malformed PIN, GENERAL_ERROR (12500002) when a PIN is enrolled already or the keystore
        fails."""
        data = self._pin_or_raise(pin)
        with self._errors(), self._store.change() as state:
            if state.pin is not None:
                raise UserAuthError(RC.GENERAL_ERROR, "a PIN is enrolled already (use change_pin)")
            state.pin = self._default_verifier.enroll(data)
            state.secure_uid = state.secure_uid or _new_id()
            state.credential_id = _new_id()
            state.enrolled_id = _new_id()
            state.failures, state.frozen_until = 0, 0.0
            self._mark_unlocked(state, screen=True)
            return state.credential_id

    def change_pin(self, old: bytes | str, new: bytes | str) -> None:
        """Replace the PIN; the credential (and every key bound to it) stays valid. Raises
        ``UserAuthError``: INVALID_PARAMETERS, NOT_ENROLLED (12500010), FAIL (12500001, wrong ``old``),
        LOCKED (12500009, frozen after wrong PINs), GENERAL_ERROR."""
        new_pin = self._pin_or_raise(new)

        def replace(state: State) -> None:
            old_record = state.pin or {}
            state.pin = self._default_verifier.enroll(new_pin)
            self._verifier(old_record).remove(old_record)

        self._with_pin(old, replace)

    def remove_pin(self, pin: bytes | str) -> None:
        """Remove the PIN: the user's secure uid goes with it, so keys bound with
        INVALID_CLEAR_PASSWORD are invalid forever (12000007). Raises as ``change_pin``."""

        def remove(state: State) -> None:
            record = state.pin or {}
            state.pin = state.secure_uid = state.credential_id = state.enrolled_id = None
            state.first_unlock_boot = state.unlocked_boot = None
            self._verifier(record).remove(record)

        self._with_pin(pin, remove)

    def is_pin_set(self) -> bool:
        """Whether a PIN is enrolled. Raises ``UserAuthError`` GENERAL_ERROR when the state cannot be read."""
        return self._read().pin is not None

    def credential_id(self) -> int | None:
        """The PIN credential's id, None without a PIN."""
        return self._read().credential_id

    @property
    def secure_uid(self) -> int | None:
        """The user's secure uid (a new one per PIN enrollment), None without a PIN."""
        return self._read().secure_uid

    def enrolled_ids(self, auth_type: int) -> list[int]:
        """The enrolled ids of one ``HuksUserAuthType`` bit: the PIN's, or an authenticator's (empty
        when nothing is enrolled or the type has no authenticator)."""
        if auth_type == _PIN:
            state = self._read()
            return [state.enrolled_id] if state.pin is not None and state.enrolled_id is not None else []
        auth = self._authenticator(auth_type)
        if auth is None:
            return []
        with self._errors():
            return list(auth.enrolled_ids())

    # ---------------------------------------------------------------- tokens

    def authenticate(
        self,
        challenge: bytes | None,
        pin: bytes | str | None,
        auth_type: int = HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN,
    ) -> bytes:
        """Authenticate the user and return a 280-byte auth token for ``challenge`` (32 bytes, or
        None/``b""`` for CHALLENGE_TYPE_NONE keys). A success also makes the device "first unlocked
        since boot". Raises ``UserAuthError``: INVALID_PARAMETERS (challenge, PIN, auth type of the wrong
        type), TYPE_NOT_SUPPORT (12500005: not PIN, and no authenticator of that type), NOT_ENROLLED,
        FAIL, LOCKED, GENERAL_ERROR."""
        if challenge is None:
            challenge = b""
        if not isinstance(challenge, bytes | bytearray | memoryview) or len(challenge) not in (
            0,
            CHALLENGE_SIZE,
        ):
            raise UserAuthError(
                RC.INVALID_PARAMETERS, f"the challenge must be {CHALLENGE_SIZE} bytes or empty"
            )
        if isinstance(auth_type, bool) or not isinstance(auth_type, int):
            raise UserAuthError(RC.INVALID_PARAMETERS, "the auth type must be a HuksUserAuthType")
        iam_type = iam_auth_type(auth_type)
        if auth_type == _PIN:
            state = self._with_pin(pin, self._unlocked_copy)
            enrolled = state.enrolled_id
        else:
            auth = self._authenticator(auth_type) if iam_type is not None else None
            if auth is None:
                raise UserAuthError(RC.TYPE_NOT_SUPPORT, f"the auth type {auth_type}")
            state = self._read()
            if state.pin is None:
                raise UserAuthError(RC.NOT_ENROLLED, "a PIN must be enrolled before any other credential")
            with self._errors():
                enrolled = int(auth.authenticate(pin))
        if iam_type is None or state.secure_uid is None or state.credential_id is None:
            raise UserAuthError(RC.NOT_ENROLLED, "no PIN is enrolled")
        token = AuthToken(
            challenge=bytes(challenge).ljust(CHALLENGE_SIZE, b"\0"),
            time=self.clock.monotonic_ms(),
            auth_type=iam_type,
            secure_uid=state.secure_uid,
            enrolled_id=enrolled or 0,
            credential_id=state.credential_id,
            user_id=USER_ID,
        )
        with self._errors():
            return sign_token(token, self._keys)

    def _unlocked_copy(self, state: State) -> State:
        self._mark_unlocked(state)
        return dataclasses.replace(state)

    def verify_token(self, token: object) -> AuthToken:
        """Check a token this keystore issued and return its fields. Raises ``TokenMalformedError``
        (not bytes, not 280 bytes; ``huks_code`` 401), ``TokenMacError`` (a token of another keystore,
        altered, or random bytes; 12000008), ``HuksError`` when the backend fails. It checks no
        challenge, time or credential: that is the caller's (HUKS's, ASSET's) business."""
        keys = VerifyingKeys(self._keys)
        try:
            return open_token(token, keys)
        except NoTokenKeyError as exc:
            raise TokenMacError("this keystore has issued no auth token") from exc

    # ---------------------------------------------------------------- lock state

    def lock(self) -> None:
        """Lock the device (ECE keys and ASSET DEVICE_UNLOCKED secrets become unusable until
        ``unlock``). Without a PIN there is no lock screen: nothing changes. Raises GENERAL_ERROR."""
        with self._errors(), self._store.change() as state:
            state.unlocked_boot = None

    def unlock(self, pin: bytes | str) -> None:
        """Unlock the device with the PIN. Raises ``UserAuthError`` as ``change_pin``."""

        def unlock(state: State) -> None:
            self._mark_unlocked(state, screen=True)

        self._with_pin(pin, unlock)

    def first_unlocked_since_boot(self) -> bool:
        """Whether the device was unlocked (or a PIN verified) since the machine booted; True without a
        PIN. Raises GENERAL_ERROR."""
        return _first_unlocked(self._read(), self.clock.boot_id())

    def is_locked(self) -> bool:
        """Whether the device is locked: a PIN is enrolled and either ``lock`` was called since the last
        ``unlock``, or nobody unlocked it since boot. Raises GENERAL_ERROR."""
        return not _unlocked(self._read(), self.clock.boot_id())

    def level_available(self, level: int) -> bool:
        """Whether keys of AUTH_STORAGE_LEVEL ``level`` may be used now: DE always, CE once first
        unlocked since boot, ECE while unlocked (docs/userauth.md, "Lock state"). This is the keystore's
        question, not a UserIAM call: a state that cannot be read raises the keystore's own ``HuksError``
        (12000004 for a refused store directory, ...), never GENERAL_ERROR."""
        if level == HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE:
            return True
        state, boot = self._store.read(), self.clock.boot_id()
        if level == HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE:
            return _first_unlocked(state, boot)
        return _unlocked(state, boot)

    # ---------------------------------------------------------------- plug-ins

    def _authenticator(self, auth_type: int) -> Authenticator | None:
        with self._plugin_lock:
            if self._authenticators is None:
                self._authenticators = load_authenticators(self)
            return self._authenticators.get(int(auth_type))


def _first_unlocked(state: State, boot: str) -> bool:
    """CE keys: a PIN verified in this boot, or no PIN at all."""
    return state.pin is None or state.first_unlock_boot == boot


def _unlocked(state: State, boot: str) -> bool:
    """ECE keys: unlocked in this boot and not locked since, or no PIN at all."""
    return state.pin is None or state.unlocked_boot == boot
