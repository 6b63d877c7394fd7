"""``Tpm2Backend``: HUKS keys bound to a TPM 2.0, and its factory (``tpm2:<TCTI>`` URIs).

URI: ``tpm2:<TCTI name>:<TCTI conf>[?fallback=sealed]``, e.g. ``tpm2:swtpm:host=127.0.0.1,port=2321``,
``tpm2:device:/dev/tpmrm0``, ``tpm2:tabrmd:``.

Keys are created inside the TPM (``TPM2_Create`` under the deterministic SRK, attributes
fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|noDA, empty auth) or imported with
``TPM2_Import`` (duplication format; fixedTPM/fixedParent clear, as the TPM requires for imports).
The ref kept in the record store is the marshalled public and private blobs (``refs``), so a key can
only ever be loaded by this TPM. Records are kept in ``$HUKSPY_HOME/tpm2/<id>/keys.db`` where ``<id>``
is the first 16 hex digits of SHA-256 of the TCTI string (``SqliteRecordStore``: WAL, 0600/0700).

RSA and ECC keys carry both the sign and the decrypt attribute with scheme NULL, so one key serves
every padding and ECDH; HMAC keys are keyedhash objects fixed to the key's digest (the TPM requires it);
AES keys are symcipher objects with mode NULL (the mode is picked per session).

Sealed keys (``?fallback=sealed``) are ``hukspy.backend.sealed``'s: ``Sealing`` decides which keys are
sealed (what the TPM lacks, and every AES key: the TPM has no GCM/CCM) and what they add to the
capabilities, ``SealedKeys`` runs them on the software engine, and ``sealed.TpmSeal`` seals them here.

Errors: every method raises native errors only (``TSS2_Exception``, pyca/cryptography's, sqlite3's,
``hukspy.backend``'s native types); ``translate`` is the one table (``errors``), and the facade converts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import urllib.parse
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tpm2_pytss.constants import TPM2_ALG, TPMA_OBJECT
from tpm2_pytss.types import (
    TPM2B_PUBLIC,
    TPM2B_SENSITIVE,
    TPM2B_SENSITIVE_CREATE,
    TPM2B_SENSITIVE_DATA,
    TPMS_SENSITIVE_CREATE,
    TPMT_SENSITIVE,
    TPMT_SYM_DEF_OBJECT,
)
from tpm2_pytss.utils import wrap

from hukspy.backend import (
    Action,
    BackendClosedError,
    Capabilities,
    InvalidKeyMaterialError,
    InvalidLocationError,
    Operation,
    ParameterRejectedError,
    RecordStore,
    Translation,
    UnsupportedError,
)
from hukspy.backend.facts import DIGESTS
from hukspy.backend.sealed import FLAG, SealedKeys, Sealing
from hukspy.enums import HuksKeyAlg, HuksKeyDigest
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

from . import errors, refs
from .caps import TPM_CURVES, TPM_HASHES, TpmInfo, capabilities, probe
from .ops import begin_tpm_op, public_key_of
from .pin import TpmPinVerifier
from .sealed import TpmSeal
from .tpm import Tpm

__all__ = ["Tpm2Backend", "Tpm2Factory", "parse_location"]

A = TPMA_OBJECT
_BASE: Final = A.FIXEDTPM | A.FIXEDPARENT | A.SENSITIVEDATAORIGIN | A.USERWITHAUTH | A.NODA
_IMPORTED: Final = A.USERWITHAUTH | A.NODA
_K = HuksKeyAlg
#: Algorithms whose keys are sealed at every size with ``?fallback=sealed``: a TPM AES key could not
#: serve GCM/CCM, the main HUKS AES modes.
_ALWAYS_SEALED: Final = frozenset({int(_K.HUKS_ALG_AES)})


def parse_location(location: str) -> tuple[str, bool]:
    """``(tcti, fallback_sealed)`` from the URI text after ``tpm2:``. Raises ``InvalidLocationError``
    (→ 401)."""
    tcti, _, query = location.partition("?")
    if not tcti or (":" not in tcti and tcti not in ("device", "tabrmd", "swtpm", "mssim")):
        raise InvalidLocationError(
            'a tpm2 URI is "tpm2:<TCTI name>:<TCTI config>", e.g. tpm2:device:/dev/tpmrm0'
        )
    fallback = False
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if f"{key}={value}" == FLAG:
            fallback = True
        else:
            raise InvalidLocationError(f'unknown tpm2 URI option "{key}={value}" (known: {FLAG})')
    return tcti, fallback


def _hmac_digest(spec: KeySpec) -> int:
    """The HUKS digest of an HMAC key (SHA-256 when it names none)."""
    none = (None, HuksKeyDigest.HUKS_DIGEST_NONE)
    return int(spec.digest if spec.digest not in none else HuksKeyDigest.HUKS_DIGEST_SHA256)


def _digest_alg(spec: KeySpec) -> int:
    """The TPM hash an HMAC key is bound to. Raises ``UnsupportedError`` (→ 12000001) when the TPM has
    none for the key's digest."""
    alg = TPM_HASHES.get(_hmac_digest(spec))
    if alg is None:
        raise UnsupportedError("HMAC keys with this digest on the TPM")
    return int(alg)


