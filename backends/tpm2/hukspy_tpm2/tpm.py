"""One TPM connection: the ESAPI context behind a lock, the storage root key, and the object slots.

``Tpm`` owns one TCTI and one ESAPI context (ESAPI is not thread-safe, so every TPM command runs under
``Tpm.lock``), re-creates the deterministic storage root key (SRK) under the owner hierarchy, and
manages the TPM's few transient object slots (swtpm has 3, shared by the SRK, keys and HMAC sequences)
with an LRU: keys are loaded from their blobs on use and stay loaded until another object needs the
slot; a command that fails with ``OBJECT_MEMORY`` (or another slot-exhaustion code) is retried after
evicting the least recently used key, and fails with that code (→ 12000010) only when nothing is left
to evict.

Fault handling: when the TCTI fails (swtpm stopped, device gone) the command raises (→ 12000005) and
the connection is marked broken; the next command reconnects, flushes what is left in the TPM, re-creates
the SRK and starts with empty slots. Key blobs survive a TPM restart (the owner seed is persistent),
so every key works again once the TPM is back.

At open (and at every reconnect) every transient object and loaded session in the TPM is flushed: with
the ``swtpm``/``mssim``/``device:/dev/tpm0`` TCTIs there is no resource manager, and objects leaked by
a crashed process would otherwise keep the slots. This assumes one owner process per TPM; with
``tabrmd:`` or ``device:/dev/tpmrm0`` the resource manager virtualises handles, so only this
connection's own handles are visible and flushed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Final, TypeVar

from tpm2_pytss import ESAPI, TCTILdr, TSS2_Exception
from tpm2_pytss.constants import ESYS_TR, TPM2_CAP, TPM2_HT, TPMA_OBJECT
from tpm2_pytss.types import TPM2B_PRIVATE, TPM2B_PUBLIC

from hukspy.backend import BackendClosedError
from hukspy_tpm2.errors import LAYER_ESAPI, LAYER_TCTI, SLOT_EXHAUSTED, connection_lost, decode_rc

__all__ = ["SRK_TEMPLATE", "Tpm"]

T = TypeVar("T")

#: The storage root key: ECC P-256 with AES-128-CFB, NODA, the tpm2-tools createprimary attributes.
#: Deterministic: the same template under the same owner seed gives the same key after every restart.
SRK_TEMPLATE: Final = "ecc256:aes128cfb"
_SRK_ATTRS: Final = TPMA_OBJECT.DEFAULT_TPM2_TOOLS_CREATEPRIMARY_ATTRS | TPMA_OBJECT.NODA
_TCTI_BROKEN: Final = frozenset({1, 8, 9, 10, 17, 19, 49})  # TSS2_BASE_RC_* meaning "no TPM on the line"
_TPM2_CC_FLUSH_CONTEXT: Final = 0x165


def _is_transport_failure(exc: TSS2_Exception) -> bool:
    layer, base = decode_rc(int(exc.rc))
    return layer in (LAYER_TCTI, LAYER_ESAPI) and base in _TCTI_BROKEN


def _slot_exhausted(exc: TSS2_Exception) -> bool:
    layer, base = decode_rc(int(exc.rc))
    return layer == "tpm" and base in SLOT_EXHAUSTED


def blob_id(pub: bytes, priv: bytes) -> bytes:
    """The slot table's key for a blob."""
    return hashlib.blake2b(pub + priv, digest_size=16).digest()


_REGISTRY: dict[str, Tpm] = {}
_REGISTRY_LOCK = threading.Lock()
_STALE_HANDLE: Final = frozenset({0x08B, 0x910, 0x911, 0x912, 0x913, 0x914, 0x915, 0x916})


def _stale_handle(exc: TSS2_Exception) -> bool:
    layer, base = decode_rc(int(exc.rc))
    return layer == "tpm" and base in _STALE_HANDLE


