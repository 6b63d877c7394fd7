"""Opening a token: the RFC 7512 URI, the process-wide login, worker sessions.

Login is per application on a token (PKCS#11 §5.6), and python-pkcs11's ``Session.close()`` logs out
every session. So each process logs in once per token, on a long-lived *holder* session that only the
last ``TokenConnection.close()`` of that token closes; the work runs on PIN-less *worker* sessions from
a pool (one per thread in steady state, one per streaming operation while it runs). ``run`` retries
once after re-login on CKR_USER_NOT_LOGGED_IN, once on a fresh session when the session is gone, and
once with a cold object cache when a cached handle went stale (the object was destroyed by another
process, or re-created). CKR_USER_ALREADY_LOGGED_IN counts as success (SoftHSMv2#228).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, TypeVar

from pkcs11 import exceptions as px

from hukspy.errors import HuksError
from hukspy_pkcs11._native import CkrError, Module, load

if TYPE_CHECKING:
    from pkcs11.types import Object, Session, Slot, Token

__all__ = ["PIN_ENV", "TokenConnection", "TokenUri", "Worker", "parse_uri"]

T = TypeVar("T")

_PATH_ATTRS: Final = frozenset({"token", "serial", "slot-id", "manufacturer", "model"})
_QUERY_ATTRS: Final = frozenset({"module-path", "pin-value", "pin-source", "fallback"})
#: The environment variable that gives the user PIN when the URI has neither pin-value nor pin-source.
PIN_ENV: Final = "HUKSPY_PIN"


@dataclass(frozen=True, repr=False)
class TokenUri:
    """The parts of a ``pkcs11:`` keystore URI hukspy uses. ``repr`` never shows the PIN."""

    module_path: str
    token: str | None = None
    serial: str | None = None
    slot_id: int | None = None
    manufacturer: str | None = None
    model: str | None = None
    pin: str | None = None
    sealed_fallback: bool = False

    def __repr__(self) -> str:
        return (f"TokenUri(token={self.token!r}, serial={self.serial!r}, slot_id={self.slot_id}, "
                f"module_path={self.module_path!r}, pin={'<set>' if self.pin else None}, "
                f"sealed_fallback={self.sealed_fallback})")


def _attrs(text: str, sep: str, allowed: frozenset[str], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, text.split(sep)):
        name, eq, value = part.partition("=")
        if not eq or not name:
            raise HuksError(401, f'the pkcs11 URI {where} attribute "{name}" has no value')
        if name not in allowed and not name.startswith("x-"):
            raise HuksError(401, f'the pkcs11 URI {where} attribute "{name}" is not supported')
        if name in out:
            raise HuksError(401, f'the pkcs11 URI {where} attribute "{name}" appears twice')
        out[name] = urllib.parse.unquote(value)
    return out


def parse_uri(location: str) -> TokenUri:
    """Parse the text after ``pkcs11:`` (RFC 7512): path ``token``, ``serial``, ``slot-id``,
    ``manufacturer``, ``model``; query ``module-path``, ``pin-value``, ``pin-source=file:...``, and
    hukspy's ``fallback=sealed``. ``module-path`` defaults to ``$HUKSPY_PKCS11_MODULE``; without
    ``pin-value`` and ``pin-source`` the PIN is ``$HUKSPY_PIN`` (docs/pkcs11.md: a PIN in the URI of a
    command line is readable by every local user in ``/proc/<pid>/cmdline``; the environment is not).

    Raises ``HuksError`` 401 for a malformed URI, 12000004 when the pin-source file cannot be read.
    """
    path, _, query = location.partition("?")
    p = _attrs(path, ";", _PATH_ATTRS, "path")
    q = _attrs(query, "&", _QUERY_ATTRS, "query")
    module = q.get("module-path") or os.environ.get("HUKSPY_PKCS11_MODULE")
    if not module:
        raise HuksError(401, "the pkcs11 URI needs module-path= (or $HUKSPY_PKCS11_MODULE)")
    slot_id: int | None = None
    if "slot-id" in p:
        try:
            slot_id = int(p["slot-id"], 0)
        except ValueError as exc:
            raise HuksError(401, "the pkcs11 URI slot-id must be a number") from exc
    if "pin-value" in q and "pin-source" in q:
        raise HuksError(401, "the pkcs11 URI has both pin-value and pin-source")
    pin = q.get("pin-value")
    if "pin-source" in q:
        source = q["pin-source"]
        file = source[len("file:"):] if source.startswith("file:") else source
        if file.startswith("//"):
            file = urllib.parse.urlparse("file:" + file).path
        try:
            with open(file, encoding="utf-8") as f:
                pin = f.read().rstrip("\r\n")
        except OSError as exc:
            raise HuksError(12000004, f"read the PIN source file ({exc.strerror})") from exc
    if pin is None:
        pin = os.environ.get(PIN_ENV) or None
    fallback = q.get("fallback")
    if fallback not in (None, "sealed", "none"):
        raise HuksError(401, 'the pkcs11 URI fallback must be "sealed" or "none"')
    return TokenUri(module, p.get("token"), p.get("serial"), slot_id, p.get("manufacturer"), p.get("model"),
                    pin, fallback == "sealed")


@dataclass(eq=False)
class Worker:
    """A PIN-less session and its cache of objects found through it (by CKA_ID and class)."""

    session: Session
    cache: dict[tuple[bytes, int], Object] = field(default_factory=dict)

    @property
    def handle(self) -> int:
        h: int = self.session.handle  # type: ignore[attr-defined]  # the Cython Session has it
        return h


@dataclass(eq=False)
class _Login:
    holder: Session
    pin_digest: bytes
    refs: int = 0


_PIN_SALT: Final = secrets.token_bytes(16)


def _pin_digest(pin: str | None) -> bytes:
    """A salted digest of the PIN (per-process salt), to check later opens without keeping the PIN."""
    return hashlib.sha256(_PIN_SALT + (pin or "").encode()).digest()


_logins: dict[tuple[str, bytes], _Login] = {}
_logins_lock = threading.Lock()

_STALE_SESSION: Final = (px.SessionHandleInvalid, px.SessionClosed)
_STALE_OBJECT: Final = (px.KeyHandleInvalid, px.ObjectHandleInvalid)


def _ckr(exc: BaseException) -> int | None:
    return exc.ckr if isinstance(exc, CkrError) else None


def _serial(tok: Token) -> bytes:
    serial = tok.serial
    return serial if isinstance(serial, bytes) else str(serial).encode()


#: Token look-ups at open: SoftHSM2 reads its token files at C_Initialize and for C_GetTokenInfo, and
#: while another process rewrites them it answers CKR_GENERAL_ERROR or leaves the token out of its list
#: for good (seen with 4 processes opening one token at once). A look-up that finds nothing is tried
#: again after a short back-off, re-initialising the module first when no session of this process is
#: open on it; a token that is really absent costs about 0.7 s to report.
_LOOKUP_ATTEMPTS: Final = 8


def _find_token(module: Module, uri: TokenUri) -> Token:
    for attempt in range(1, _LOOKUP_ATTEMPTS + 1):
        try:
            found = [tok for slot in module.lib.get_slots(token_present=True) if (tok := _match(slot, uri))]
        except px.GeneralError:
            if attempt == _LOOKUP_ATTEMPTS:
                raise
            found = []
        if len(found) > 1:
            raise HuksError(401, "several PKCS#11 tokens match the URI; add serial= to it")
        if found:
            return found[0]
        if attempt < _LOOKUP_ATTEMPTS:
            time.sleep(0.02 * attempt)
            with _logins_lock:
                if not any(path == module.path for path, _serial_ in _logins):
                    module.rescan()
    raise HuksError(12000012, "no PKCS#11 token matches the URI")


def _match(slot: Slot, uri: TokenUri) -> Token | None:
    """The slot's token when it matches every attribute the URI names, else None."""
    if uri.slot_id is not None and slot.slot_id != uri.slot_id:
        return None
    tok = slot.get_token()
    serial = _serial(tok).decode("ascii", "replace").strip()
    if uri.token is not None and tok.label.strip() != uri.token:
        return None
    if uri.serial is not None and serial != uri.serial:
        return None
    if uri.manufacturer is not None and tok.manufacturer_id.strip() != uri.manufacturer:
        return None
    if uri.model is not None and tok.model.strip() != uri.model:
        return None
    return tok


