"""The software backend: keys as software refs in a SQLite record store, crypto by ``engine``.

``software:`` keeps its files in ``$HUKSPY_HOME/software``; ``software:/some/dir`` in ``/some/dir``.
The ref of a key is the key material itself (``engine`` documents the format); the record store keeps
it encrypted at rest.

**Wrap** (``wrap_key_item``): the blob is ``nonce(12) ‖ AES-256-GCM(K_wrap, nonce, ref, aad) ‖ tag(16)``
with ``aad = b"hukspy-software-wrap-v1" ‖ binding`` (the facade binds the key's params) and
``K_wrap = HKDF-SHA256(master key, salt = none, info = b"hukspy software wrap key v1", 32 bytes)``, the
master key being the record store's (``records.load_or_create_master_key``; the distinct info string
keeps K_wrap apart from every other use of it). Only a keystore with the same ``master.key`` can unwrap;
a foreign or altered blob fails authentication (``InvalidTag`` → 12000006).

**Attest**: an X.509 chain ``[leaf, intermediate, root]`` from the keystore's attestation CAs
(``hukspy.software.attest``); the leaf carries hukspy's key description extension
(``hukspy.attestation``, docs/attestation.md). DH keys cannot be put in a certificate (12000001).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sqlite3
import threading
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hukspy import attestation, formats
from hukspy.backend import Capabilities, Operation, RecordStore
from hukspy.errors import HuksError
from hukspy.records import load_or_create_master_key, private_dir
from hukspy.software import engine
from hukspy.software.attest import AttestationCa, load_or_create_ca
from hukspy.software.caps import software_capabilities
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

if TYPE_CHECKING:
    from hukspy.records import SqliteRecordStore

__all__ = ["ERROR_MAP", "SoftwareBackend", "SoftwareFactory"]

# ---- the one error table -------------------------------------------------------------------------
# Native exception class → HUKS code, either one code or a code per action ("generate", "import_key",
# "public_key", "begin", "update", "finish", ...; "*" = any other action). The most specific class in
# the exception's MRO wins. Reasoning for ValueError/TypeError:
# - import_key: the material does not match the declared algorithm/size (upstream -19 → 401);
# - begin/generate/public_key: the engine rejects a parameter (IV/nonce/tag length, key type, exporting
#   a symmetric key) → 12000003, upstream's INVALID_* family;
# - update/finish: the data fails in the primitive (bad padding, wrong peer key, a signature that is
#   not even well-formed, a value too long for the key) → 12000006, upstream's CRYPTO_ENGINE_ERROR.
_DATA_FAILS: Final[dict[str, int]] = {
    "import_key": 401,
    "update": 12000006,
    "finish": 12000006,
    "*": 12000003,
}
ERROR_MAP: Final[dict[type[BaseException], int | dict[str, int]]] = {
    InvalidSignature: 12000006,
    InvalidTag: 12000006,
    UnsupportedAlgorithm: 12000001,
    engine.BufferLimitError: 401,  # upstream MAX_BUF_SIZE (5 MiB) → -3 → 401
    engine.CcmLimitError: 12000012,  # upstream AES-CCM > 100 KiB → -141 → 12000012
    engine.BlockLengthError: 401,  # upstream CheckBlockCipherOther → -3 → 401
    ValueError: _DATA_FAILS,
    TypeError: _DATA_FAILS,
    sqlite3.Error: 12000004,
    OSError: 12000004,
    MemoryError: 12000014,
}
#: Public keys an X.509 certificate can hold (every software key type but DH).
_CERTIFIABLE: Final = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    dsa.DSAPublicKey,
    ed25519.Ed25519PublicKey,
    x25519.X25519PublicKey,
)
_WRAP_INFO: Final = b"hukspy software wrap key v1"
_WRAP_AAD: Final = b"hukspy-software-wrap-v1"
_NONCE: Final = 12
_TAG: Final = 16

_INFO: Final[dict[int, str]] = {
    401: "the input exceeds what the software engine accepts",
    12000001: "algorithm or mode on the software backend",
    12000003: "crypto parameter for the software engine",
    12000004: "access the software keystore files",
}


def translate(exc: BaseException, action: str) -> HuksError | None:
    """The software engine's errors through ``ERROR_MAP`` (also for the hardware backends' sealed keys,
    which run on this engine); None when the exception is not one of the engine's."""
    if isinstance(exc, HuksError):
        return exc
    for cls in type(exc).__mro__:
        entry = ERROR_MAP.get(cls)
        if entry is None:
            continue
        code = entry if isinstance(entry, int) else entry.get(action, entry["*"])
        info = str(exc) if code == 401 and str(exc) else _INFO.get(code, "")
        return HuksError(code, info) if info else HuksError(code)
    return None


