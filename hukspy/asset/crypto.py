"""Secret encryption under keystore keys (asset-reference.md §5.3) and the pre_query sessions (§4.3).

**Keys.** One AES-256-GCM key (purpose ENCRYPT|DECRYPT, GCM, no padding) per (user, owner, auth type,
accessibility, require-password-set), generated in the :class:`~hukspy.Keystore` on first use with
``KEY_OVERRIDE=false`` (two processes racing to create it both end up using the one that won). The
alias is upstream's ``calculate_key_alias`` digest, written as text because HUKS aliases are strings:
``"1_" + hex(SHA256(m))`` (66 characters) with::

    m  = i32_le(user_id) + b"_" + u32_le(owner_type) + b"_" + owner
    m += b"_AuthType:"           + u32_le(auth_type)      if auth_type != NONE
    m += b"_Accessibility:"      + u32_le(accessibility)  if accessibility != DEVICE_FIRST_UNLOCKED
    m += b"_RequirePasswordSet:" + u32_le(1)              if require_password_set

**Stored form.** The ``Secret`` column holds ``ciphertext ‖ tag(16) ‖ nonce(12)``, as upstream; the
nonce is 12 random bytes from :mod:`secrets` for every encryption.

**AAD.** Upstream's ``build_aad``: for each column of ``Alias, Owner, OwnerType, GroupId, SyncType,
Accessibility, RequirePasswordSet, AuthType, IsPersistent, Version, DataLabelCritical_1..4`` (and
``WrapType`` when it is not 0): ``"<Column>:"``, the value, ``"_"``. Bytes are lowercase hex, numbers
u32 little-endian, bools one byte; NULL writes nothing. Editing any of these columns in the database
makes the GCM tag check fail: 24000007.

**Errors.** What the keystore raises is mapped as upstream's ``HuksErrorTransfer``: 201 and 12000016
(no permission, device password unset) → 24000005; 12000011 (key missing) → 24000002; 12000008 and
12000009 (auth verification failed or timed out) → 24000004; 12000006 (crypto engine, e.g. a GCM tag
mismatch) → 24000007; anything else → 24000009.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from hukspy.asset.enums import Accessibility, AuthType, ErrorCode
from hukspy.asset.errors import AssetError
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam
from hukspy.spec import OpKind
from hukspy.storedir import private_dir

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = [
    "AAD_COLUMNS",
    "HUKS_TO_ASSET",
    "ChallengeCache",
    "SecretCipher",
    "build_aad",
    "from_huks",
    "huks_errors",
    "key_alias",
]

#: The user every hukspy caller is (a normal user: upstream's first user id).
USER_ID: Final = 100
#: upstream OwnerType.Hap: hukspy's callers are applications.
OWNER_TYPE_HAP: Final = 0
TAG_LEN: Final = 16
NONCE_LEN: Final = 12
CHALLENGE_LEN: Final = 32

#: HuksError code -> ASSET code (upstream's HuksErrorTransfer on the external codes); others → 24000009.
HUKS_TO_ASSET: Final[dict[int, int]] = {
    201: ErrorCode.STATUS_MISMATCH,
    12000016: ErrorCode.STATUS_MISMATCH,
    12000011: ErrorCode.NOT_FOUND,
    12000008: ErrorCode.ACCESS_DENIED,
    12000009: ErrorCode.ACCESS_DENIED,
    12000006: ErrorCode.DATA_CORRUPTED,
}

AAD_COLUMNS: Final = (
    "Alias",
    "Owner",
    "OwnerType",
    "GroupId",
    "SyncType",
    "Accessibility",
    "RequirePasswordSet",
    "AuthType",
    "IsPersistent",
    "Version",
    "DataLabelCritical_1",
    "DataLabelCritical_2",
    "DataLabelCritical_3",
    "DataLabelCritical_4",
    "WrapType",
)
_BYTES_COLUMNS: Final = frozenset(
    {"Alias", "Owner", "GroupId", *(f"DataLabelCritical_{i}" for i in range(1, 5))}
)
_BOOL_COLUMNS: Final = frozenset({"RequirePasswordSet", "IsPersistent"})
_MAX_AAD_VALUE: Final = 2048


def _corrupt(detail: str) -> AssetError:
    return AssetError(ErrorCode.DATA_CORRUPTED, detail=detail)


def build_aad(row: dict[str, object]) -> bytes:
    """The AAD of a row (see the module docstring). A value of the wrong type gives 24000007."""
    out = bytearray()
    for column in AAD_COLUMNS:
        value = row.get(column)
        if column == "WrapType" and not value:
            continue
        out += column.encode() + b":"
        if value is not None:
            if column in _BYTES_COLUMNS:
                if not isinstance(value, bytes) or len(value) > _MAX_AAD_VALUE:
                    raise _corrupt(f"the column {column} holds a value of the wrong type")
                out += value.hex().encode()
            elif column in _BOOL_COLUMNS:
                if value not in (0, 1) or isinstance(value, float):
                    raise _corrupt(f"the column {column} holds a value of the wrong type")
                out += b"\x01" if value else b"\x00"
            else:
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
                    raise _corrupt(f"the column {column} holds a value of the wrong type")
                out += struct.pack("<I", value)
        out += b"_"
    return bytes(out)


def key_alias(owner: bytes, auth_type: int, accessibility: int, require_password_set: bool) -> str:
    """The keystore alias of the key for (owner, auth type, accessibility, require-password-set)."""
    m = struct.pack("<i", USER_ID) + b"_" + struct.pack("<I", OWNER_TYPE_HAP) + b"_" + owner
    if auth_type != AuthType.NONE:
        m += b"_AuthType:" + struct.pack("<I", auth_type)
    if accessibility != Accessibility.DEVICE_FIRST_UNLOCKED:
        m += b"_Accessibility:" + struct.pack("<I", accessibility)
    if require_password_set:
        m += b"_RequirePasswordSet:" + struct.pack("<I", 1)
    return "1_" + hashlib.sha256(m).hexdigest()


def from_huks(action: str, exc: HuksError) -> AssetError:
    """The ``AssetError`` of a keystore failure (:data:`HUKS_TO_ASSET`; anything else 24000009)."""
    code = HUKS_TO_ASSET.get(exc.code, ErrorCode.CRYPTO_ERROR)
    return AssetError(code, detail=f"{action}: keystore error {exc.code}: {exc.message}")


@contextlib.contextmanager
def huks_errors(action: str) -> Iterator[None]:
    """Turn a ``HuksError`` raised inside into the ``AssetError`` of :data:`HUKS_TO_ASSET`."""
    try:
        yield
    except HuksError as exc:
        raise from_huks(action, exc) from exc


_GCM: Final = (
    HuksParam(HuksTag.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
    HuksParam(HuksTag.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
    HuksParam(HuksTag.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
)
_GENERATE: Final = (
        *_GCM,
        HuksParam(HuksTag.HUKS_TAG_KEY_SIZE, HuksKeySize.HUKS_AES_KEY_SIZE_256),
        HuksParam(
            HuksTag.HUKS_TAG_PURPOSE,
            HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT,
        ),
        HuksParam(HuksTag.HUKS_TAG_KEY_OVERRIDE, False),
)
_CE: Final = int(HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE)
#: Accessibility → the HUKS storage level of its key (upstream ``AccessibilityToHksAuthStorageLevel``),
#: so each key is usable exactly when the lock state allows (docs/userauth.md, "Lock state").
STORAGE_LEVELS: Final[dict[int, int]] = {
    Accessibility.DEVICE_POWERED_ON: int(HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE),
    Accessibility.DEVICE_FIRST_UNLOCKED: _CE,
    Accessibility.DEVICE_UNLOCKED: int(HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_ECE),
}
_BUSY_RETRIES: Final = 200


#: Seconds :meth:`SecretCipher.ensure_key` waits for ``.keys.lock`` held by another thread or process
#: before it gives up with 24000001 (a module attribute so that tests can shorten it).
KEY_LOCK_TIMEOUT: float = 10.0
_LOCK_POLL_MAX: Final = 0.05


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created 0600) for the duration, waited for at most
    :data:`KEY_LOCK_TIMEOUT` seconds: a holder that is stopped or hung then gives 24000001 (retry later;
    docs/asset.md, "Robustness"). OS errors give 24000014."""
    try:
        private_dir(path.parent)  # 0700; another user's or a group/world-writable one: OSError
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AssetError(ErrorCode.FILE_OPERATION_ERROR, detail=f"open {path.name}: {exc.strerror}") from exc
    try:
        timeout = KEY_LOCK_TIMEOUT
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AssetError(
                        ErrorCode.SERVICE_UNAVAILABLE,
                        detail=f"another thread or process has held {path} for more than {timeout:g} s "
                        "(a stopped or hung process?): try again later",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, _LOCK_POLL_MAX)
            except OSError as exc:
                raise AssetError(
                    ErrorCode.FILE_OPERATION_ERROR, detail=f"lock {path.name}: {exc.strerror}"
                ) from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class SecretCipher:
    """Encrypts and decrypts secrets with one owner's keys in a :class:`~hukspy.Keystore`.

    The sessions run on a :meth:`~hukspy.Keystore.session_scope` of the keystore of their own, opened on
    first use, so they never take one of the application's sessions on that keystore (nor the reverse:
    docs/asset.md, "Robustness"). At most ``parallel`` are open at once, the scope's limit; a backend
    that is itself out of sessions (12000010: PKCS#11 CKR_SESSION_COUNT, TPM memory) is retried.
    """

    def __init__(
        self,
        keystore: Keystore,
        owner: bytes,
        key_lock: Callable[[], contextlib.AbstractContextManager[None]],
        parallel: int = 8,
    ) -> None:
        self.keystore = keystore
        self.owner = owner
        self.key_lock = key_lock
        self._parallel = parallel
        self._slots = threading.BoundedSemaphore(parallel)
        self._scope_lock = threading.Lock()
        self._scope: Keystore | None = None
        self._wanted: dict[str, int] = {}  # alias → the storage level of its accessibility
        self._found: dict[str, int] = {}  # alias → CE, for a key made before keys had levels

    def _sessions(self) -> Keystore:
        """The session scope of the store's encryption (created on first use)."""
        with self._scope_lock:
            if self._scope is None:
                self._scope = self.keystore.session_scope(session_limit=self._parallel)
            return self._scope

    def close(self) -> None:
        """End the scope's sessions (there are none between operations). Idempotent."""
        with self._scope_lock:
            scope, self._scope = self._scope, None
        if scope is not None:
            scope.close()

    def alias(self, auth_type: int, accessibility: int, require_password_set: bool) -> str:
        """The key alias for this owner and the given access control (remembering the storage level its
        accessibility asks for, :data:`STORAGE_LEVELS`)."""
        alias = key_alias(self.owner, auth_type, accessibility, require_password_set)
        self._wanted[alias] = STORAGE_LEVELS.get(accessibility, _CE)
        return alias

    def _level(self, alias: str) -> HuksParam:
        """The AUTH_STORAGE_LEVEL param of the key ``alias``: its accessibility's level, or CE for a key
        that a store made before keys had levels (it stays where it is, under CE's lock rules)."""
        wanted = self._wanted.get(alias, _CE)
        level = self._found.get(alias, wanted)
        if alias not in self._found and wanted != _CE:
            with huks_errors("look up the secret key"):
                if not self._exists(alias, wanted) and self._exists(alias, _CE):
                    level = _CE
                    self._found[alias] = level
        return HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, level)

    def _exists(self, alias: str, level: int) -> bool:
        level_param = HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
        return self.keystore.has_key_item(alias, HuksOptions([level_param]))

    def has_key(self, alias: str) -> bool:
        """Whether the key exists. Raises 24000009 (or as :data:`HUKS_TO_ASSET`) on a keystore failure."""
        level = self._level(alias)
        with huks_errors("look up the secret key"):
            return self.keystore.has_key_item(alias, HuksOptions([level]))

    def ensure_key(self, alias: str) -> None:
        """Generate the key unless it exists (upstream's ``generate_secret_key_if_needed``).

        The existence check runs on every call (a key deleted under the store is noticed). Creation is
        serialised across threads and processes (and hosts) by ``key_lock`` (the database's: an ``flock``
        on ``<path>/.keys.lock``, or a PostgreSQL advisory lock), because not
        every keystore backend makes ``KEY_OVERRIDE=false`` atomic between processes: two processes
        must never end up with different keys under one alias. The lock is waited for at most
        :data:`KEY_LOCK_TIMEOUT` seconds (then 24000001); keystore errors as :data:`HUKS_TO_ASSET`.
        """
        if self.has_key(alias):
            return
        self._check_gcm()
        with self.key_lock():
            if self.has_key(alias):
                return
            try:
                self.keystore.generate_key_item(alias, HuksOptions([*_GENERATE, self._level(alias)]))
            except HuksError as exc:
                if exc.code == 12000017:  # created by someone that does not take our lock
                    return
                raise from_huks("generate the secret key", exc) from exc

    def _check_gcm(self) -> None:
        """Raise 24000017 unless the keystore declares AES-256-GCM encrypt and decrypt (a TPM keystore
        serves it only as sealed keys: open it with ``?fallback=sealed``)."""
        caps = self.keystore.capabilities()
        kinds = {
            op.kind
            for op in caps.ops
            if op.key_alg == HuksKeyAlg.HUKS_ALG_AES
            and op.mode == HuksCipherMode.HUKS_MODE_GCM
            and (not op.sizes or HuksKeySize.HUKS_AES_KEY_SIZE_256 in op.sizes)
        }
        if not {OpKind.ENCRYPT, OpKind.DECRYPT} <= kinds:
            hint = " (open a tpm2 keystore with ?fallback=sealed)" if caps.backend == "tpm2" else ""
            raise AssetError(
                ErrorCode.UNSUPPORTED,
                detail=f"the {caps.backend} keystore has no AES-256-GCM, which the asset store needs{hint}",
            )

    def _run(self, action: str, alias: str, params: list[HuksParam], data: bytes) -> bytes:
        with self._slots, huks_errors(action):
            keystore = self._sessions()
            for attempt in range(_BUSY_RETRIES):
                try:
                    handle = keystore.init_session(alias, HuksOptions([*params, self._level(alias)]))
                    break
                except HuksError as exc:
                    if exc.code != 12000010 or attempt == _BUSY_RETRIES - 1:
                        raise
                    time.sleep(0.005)
            return keystore.finish_session(handle, HuksOptions(in_data=data)).out_data

    def encrypt(self, alias: str, secret: bytes, aad: bytes) -> bytes:
        """``ciphertext ‖ tag ‖ nonce`` of ``secret`` under the key ``alias``, bound to ``aad``."""
        nonce = secrets.token_bytes(NONCE_LEN)
        params = [
            *_GCM,
            HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
            HuksParam(HuksTag.HUKS_TAG_NONCE, nonce),
            HuksParam(HuksTag.HUKS_TAG_ASSOCIATED_DATA, aad),
        ]
        out = self._run("encrypt the secret", alias, params, secret)
        if len(out) != len(secret) + TAG_LEN:
            raise AssetError(ErrorCode.CRYPTO_ERROR, detail="the keystore returned a malformed ciphertext")
        return out + nonce

    def decrypt(self, alias: str, blob: bytes, aad: bytes) -> bytes:
        """The secret in ``blob`` (``ciphertext ‖ tag ‖ nonce``). A short blob or a failed tag → 24000007;
        a missing key → 24000002."""
        if not isinstance(blob, bytes) or len(blob) <= TAG_LEN + NONCE_LEN:
            raise _corrupt("the stored secret is too short")
        ct, tag, nonce = (
            blob[: -TAG_LEN - NONCE_LEN],
            blob[-TAG_LEN - NONCE_LEN : -NONCE_LEN],
            blob[-NONCE_LEN:],
        )
        params = [
            *_GCM,
            HuksParam(HuksTag.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT),
            HuksParam(HuksTag.HUKS_TAG_NONCE, nonce),
            HuksParam(HuksTag.HUKS_TAG_ASSOCIATED_DATA, aad),
            HuksParam(HuksTag.HUKS_TAG_AE_TAG, tag),
        ]
        return self._run("decrypt the secret", alias, params, ct)