class _RWLock:
    """Many readers or one writer; a waiting writer blocks new readers (no writer starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class TokenConnection:
    """A logged-in token: worker sessions and the retry rules of the module docstring.

    Raises ``HuksError`` at open: 12000012 (module or token missing), 12000008 (wrong PIN),
    12000007 (PIN locked), 401 (ambiguous URI).
    """

    def __init__(self, uri: TokenUri) -> None:
        self.uri = uri
        try:
            self.module = load(uri.module_path)
        except OSError as exc:
            raise HuksError(12000012, f"load the PKCS#11 module {uri.module_path}") from exc
        self.token = _find_token(self.module, uri)
        self._key = (uri.module_path, _serial(self.token))
        self._pool: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._rw = _RWLock()
        self._closed = False
        self._login(first=True)

    # ---- login

    def _open_holder(self) -> Session:
        if self.uri.pin is None:
            return self.token.open(rw=True)
        try:
            return self.token.open(rw=True, user_pin=self.uri.pin)
        except px.UserAlreadyLoggedIn:
            return self.token.open(rw=True)  # logged in already (by this process): success

    def _login(self, first: bool) -> None:
        digest = _pin_digest(self.uri.pin)
        with _logins_lock:
            login = _logins.get(self._key)
            if login is not None and not hmac.compare_digest(login.pin_digest, digest):
                # The token is logged in for this process already, so C_Login cannot check this PIN:
                # hukspy does, against the PIN of that login.
                raise HuksError(12000008, "the PIN differs from the one this process logged in with")
            if login is None or not first:
                holder = self._open_holder()
                if login is None:
                    login = _Login(holder, digest)
                    _logins[self._key] = login
                else:
                    login.holder = holder
            if first:
                login.refs += 1

    def relogin(self) -> None:
        """Log in again (after CKR_USER_NOT_LOGGED_IN). Raises python-pkcs11 errors (PIN → 12000008)."""
        self._login(first=False)

    # ---- workers

    def acquire(self) -> Worker:
        """A worker session for the caller's exclusive use until ``release``."""
        with self._lock:
            if self._closed:
                raise HuksError(12000012, "use a closed PKCS#11 keystore")
            if self._pool:
                return self._pool.pop()
        worker = Worker(self.token.open(rw=True))
        with self._lock:
            self._all.add(worker)
        return worker

    def release(self, worker: Worker) -> None:
        """Give a worker back (its operations finished)."""
        with self._lock:
            if not self._closed and worker in self._all:
                self._pool.append(worker)
                return
        self._drop(worker)

    def _drop(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        with contextlib.suppress(px.PKCS11Error):
            worker.session.close()

    def discard(self, worker: Worker) -> None:
        """Close a worker whose session is broken (or whose operation could not be cancelled)."""
        self._drop(worker)

    def forget(self, key_id: bytes) -> None:
        """Drop ``key_id`` from every worker's object cache (the objects were destroyed)."""
        with self._lock:
            workers = list(self._all)
        for w in workers:
            for k in [k for k in w.cache if k[0] == key_id]:
                w.cache.pop(k, None)

    def run(self, fn: Callable[[Worker], T], *, write: bool = False) -> T:
        """Run ``fn`` on a worker with the retries of the module docstring. ``write=True`` for calls
        that create, change or destroy token objects: they run alone (SoftHSM2 2.6 fails object writes
        with CKR_GENERAL_ERROR when other sessions read the object store at the same time, even with
        OS locking; SoftHSMv2#573), everything else runs in parallel."""
        result, worker = self._attempt(fn, write)
        self.release(worker)
        return result

    def take(self, fn: Callable[[Worker], object]) -> Worker:
        """Like ``run``, but keep the worker (for a multi-part operation ``fn`` started); the caller
        releases it."""
        return self._attempt(fn, False)[1]

    def _attempt(self, fn: Callable[[Worker], T], write: bool) -> tuple[T, Worker]:
        relogged = fresh = cold = False
        while True:
            worker = self.acquire()
            try:
                with self._rw.write() if write else self._rw.read():
                    return fn(worker), worker
            except BaseException as exc:
                ckr = _ckr(exc)
                if (isinstance(exc, px.UserNotLoggedIn) or ckr == 0x101) and not relogged:
                    relogged = True
                    self.release(worker)
                    self.relogin()
                    continue
                if (isinstance(exc, _STALE_SESSION) or ckr in (0xB0, 0xB3)) and not fresh:
                    fresh = True
                    self.discard(worker)
                    continue
                if (isinstance(exc, _STALE_OBJECT) or ckr in (0x60, 0x82)) and not cold:
                    cold = True
                    worker.cache.clear()
                    self.release(worker)
                    continue
                self.release(worker)
                raise

    def close(self) -> None:
        """Close every worker; the last connection of the process to this token logs out. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._all)
            self._pool.clear()
        for w in workers:
            self._drop(w)
        with _logins_lock:
            login = _logins.get(self._key)
            if login is not None:
                login.refs -= 1
                if login.refs <= 0:
                    del _logins[self._key]
                    with contextlib.suppress(px.PKCS11Error):
                        login.holder.close()
