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

from cryptography.exceptions import (
    AlreadyFinalized,
    AlreadyUpdated,
    InternalError,
    InvalidKey,
    InvalidSignature,
    InvalidTag,
    NotYetFinalized,
    UnsupportedAlgorithm,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hukspy import attestation, formats
from hukspy.backend import (
    Action,
    BackendClosedError,
    ByCall,
    Capabilities,
    ErrorTable,
    InvalidLocationError,
    Operation,
    RecordStore,
    Translation,
    UnsupportedError,
)
from hukspy.enums import HuksKeyAlg
from hukspy.records import load_or_create_master_key, private_dir
from hukspy.software import engine, sm2
from hukspy.software.attest import AttestationCa, load_or_create_ca
from hukspy.software.caps import software_capabilities
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

if TYPE_CHECKING:
    from hukspy.records import SqliteRecordStore

__all__ = ["ERROR_TABLE", "SoftwareBackend", "SoftwareFactory", "software_directory"]

# ---- the one error table -------------------------------------------------------------------------
# Native exception class → HUKS code, one code or a ``ByCall`` per ``Action``. The most specific class
# in the exception's MRO wins. Reasoning for ValueError/TypeError:
# - IMPORT: the material does not match the declared algorithm/size (upstream -19 → 401);
# - UPDATE/FINISH: the data fails in the primitive (bad padding, a peer key of another curve, a
#   signature that is not even well-formed, a value too long for the key) → 12000006, upstream's
#   CRYPTO_ENGINE_ERROR;
# - everything else (begin, generate, public_key): the engine rejects a parameter (IV/nonce/tag length,
#   key type) → 12000003, upstream's INVALID_* family.
_DATA_FAILS: Final = ByCall(
    default=12000003,
    actions={Action.IMPORT: 401, Action.UPDATE: 12000006, Action.FINISH: 12000006},
)
#: The software backend's one error table (also the table of the hardware backends' sealed keys, which
#: run on this engine: ``hukspy.backend.sealed.translate``).
ERROR_TABLE: Final = ErrorTable(
    codes={
        InvalidSignature: 12000006,
        InvalidTag: 12000006,
        UnsupportedAlgorithm: 12000001,
        engine.BufferLimitError: 401,  # upstream MAX_BUF_SIZE (5 MiB) → -3 → 401
        engine.CcmLimitError: 12000012,  # upstream AES-CCM > 100 KiB → -141 → 12000012
        engine.BlockLengthError: 401,  # upstream CheckBlockCipherOther → -3 → 401
        engine.Sm2LengthError: 401,  # upstream SetDigestIfNeeded (hks_openssl_sm2.c): INVALID_ARGUMENT → 401
        engine.PrehashLengthError: 401,  # upstream RSA-PSS DIGEST_NONE: INVALID_KEY_INFO -19 → 401
        sm2.Sm2UnavailableError: 12000001,  # no libcrypto.so.3 with SM2 (then SM2 is not declared either)
        ValueError: _DATA_FAILS,
        TypeError: _DATA_FAILS,
        sqlite3.Error: 12000004,
        OSError: 12000004,
        MemoryError: 12000014,
    },
    unmapped={
        engine.EngineError: "the engine's base class: only its subclasses are raised, each mapped",
        engine.EngineLimitError: "the base of the two limit errors, each mapped",
        AlreadyFinalized: "the engine finalizes each pyca context once (the facade ends the session)",
        AlreadyUpdated: "raised only by pyca AEAD contexts updated after their AAD, which the engine avoids",
        NotYetFinalized: "raised only when a GCM tag is read early, which the engine never does",
        InvalidKey: "raised only by KDF.verify, which the engine never calls",
        InternalError: "an OpenSSL bug: the facade's 12000012 (an external error) is the honest answer",
    },
    info={
        401: "the input exceeds what the software engine accepts",
        12000001: "algorithm or mode on the software backend",
        12000003: "crypto parameter for the software engine",
        12000004: "access the software keystore files",
    },
    use_text=frozenset({401}),
)
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
        ``sqlite3.Error`` (→ 12000004 through ``translate``), ``BackendClosedError`` (→ 12000012)."""
        with self._lock:
            if self._closed:
                raise BackendClosedError("the software backend is closed")
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
        docstring). Raises ``UnsupportedError`` (→ 12000001) for a key a certificate cannot hold (DH),
        ``OSError`` (→ 12000004) when the CA cannot be created."""
        spki = engine.public_key(ref, spec)
        # SM2: pyca has no SM2 key object, so the leaf is built around the SubjectPublicKeyInfo itself
        public = spki if spec.alg == HuksKeyAlg.HUKS_ALG_SM2 else formats.load_public(spec.alg, spki)
        if not isinstance(public, (*_CERTIFIABLE, bytes)):
            raise UnsupportedError("attestation of DH keys (an X.509 certificate cannot hold one)")
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

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """Map a native error through ``ERROR_TABLE``; None when the exception is not one of ours."""
        return ERROR_TABLE.translate(exc, action, kind)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            records, self._records = self._records, None
        if records is not None:
            records.close()


def software_directory(location: str, home: str) -> str:
    """The directory of the software keystore ``software:LOCATION``: ``LOCATION`` (``~`` expanded), or
    ``home/software`` when it is empty (docs/architecture.md)."""
    return os.path.expanduser(location) if location else os.path.join(home, "software")


class SoftwareFactory:
    """The ``hukspy.backends`` entry point for the ``software`` scheme."""

    def open(self, location: str, *, home: str) -> SoftwareBackend:
        """``location`` is a directory (empty: ``home/software``). Raises ``InvalidLocationError`` (→ 401)
        when it carries a query (the software backend takes no options)."""
        if "?" in location:
            raise InvalidLocationError("the software keystore URI takes no options")
        return SoftwareBackend(software_directory(location, home))

    def available(self) -> tuple[bool, str]:
        return True, ""

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """``ERROR_TABLE``, for errors raised while opening."""
        return ERROR_TABLE.translate(exc, action, kind)