class Tpm2Backend:
    """A keystore backend on one TPM. Thread-safe: every TPM command runs under ``Tpm.lock``."""

    name = "tpm2"

    def __init__(self, tcti: str, home: str, *, fallback: bool = False) -> None:
        self.tcti = tcti
        self.fallback = fallback
        self._tpm = Tpm.acquire(tcti)
        self._closed = False
        self._store: RecordStore | None = None
        self._sealed = SealedKeys(TpmSeal(self._tpm))
        try:
            self.info: TpmInfo = self._tpm.run(probe)
            self._sealing = Sealing(capabilities(self.info), fallback, "tpm2", always=_ALWAYS_SEALED)
            self._caps = self._sealing.capabilities()
            ident = hashlib.sha256(tcti.encode()).hexdigest()[:16]
            from hukspy.records import SqliteRecordStore

            self._dir = os.path.join(home, "tpm2", ident)
            self._store = SqliteRecordStore(self._dir)
        except BaseException:
            self._tpm.close()
            raise

    def __repr__(self) -> str:
        return f"Tpm2Backend(tcti={self.tcti!r}, fallback={self.fallback})"

    @property
    def tpm(self) -> Tpm:
        return self._tpm

    def capabilities(self) -> Capabilities:
        return self._caps

    def records(self) -> RecordStore:
        if self._store is None:
            raise BackendClosedError("the TPM keystore is closed")
        return self._store

    # ------------------------------------------------------------ keys

    def _template(self, spec: KeySpec) -> TPM2B_PUBLIC:
        if spec.alg == _K.HUKS_ALG_RSA:
            return TPM2B_PUBLIC.parse(f"rsa{spec.size}", objectAttributes=_BASE | A.SIGN_ENCRYPT | A.DECRYPT)
        if spec.alg == _K.HUKS_ALG_ECC:
            t = TPM2B_PUBLIC.parse("ecc256", objectAttributes=_BASE | A.SIGN_ENCRYPT | A.DECRYPT)
            t.publicArea.parameters.eccDetail.curveID = TPM_CURVES[spec.size]
            return t
        if spec.alg == _K.HUKS_ALG_AES:
            t = TPM2B_PUBLIC.parse(f"aes{spec.size}", objectAttributes=_BASE | A.SIGN_ENCRYPT | A.DECRYPT)
            t.publicArea.parameters.symDetail.sym.mode.sym = TPM2_ALG.NULL
            return t
        if spec.alg == _K.HUKS_ALG_HMAC:
            t = TPM2B_PUBLIC.parse("hmac", objectAttributes=_BASE | A.SIGN_ENCRYPT)
            t.publicArea.parameters.keyedHashDetail.scheme.details.hmac.hashAlg = _digest_alg(spec)
            return t
        raise UnsupportedError("this key type on the TPM")

    def generate(self, spec: KeySpec) -> bytes:
        """Create the key in the TPM under the SRK (or a sealed key); return its blob ref.

        Raises ``UnsupportedError`` (→ 12000001: not on this TPM; without ``?fallback=sealed`` naming
        it), and ``TSS2_Exception`` (``translate``).
        """
        if self._sealing.needs_seal(spec):
            return self._sealed.generate(spec)
        template = self._template(spec)
        sensitive: TPM2B_SENSITIVE_CREATE | None = None
        if spec.alg == _K.HUKS_ALG_HMAC:
            nbytes = spec.size // 8
            d = DIGESTS[_hmac_digest(spec)]
            if spec.size % 8 or nbytes <= 0:
                raise UnsupportedError("HMAC keys of this size on the TPM (whole bytes only)")
            if nbytes != d.size and nbytes <= hashlib.new(d.name).block_size:
                # The TPM generates HMAC keys of the digest's size only; other sizes up to the hash's
                # block size come from its RNG. Longer keys: HMAC uses H(key) for them, so a random
                # digest-sized key generated by the TPM is the same thing.
                template.publicArea.objectAttributes &= ~A.SENSITIVEDATAORIGIN
                rnd = self._tpm.run(lambda t: bytes(t.esapi.get_random(nbytes)))
                sensitive = TPM2B_SENSITIVE_CREATE(TPMS_SENSITIVE_CREATE(data=TPM2B_SENSITIVE_DATA(rnd)))

        def create(t: Tpm) -> bytes:
            priv, pub, *_ = t.with_slot(lambda: t.esapi.create(t.srk, sensitive, template), uses_srk=True)
            return refs.pack(refs.TPM_KEY, pub.marshal(), priv.marshal())

        return self._tpm.run(create)

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        """Import with ``TPM2_Import`` (duplication format under the SRK); public keys stay on the host.

        Raises ``UnsupportedError`` (→ 12000001), ``InvalidKeyMaterialError`` (→ 12000003), and
        ``TSS2_Exception``."""
        if self._sealing.needs_seal(spec):
            return self._sealed.import_key(spec, key)
        if key.public is not None:
            der = key.public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return refs.pack(refs.PUBLIC, der)
        attrs = _IMPORTED | A.SIGN_ENCRYPT | A.DECRYPT
        if key.private is not None:
            if not isinstance(key.private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
                raise UnsupportedError("import of this key type into the TPM")
            pem = key.private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            sens = TPM2B_SENSITIVE.from_pem(pem)
            pub = TPM2B_PUBLIC.from_pem(pem, objectAttributes=attrs)
        elif key.secret is not None:
            if spec.alg == _K.HUKS_ALG_AES:
                tsens, tpub = TPMT_SENSITIVE.symcipher_from_secret(key.secret, objectAttributes=attrs)
                tpub.parameters.symDetail.sym.mode.sym = TPM2_ALG.NULL
            elif spec.alg == _K.HUKS_ALG_HMAC:
                secret = key.secret
                name = DIGESTS[_hmac_digest(spec)].name
                if len(secret) > hashlib.new(name).block_size:
                    secret = hashlib.new(name, secret).digest()  # what HMAC does with long keys (RFC 2104)
                tsens, tpub = TPMT_SENSITIVE.keyedhash_from_secret(
                    secret, objectAttributes=_IMPORTED | A.SIGN_ENCRYPT
                )
                tpub.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG.HMAC
                tpub.parameters.keyedHashDetail.scheme.details.hmac.hashAlg = _digest_alg(spec)
            else:
                raise UnsupportedError("import of this key type into the TPM")
            sens, pub = TPM2B_SENSITIVE(tsens), TPM2B_PUBLIC(tpub)
        else:
            raise InvalidKeyMaterialError("key material to import (there is none)")
        symdef = TPMT_SYM_DEF_OBJECT(algorithm=TPM2_ALG.AES)
        symdef.keyBits.aes = 128
        symdef.mode.aes = TPM2_ALG.CFB

        def imp(t: Tpm) -> bytes:
            assert t.srk_public is not None  # noqa: S101
            enc, dup, seed = wrap(t.srk_public.publicArea, pub, sens, None, symdef)
            priv = t.with_slot(lambda: t.esapi.import_(t.srk, enc, pub, dup, seed, symdef), uses_srk=True)
            return refs.pack(refs.TPM_KEY, pub.marshal(), priv.marshal())

        return self._tpm.run(imp)

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        """SPKI DER of the public half. Raises ``ParameterRejectedError`` (→ 12000003: a symmetric key),
        ``StoredDataDamagedError`` (→ 12000004: a corrupt ref)."""
        r = refs.unpack(ref)
        if r.kind == refs.PUBLIC:
            return r.parts[0]
        if r.kind == refs.SEALED:
            return self._sealed.public_key(ref, spec)
        if spec.alg not in (_K.HUKS_ALG_RSA, _K.HUKS_ALG_ECC):
            raise ParameterRejectedError("export of a symmetric key (it has no public key)")
        return public_key_of(r.pub).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def storage(self, ref: bytes, spec: KeySpec) -> str:
        """Where this key lives: "tpm2", or "tpm2:sealed" for host material sealed to the TPM."""
        return "tpm2:sealed" if refs.unpack(ref).kind == refs.SEALED else "tpm2"

    def delete(self, ref: bytes, spec: KeySpec) -> None:
        """Flush the key if loaded. The blob is the key: once its record is gone, so is the key."""
        r = refs.unpack(ref)
        if r.kind in (refs.TPM_KEY, refs.SEALED):
            self._tpm.run(lambda t: t.forget(r.pub, r.priv))

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        """Start ``op``. Raises ``UnsupportedError`` (→ 12000001: the TPM cannot),
        ``ParameterRejectedError`` (→ 12000003), ``StoredDataDamagedError`` (→ 12000004)."""
        r = refs.unpack(ref)
        if r.kind == refs.SEALED:
            return self._sealed.begin(ref, spec, op)
        return begin_tpm_op(self._tpm, r, spec, op, self.info)

    def attest(self, ref: bytes, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
        """The chain leaf → AK certificate → CA (→ EK certificate, when the TPM has one): see ``attest``."""
        from .attest import attest_key

        r = refs.unpack(ref)
        sealed_public = self._sealed.public_key(ref, spec) if r.kind == refs.SEALED else None
        return attest_key(self._tpm, r, spec, ids, anonymous, self._dir, sealed_public)

    def wrap(self, ref: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """Not on this backend: ``UnsupportedError`` (→ 12000001)."""
        raise UnsupportedError("key wrapping on the TPM keystore")

    def unwrap(self, blob: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """Not on this backend: ``UnsupportedError`` (→ 12000001)."""
        raise UnsupportedError("key unwrapping on the TPM keystore")

    def pin_verifier(self) -> TpmPinVerifier:
        """The ``hukspy.userauth`` PIN verifier of this TPM: the TPM checks every PIN itself, under its
        dictionary-attack lockout (``hukspy_tpm2.pin``; docs/userauth.md, "On a TPM")."""
        return TpmPinVerifier(self._tpm)

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """Map a TPM/ESAPI/TCTI or host error to HUKS through ``errors``' one table."""
        return errors.translate(exc, action, kind, lockout_recovery_s=self.info.lockout_recovery_s)

    def close(self) -> None:
        """Release the TPM connection (the last user flushes its objects) and the record store;
        idempotent."""
        if self._closed:
            return
        self._closed = True
        self._tpm.close()
        store, self._store = self._store, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()


class Tpm2Factory:
    """The ``tpm2`` entry point: ``Keystore("tpm2:<TCTI>")``."""

    def open(self, location: str, *, home: str) -> Tpm2Backend:
        """Open the TPM. Raises ``InvalidLocationError`` (→ 401: a malformed URI) and ``TSS2_Exception``
        (``translate``: 12000005 when the TPM cannot be reached)."""
        tcti, fallback = parse_location(location)
        return Tpm2Backend(tcti, home, fallback=fallback)

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """Errors of ``open`` through ``errors``' one table."""
        return errors.translate(exc, action, kind)

    def available(self) -> tuple[bool, str]:
        try:
            import tpm2_pytss  # noqa: F401
        except ImportError as exc:  # pragma: no cover
            return False, f"tpm2-pytss is not installed: {exc}"
        for dev in ("/dev/tpmrm0", "/dev/tpm0"):
            if os.path.exists(dev):
                return True, f"{dev} present"
        return False, "no /dev/tpmrm0 or /dev/tpm0 device (a tpm2:swtpm:... or tpm2:tabrmd: URI still works)"