@dataclass
class _Session:
    bucket: tuple[str, str]
    store: int
    challenge: bytes
    alias: str
    valid_seconds: int
    start: float


#: The clock of the challenge cache (a module attribute so that tests can move time).
clock: Callable[[], float] = time.monotonic


class ChallengeCache:
    """The live pre_query sessions of this process: at most ``per_owner`` per owner bucket and ``total``
    in all (upstream: 16 and 32); expired ones (older than their validity) are dropped first on every
    add and find. Thread-safe."""

    def __init__(self, per_owner: int = 16, total: int = 32) -> None:
        self.per_owner = per_owner
        self.total = total
        self._lock = threading.Lock()
        self._sessions: list[_Session] = []

    def _expire(self) -> None:
        now = clock()
        self._sessions = [s for s in self._sessions if now - s.start <= s.valid_seconds]

    def add(self, bucket: tuple[str, str], store: int, alias: str, valid_seconds: int) -> bytes:
        """A new 32-byte challenge. Raises 24000016 beyond the limits."""
        with self._lock:
            self._expire()
            if len(self._sessions) >= self.total or (
                sum(1 for s in self._sessions if s.bucket == bucket) >= self.per_owner
            ):
                raise AssetError(
                    ErrorCode.LIMIT_EXCEEDED,
                    detail=f"at most {self.per_owner} pre_query challenges per owner and {self.total} in all",
                )
            challenge = secrets.token_bytes(CHALLENGE_LEN)
            self._sessions.append(_Session(bucket, store, challenge, alias, valid_seconds, clock()))
            return challenge

    def find(self, bucket: tuple[str, str], challenge: bytes) -> str | None:
        """The key alias of the live session ``challenge`` of ``bucket``, or None."""
        with self._lock:
            self._expire()
            for s in self._sessions:
                if s.bucket == bucket and secrets.compare_digest(s.challenge, challenge):
                    return s.alias
            return None

    def remove(self, bucket: tuple[str, str], challenge: bytes) -> None:
        """Drop the session (an unknown challenge is not an error)."""
        with self._lock:
            self._sessions = [
                s
                for s in self._sessions
                if not (s.bucket == bucket and secrets.compare_digest(s.challenge, challenge))
            ]

    def drop_store(self, store: int) -> None:
        """Drop every session that the store object ``store`` (its ``id``) created."""
        with self._lock:
            self._sessions = [s for s in self._sessions if s.store != store]

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._sessions)


CHALLENGES: Final = ChallengeCache()