class Tpm:
    """The TPM behind one TCTI string (``name:conf``, e.g. ``swtpm:host=127.0.0.1,port=2321``).

    Every method that talks to the TPM must be called with ``lock`` held (``run`` does that).
    Raises ``TSS2_Exception`` (the backend's ``translate`` maps it: docs/tpm2.md, "Errors").
    """

    @classmethod
    def acquire(cls, tcti: str) -> Tpm:
        """The process's one connection to the TPM behind ``tcti`` (shared by every Keystore opened on
        it, so that they do not flush each other's objects); ``close`` releases it."""
        with _REGISTRY_LOCK:
            tpm = _REGISTRY.get(tcti)
            if tpm is not None and not tpm._closed:
                tpm._users += 1
                return tpm
            tpm = cls(tcti)
            _REGISTRY[tcti] = tpm
            return tpm

    def __init__(self, tcti: str) -> None:
        self._users = 1
        self.tcti = tcti
        self.lock = threading.RLock()
        self._tctx: TCTILdr | None = None
        self._ectx: ESAPI | None = None
        self._srk: ESYS_TR | None = None
        self.srk_public: TPM2B_PUBLIC | None = None
        self._slots: OrderedDict[bytes, ESYS_TR] = OrderedDict()
        self._pinned: set[bytes] = set()
        self._srk_busy = 0  # > 0 while a command runs under the SRK: it must not be evicted then
        self._closed = False
        self.generation = 0  # bumped at every (re)connect: saved contexts of older generations are dead
        os.environ.setdefault("TSS2_LOG", "all+none")  # ESAPI logs errors to stderr otherwise
        with self.lock:
            self._connect()

    # ------------------------------------------------------------ connection

    def _connect(self) -> None:
        name, _, conf = self.tcti.partition(":")
        self._drop()
        self._tctx = TCTILdr(name, conf or None)
        self._ectx = ESAPI(self._tctx)
        self.flush_stale()
        self._create_srk()
        self.generation += 1

    def _create_srk(self) -> ESYS_TR:
        srk, srk_pub, *_ = self.with_slot(
            lambda: self.esapi.create_primary(
                None, TPM2B_PUBLIC.parse(SRK_TEMPLATE, objectAttributes=_SRK_ATTRS)
            )
        )
        self._srk, self.srk_public = srk, srk_pub
        return srk

    def _drop(self) -> None:
        """Forget the current connection (its ESYS_TRs are meaningless after a TPM restart)."""
        self._slots.clear()
        self._pinned.clear()
        self._srk = None
        ectx, self._ectx = self._ectx, None
        tctx, self._tctx = self._tctx, None
        if ectx is not None:
            with contextlib.suppress(Exception):
                ectx.close()
        if tctx is not None:
            with contextlib.suppress(Exception):
                tctx.close()

    @property
    def esapi(self) -> ESAPI:
        if self._ectx is None:
            raise connection_lost()
        return self._ectx

    @property
    def srk(self) -> ESYS_TR:
        """The SRK's handle, re-created when it was evicted (use inside ``with_slot(..., uses_srk=True)``)."""
        return self._srk if self._srk is not None else self._create_srk()

    def run(self, fn: Callable[[Tpm], T]) -> T:
        """Run ``fn`` under the lock, reconnecting first when the last command lost the TPM. When a
        handle this connection holds turns out to be gone (flushed behind its back), forget every
        handle and run ``fn`` once more."""
        with self.lock:
            if self._closed:
                raise BackendClosedError("the TPM keystore is closed")
            for attempt in (1, 2):
                try:
                    if self._ectx is None:
                        self._connect()
                    return fn(self)
                except TSS2_Exception as exc:
                    if _is_transport_failure(exc):
                        self._drop()
                    elif attempt == 1 and _stale_handle(exc):
                        self._resync()
                        continue
                    raise
            raise AssertionError("unreachable")  # pragma: no cover

    def _resync(self) -> None:
        """Forget every cached handle and re-create the SRK (objects were flushed by someone else)."""
        e = self.esapi
        for h in [*self._slots.values(), *([self._srk] if self._srk is not None else [])]:
            with contextlib.suppress(Exception):
                e.flush_context(h)
            with contextlib.suppress(Exception):
                e.tr_close(h)
        self._slots.clear()
        self._pinned.clear()
        self._srk = None
        self._create_srk()

    def close(self) -> None:
        """Release this user of the connection; the last one flushes its objects and closes it.
        Idempotent per user (the backend calls it once)."""
        with _REGISTRY_LOCK:
            self._users -= 1
            if self._users > 0:
                return
            if _REGISTRY.get(self.tcti) is self:
                del _REGISTRY[self.tcti]
        with self.lock:
            if self._closed:
                return
            self._closed = True
            ectx = self._ectx
            if ectx is not None:
                for h in [*self._slots.values(), *([self._srk] if self._srk is not None else [])]:
                    with contextlib.suppress(Exception):
                        ectx.flush_context(h)
            self._drop()

    # ------------------------------------------------------------ stale handles

    def _raw_flush(self, handle: int) -> None:
        """TPM2_FlushContext on a raw TPM handle (ESAPI cannot name a sequence it did not create)."""
        assert self._tctx is not None  # noqa: S101 - called only while connected
        cmd = struct.pack(">HIII", 0x8001, 14, _TPM2_CC_FLUSH_CONTEXT, handle)
        self._tctx.transmit(cmd)
        self._tctx.receive()

    def flush_stale(self) -> int:
        """Flush every transient object and loaded session in the TPM; return how many."""
        n = 0
        for ht in (TPM2_HT.TRANSIENT, TPM2_HT.LOADED_SESSION):
            _, data = self.esapi.get_capability(TPM2_CAP.HANDLES, int(ht) << 24, 64)
            handles = data.data.handles
            for i in range(handles.count):
                self._raw_flush(int(handles.handle[i]))
                n += 1
        return n

    # ------------------------------------------------------------ slots

    def _evict_one(self) -> bool:
        """Flush the least recently used key that is not pinned; failing that, the SRK (re-created
        on its next use) unless a command under it is running. False when nothing can go."""
        for kid in self._slots:
            if kid not in self._pinned:
                h = self._slots.pop(kid)
                self.esapi.flush_context(h)
                return True
        if self._srk is not None and not self._srk_busy:
            srk, self._srk = self._srk, None
            self.esapi.flush_context(srk)
            return True
        return False

    def with_slot(self, fn: Callable[[], T], *, uses_srk: bool = False) -> T:
        """Run a command that needs a free object slot, evicting LRU keys (then the SRK, unless
        ``uses_srk``) while it fails for lack of one. When nothing can be evicted the TPM's own
        slot-exhaustion error propagates (→ 12000010)."""
        self._srk_busy += uses_srk
        try:
            while True:
                try:
                    return fn()
                except TSS2_Exception as exc:
                    if not _slot_exhausted(exc):
                        raise
                    if not self._evict_one():
                        raise
        finally:
            self._srk_busy -= uses_srk

    def key(self, pub: bytes, priv: bytes, kid: bytes | None = None) -> ESYS_TR:
        """The loaded handle of the key in the blob (``TPM2B_PUBLIC``, ``TPM2B_PRIVATE`` marshalled),
        loading it under the SRK if needed. The handle stays valid until the next ``key``/``with_slot``
        that evicts it, so use it at once (the caller holds the lock). A blob the TPM rejects raises
        ``TSS2_Exception`` (INTEGRITY etc. → 12000004)."""
        if kid is None:
            kid = blob_id(pub, priv)
        h = self._slots.get(kid)
        if h is not None:
            self._slots.move_to_end(kid)
            return h
        tpub, _ = TPM2B_PUBLIC.unmarshal(pub)
        tpriv, _ = TPM2B_PRIVATE.unmarshal(priv)
        h = self.with_slot(lambda: self.esapi.load(self.srk, tpriv, tpub), uses_srk=True)
        self._slots[kid] = h
        return h

    @contextlib.contextmanager
    def pinned(self, pub: bytes, priv: bytes) -> Iterator[ESYS_TR]:
        """``key`` that cannot be evicted while the block runs (for commands needing a second slot)."""
        h = self.key(pub, priv)
        kid = blob_id(pub, priv)
        self._pinned.add(kid)
        try:
            yield h
        finally:
            self._pinned.discard(kid)

    def forget(self, pub: bytes, priv: bytes) -> None:
        """Flush the key if it is loaded (delete)."""
        h = self._slots.pop(blob_id(pub, priv), None)
        if h is not None:
            self.esapi.flush_context(h)

    def loaded(self) -> int:
        """How many keys the slot table holds (tests)."""
        return len(self._slots)