class SoftwareBackend:
    """The embedded keystore backend (``name = "software"``). A context manager; ``close`` is idempotent.

    ``directory`` holds the record store (created on first use, mode 0700).
    """

    name = "software"

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        self._records: SqliteRecordStore | None = None
        self._caps = dataclasses.replace(software_capabilities(), attest=True, wrap=True)
        self._closed = False
        self._wrap_aead: AESGCM | None = None
        self._cas: dict[bool, AttestationCa] = {}

    def __repr__(self) -> str:
        return f"SoftwareBackend(directory={self._directory!r})"

    def __enter__(self) -> SoftwareBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def directory(self) -> str:
        return self._directory

    def capabilities(self) -> Capabilities:
        return self._caps

    def records(self) -> RecordStore:
        """The SQLite record store in ``directory`` (opened on first call). Raises ``OSError``/
        ``sqlite3.Error`` (→ 12000004 through ``translate``)."""
        with self._lock:
            if self._closed:
                raise HuksError(12000012, "the software backend is closed")
            if self._records is None:
                from hukspy.records import SqliteRecordStore  # loaded on first use

                self._records = SqliteRecordStore(self._directory)
            return self._records

    def generate(self, spec: KeySpec) -> bytes:
        return engine.generate(spec)

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        return engine.from_material(spec, key)

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        return engine.public_key(ref, spec)

    def delete(self, ref: bytes, spec: KeySpec) -> None:
        """Nothing to do: the ref is the whole key, and the record store drops it."""

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        return engine.begin(ref, spec, op)

    def attest(self, ref: bytes, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
        """``[leaf, intermediate, root]`` (DER) from the keystore's identified or anonymous CA (module
        docstring). Raises ``HuksError`` 12000001 for a key a certificate cannot hold (DH), ``OSError``
        (→ 12000004) when the CA cannot be created."""
        public = formats.load_public(spec.alg, engine.public_key(ref, spec))
        if not isinstance(public, _CERTIFIABLE):
            raise HuksError(12000001, "attestation of DH keys (an X.509 certificate cannot hold one)")
        ca = self._ca(anonymous)
        level = self._caps.security_level
        leaf = attestation.issue_leaf(public, ca.key, ca.intermediate, ids, level, anonymous)
        return [c.public_bytes(serialization.Encoding.DER) for c in (leaf, ca.intermediate, ca.root)]

    def _ca(self, anonymous: bool) -> AttestationCa:
        with self._lock:
            ca = self._cas.get(anonymous)
            if ca is None:
                ca = self._cas[anonymous] = load_or_create_ca(self._directory, anonymous)
            return ca

    def _wrapping(self) -> AESGCM:
        self.records()  # the record store creates the master key, or refuses a store that lost it
        with self._lock:
            if self._wrap_aead is None:
                master = load_or_create_master_key(private_dir(self._directory), create=False)
                kw = HKDF(hashes.SHA256(), 32, None, _WRAP_INFO).derive(master)
                self._wrap_aead = AESGCM(kw)
            return self._wrap_aead

    def wrap(self, ref: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """``ref`` sealed under the keystore's wrapping key, ``binding`` authenticated (module docstring)."""
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._wrapping().encrypt(nonce, ref, _WRAP_AAD + binding)

    def unwrap(self, blob: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """The ref sealed in ``blob``. Raises ``InvalidTag`` (→ 12000006) for a blob this keystore did
        not make for ``binding``, or that was altered."""
        if len(blob) < _NONCE + _TAG + 1:
            raise InvalidTag()
        ref = self._wrapping().decrypt(blob[:_NONCE], blob[_NONCE:], _WRAP_AAD + binding)
        engine.load(ref)  # authentic, so this only guards against a ref format this engine lacks
        return ref

    def translate(self, exc: BaseException, action: str, kind: OpKind | None) -> HuksError | None:
        """Map a native error from ``ERROR_MAP``; None when the exception is not one of ours."""
        return translate(exc, action)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            records, self._records = self._records, None
        if records is not None:
            records.close()


class SoftwareFactory:
    """The ``hukspy.backends`` entry point for the ``software`` scheme."""

    def open(self, location: str, *, home: str) -> SoftwareBackend:
        """``location`` is a directory (empty: ``home/software``). Raises ``HuksError`` 401 when it
        carries a query (the software backend takes no options)."""
        if "?" in location:
            raise HuksError(401, "the software keystore URI takes no options")
        directory = os.path.expanduser(location) if location else os.path.join(home, "software")
        return SoftwareBackend(directory)

    def available(self) -> tuple[bool, str]:
        return True, ""
