"""The PKCS#11 backend: ``Pkcs11Backend`` and its factory (entry point ``pkcs11``).

A key's ref (``KeyRecord.ref``) is ``b"\\x01" ‖ CKA_ID`` for a key that lives on the token (its objects
carry that CKA_ID), or ``b"\\x02" ‖ ...`` for a sealed key (``hukspy_pkcs11.sealed``).

Capabilities are probed at open: the token's mechanism list, plus trial operations on session objects
wherever SoftHSM2's ``C_GetMechanismInfo`` flags are garbage (AES/3DES modes) or limits are undeclared
(HMAC key sizes per digest). Only what works is declared.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import Final

from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as px
from pkcs11.types import Object

from hukspy import formats
from hukspy.backend import Capabilities, KeyCap, OpCap, Operation, RecordStore
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksImportKeyType as Imp
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.enums import HuksUnwrapSuite as Suite
from hukspy.errors import HuksError
from hukspy.software import caps as sw
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec
from hukspy_pkcs11 import _native as n
from hukspy_pkcs11 import errors, keys, ops, sealed, unwrap
from hukspy_pkcs11.attest import Attester
from hukspy_pkcs11.records import TokenRecordStore
from hukspy_pkcs11.token import TokenConnection, Worker, parse_uri

__all__ = ["REF_TOKEN", "Pkcs11Backend", "Pkcs11Factory", "factory", "probe"]

REF_TOKEN: Final = b"\x01"

_ALL_IMPORTS: Final = frozenset({Imp.HUKS_KEY_TYPE_PUBLIC_KEY, Imp.HUKS_KEY_TYPE_PRIVATE_KEY,
                                 Imp.HUKS_KEY_TYPE_KEY_PAIR})
_RAW_IMPORT: Final = frozenset({Imp.HUKS_KEY_TYPE_PRIVATE_KEY})
_HMAC_SIZES: Final = (128, 160, 224, 256, 384, 512)
_E, _D_, _S, _V, _MAC, _AG = (OpKind.ENCRYPT, OpKind.DECRYPT, OpKind.SIGN, OpKind.VERIFY, OpKind.MAC,
                              OpKind.AGREE)


def _both(kinds: Iterable[OpKind], key_alg: int, alg: int, **kw: object) -> set[OpCap]:
    return {OpCap(kind, key_alg, alg, **kw) for kind in kinds}  # type: ignore[arg-type]


def _trial(module: n.Module, w: Worker, kind: str, mech: int, param: n.Param | None, handle: int,
           data: bytes) -> bool:
    try:
        module.op_init(kind, w.handle, mech, param, handle)
        if kind == "Sign":
            module.one_shot("Sign", w.handle, data, 512)
        else:
            module.crypt_update(kind, w.handle, data)
            module.crypt_final(kind, w.handle)
        return True
    except n.CkrError:
        module.cancel(kind, w.handle)
        return False


def _session_secret(w: Worker, key_type: KeyType, bits: int | None, mech: Mechanism,
                    destroy: list[Object]) -> int | None:
    template = {Attribute.TOKEN: False, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                Attribute.ENCRYPT: True, Attribute.DECRYPT: True, Attribute.SIGN: True,
                Attribute.VERIFY: True}
    try:
        key = w.session.generate_key(key_type, bits, mechanism=mech, template=template)
    except px.PKCS11Error:
        return None
    destroy.append(key)
    return int(key.handle or 0)


def _cmac_works(module: n.Module, w: Worker, bits: int, destroy: list[Object]) -> bool:
    h = _session_secret(w, KeyType.AES, bits, Mechanism.AES_KEY_GEN, destroy)
    return h is not None and _trial(module, w, "Sign", ops.CKM_AES_CMAC, None, h, b"x")


def probe(conn: TokenConnection) -> tuple[Capabilities, bool]:
    """Probe the token: (capabilities, whether it knows CKA_COPYABLE)."""
    module = conn.module
    mechs = {int(m) for m in conn.token.slot.get_mechanisms()}
    key_caps: set[KeyCap] = set()
    op_caps: set[OpCap] = set()
    copyable = False

    def work(w: Worker) -> None:
        nonlocal copyable
        destroy: list[Object] = []
        try:
            # CKA_COPYABLE (PKCS#11 2.40) where the token knows it.
            with contextlib.suppress(px.PKCS11Error):
                k = w.session.generate_key(KeyType.AES, 128, template={Attribute.TOKEN: False,
                                                                       Attribute.COPYABLE: False})
                copyable = True
                k.destroy()
            if int(Mechanism.AES_KEY_GEN) in mechs:
                h = _session_secret(w, KeyType.AES, 256, Mechanism.AES_KEY_GEN, destroy)
                if h is not None:
                    key_caps.update(KeyCap(A.HUKS_ALG_AES, s, True, _RAW_IMPORT) for s in (128, 192, 256))
                    for (alg, mode, pad), (mech, _) in ops.CIPHERS.items():
                        if alg != A.HUKS_ALG_AES or mech not in mechs:
                            continue
                        spec = OpSpec(_E, alg, mode=mode, padding=pad, iv=bytes(16), nonce=bytes(12))
                        _, param, _ = ops.cipher_mechanism(alg, spec)
                        if _trial(module, w, "Encrypt", mech, param, h, bytes(32)):
                            op_caps.update(_both((_E, _D_), alg, alg, mode=mode, padding=pad))
                    if ops.CKM_AES_CMAC in mechs:
                        cmac = [s for s in (128, 192, 256) if _cmac_works(module, w, s, destroy)]
                        if cmac:
                            sizes = frozenset(cmac)
                            if 256 in sizes:  # AES keys with purpose MAC are 256 bits (policy.py)
                                op_caps.add(OpCap(_MAC, A.HUKS_ALG_AES, A.HUKS_ALG_CMAC,
                                                  sizes=frozenset({256})))
                            op_caps.add(OpCap(_MAC, A.HUKS_ALG_CMAC, A.HUKS_ALG_CMAC, sizes=sizes))
                            key_caps.update(KeyCap(A.HUKS_ALG_CMAC, s, True, _RAW_IMPORT) for s in cmac)
            if int(Mechanism.DES3_KEY_GEN) in mechs:
                h = _session_secret(w, KeyType.DES3, None, Mechanism.DES3_KEY_GEN, destroy)
                if h is not None:
                    key_caps.add(KeyCap(A.HUKS_ALG_3DES, 192, True, _RAW_IMPORT))
                    if int(Mechanism.DES2_KEY_GEN) in mechs:
                        key_caps.add(KeyCap(A.HUKS_ALG_3DES, 128, True, _RAW_IMPORT))
                    for (alg, mode, pad), (mech, _) in ops.CIPHERS.items():
                        if alg != A.HUKS_ALG_3DES or mech not in mechs:
                            continue
                        spec = OpSpec(_E, alg, mode=mode, padding=pad, iv=bytes(8))
                        _, param, _ = ops.cipher_mechanism(alg, spec)
                        if _trial(module, w, "Encrypt", mech, param, h, bytes(16)):
                            op_caps.update(_both((_E, _D_), alg, alg, mode=mode, padding=pad))
                    des3_cmac = ops.CKM_DES3_CMAC
                    if des3_cmac in mechs and _trial(module, w, "Sign", des3_cmac, None, h, b"x"):
                        op_caps.add(OpCap(_MAC, A.HUKS_ALG_3DES, A.HUKS_ALG_CMAC))
            if int(Mechanism.GENERIC_SECRET_KEY_GEN) in mechs:
                for size in _HMAC_SIZES:
                    h = _session_secret(w, KeyType.GENERIC_SECRET, size, Mechanism.GENERIC_SECRET_KEY_GEN,
                                        destroy)
                    if h is None:
                        continue
                    ok = [d for d, mech in ops.HMAC_MECHS.items()
                          if d in sw.HMAC_DIGESTS and mech in mechs
                          and _trial(module, w, "Sign", mech, None, h, b"x")]
                    if ok:
                        key_caps.add(KeyCap(A.HUKS_ALG_HMAC, size, True, _RAW_IMPORT))
                    for d in ok:
                        op_caps.add(OpCap(_MAC, A.HUKS_ALG_HMAC, A.HUKS_ALG_HMAC, digest=d,
                                          sizes=frozenset({size})))
        finally:
            for obj in destroy:
                with contextlib.suppress(px.PKCS11Error):
                    obj.destroy()

    conn.run(work)
    # Merge the per-size HMAC entries into one entry per digest.
    hmac: dict[int, set[int]] = {}
    for cap in [c for c in op_caps if c.alg == A.HUKS_ALG_HMAC]:
        op_caps.discard(cap)
        hmac.setdefault(cap.digest or 0, set()).update(cap.sizes)
    op_caps.update(OpCap(_MAC, A.HUKS_ALG_HMAC, A.HUKS_ALG_HMAC, digest=d, sizes=frozenset(s))
                   for d, s in hmac.items())

    if int(Mechanism.RSA_PKCS_KEY_PAIR_GEN) in mechs:
        info = conn.token.slot.get_mechanism_info(Mechanism.RSA_PKCS_KEY_PAIR_GEN)
        lo, hi = info.min_key_length or 512, info.max_key_length or 4096
        rsa_sizes = [s for s in (512, 768, 1024, 2048, 3072, 4096) if lo <= s <= hi]
        key_caps.update(KeyCap(A.HUKS_ALG_RSA, s, True, _ALL_IMPORTS) for s in rsa_sizes)
        r = A.HUKS_ALG_RSA
        rsa_entries: list[tuple[tuple[OpKind, ...], int, int | None, int]] = []
        if ops.CKM_RSA_X_509 in mechs:
            rsa_entries.append(((_S, _V), Pad.HUKS_PADDING_NONE, D.HUKS_DIGEST_NONE, ops.CKM_RSA_X_509))
            rsa_entries.append(((_E, _D_), Pad.HUKS_PADDING_NONE, None, ops.CKM_RSA_X_509))
        if ops.CKM_RSA_PKCS in mechs:
            rsa_entries += [((_S, _V), Pad.HUKS_PADDING_PKCS1_V1_5, d, 0) for d in sw.RSA_SIGN_DIGESTS]
            rsa_entries.append(((_E, _D_), Pad.HUKS_PADDING_PKCS1_V1_5, None, 0))
        if ops.CKM_RSA_PKCS_PSS in mechs:
            rsa_entries += [((_S, _V), Pad.HUKS_PADDING_PSS, d, 0) for d in sw.RSA_SIGN_DIGESTS
                            if d not in (D.HUKS_DIGEST_NONE, D.HUKS_DIGEST_MD5)]  # SoftHSM2: no PSS-MD5
        if ops.CKM_RSA_PKCS_OAEP in mechs:  # SoftHSM2: SHA-1 only (backends.md §1.3)
            rsa_entries.append(((_E, _D_), Pad.HUKS_PADDING_OAEP, D.HUKS_DIGEST_SHA1, 0))
        for kinds, pad, digest, _ in rsa_entries:
            for kind in kinds:
                fits = frozenset(s for s in rsa_sizes if sw.rsa_fits(s, kind, pad, digest))
                if fits:
                    op_caps.add(OpCap(kind, r, r, padding=pad, digest=digest, sizes=fits))
    if int(Mechanism.EC_KEY_PAIR_GEN) in mechs:
        key_caps.update(KeyCap(A.HUKS_ALG_ECC, s, True, _ALL_IMPORTS) for s in keys.CURVES)
        if ops.CKM_ECDSA in mechs:
            for d in sw.ECC_SIGN_DIGESTS:
                op_caps.update(_both((_S, _V), A.HUKS_ALG_ECC, A.HUKS_ALG_ECC, digest=d))
        if int(Mechanism.ECDH1_DERIVE) in mechs:
            op_caps.add(OpCap(_AG, A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH))
    if int(Mechanism.EC_EDWARDS_KEY_PAIR_GEN) in mechs and ops.CKM_EDDSA in mechs:
        key_caps.add(KeyCap(A.HUKS_ALG_ED25519, 256, True, _ALL_IMPORTS))
        op_caps.update(_both((_S, _V), A.HUKS_ALG_ED25519, A.HUKS_ALG_ED25519))
    if int(Mechanism.DH_PKCS_KEY_PAIR_GEN) in mechs and int(Mechanism.DH_PKCS_DERIVE) in mechs:
        key_caps.update(KeyCap(A.HUKS_ALG_DH, s, True, _ALL_IMPORTS) for s in keys.FFDHE)
        op_caps.add(OpCap(_AG, A.HUKS_ALG_DH, A.HUKS_ALG_DH))
    caps = Capabilities("pkcs11", frozenset(key_caps), frozenset(op_caps), attest=True, wrap=False,
                        security_level="pkcs11", secure_element=True)
    return caps, copyable


class Pkcs11Backend:
    """Keys on a PKCS#11 token. Open it with ``Pkcs11Factory.open`` (or ``hukspy.Keystore("pkcs11:...")``).

    Raises (through ``translate``) the codes of ``hukspy_pkcs11.errors``; ``HuksError`` 12000001 for what
    the token cannot do.
    """

    name = "pkcs11"

    def __init__(self, location: str) -> None:
        self.uri = parse_uri(location)
        try:
            self._conn = TokenConnection(self.uri)
        except HuksError:
            raise
        except Exception as exc:
            mapped = errors.translate(exc, "open", None)
            if mapped is None:
                raise
            raise mapped from exc
        self._closed = False
        self._lock = threading.RLock()
        try:
            self._token_caps, self._copyable = probe(self._conn)
            self._caps = (sealed.merge_capabilities(self._token_caps) if self.uri.sealed_fallback
                          else self._token_caps)
            self._sealer = sealed.Sealer(self._conn, self._lock)
            self._attester = Attester(self._conn, self._lock, self._copyable)
            self._records = TokenRecordStore(self._conn, self._lock, self.key_ids)
            self._records.recover()
        except BaseException as exc:
            self._conn.close()
            if isinstance(exc, px.PKCS11Error):
                mapped = errors.translate(exc, "open", None)
                if mapped is not None:
                    raise mapped from exc
            raise

    def __repr__(self) -> str:
        return f"Pkcs11Backend({self.uri!r})"

    def __enter__(self) -> Pkcs11Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> TokenConnection:
        """The token connection (sessions, module)."""
        return self._conn

    # ---- refs

    @staticmethod
    def key_ids(ref: bytes) -> list[bytes]:
        """The CKA_IDs of the token objects a ref owns."""
        if ref[:1] == REF_TOKEN:
            return [ref[1:]]
        return []

    @staticmethod
    def _token_id(ref: bytes) -> bytes:
        if ref[:1] != REF_TOKEN or len(ref) != 1 + keys.ID_LEN:
            raise HuksError(12000004, "the key record's ref is not a PKCS#11 token key")
        return ref[1:]

    # ---- Backend

    def capabilities(self) -> Capabilities:
        return self._caps

    def records(self) -> RecordStore:
        return self._records

    def _sealed(self, spec: KeySpec) -> bool:
        return sealed.needs_seal(spec, self._token_caps, self.uri.sealed_fallback)

    def generate(self, spec: KeySpec) -> bytes:
        """Generate the key on the token (or as a sealed key, ``hukspy_pkcs11.sealed``). Raises
        python-pkcs11 errors (→ ``translate``), 12000001 (naming ``?fallback=sealed`` where it would help)."""
        if self._sealed(spec):
            return self._sealer.generate(spec)
        key_id = keys.new_id()
        with self._lock:
            self._conn.run(lambda w: keys.generate(w, spec, key_id, self._copyable), write=True)
        return REF_TOKEN + key_id

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        """Import with C_CreateObject (or as a sealed key). Raises python-pkcs11 errors, 12000001/3."""
        if self._sealed(spec):
            return self._sealer.import_key(spec, key)
        key_id = keys.new_id()
        with self._lock:
            try:
                self._conn.run(lambda w: keys.create_imported(w, spec, key, key_id, self._copyable),
                               write=True)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._destroy(key_id)
                raise
        return REF_TOKEN + key_id

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        """SPKI DER, or raw 32 bytes for Ed25519. Raises 12000011 when the key object is gone."""
        if ref[:1] == sealed.REF_SEALED:
            return self._sealer.public_key(ref, spec)
        key_id = self._token_id(ref)
        return self._conn.run(lambda w: keys.public_der(w, spec, key_id))

    def _destroy(self, key_id: bytes) -> None:
        def destroy(w: Worker) -> None:
            for obj in list(w.session.get_objects({Attribute.ID: key_id})):
                if obj[Attribute.CLASS] in (ObjectClass.SECRET_KEY, ObjectClass.PRIVATE_KEY,
                                            ObjectClass.PUBLIC_KEY):
                    with contextlib.suppress(px.ObjectHandleInvalid):
                        obj.destroy()

        with self._lock:
            self._conn.run(destroy, write=True)
        self._conn.forget(key_id)

    def delete(self, ref: bytes, spec: KeySpec) -> None:
        """Destroy the key objects behind ``ref`` (none left is fine)."""
        if ref[:1] == REF_TOKEN:
            self._destroy(self._token_id(ref))

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        """Start ``op``. Raises 12000001 for what the token backend does not run."""
        if ref[:1] == sealed.REF_SEALED:
            return self._sealer.begin(ref, spec, op)
        return ops.begin(self._conn, self._token_id(ref), spec, op)

    def import_wrapped(self, wrapping_ref: bytes, wrapping_spec: KeySpec, suite: int, parts: list[bytes],
                       target: KeySpec, import_type: int | None) -> bytes | None:
        """The optional hook of ``hukspy.backend``: for the ECDH suite with a wrapping key on the token, the
        agreement and the KEK layer run in the token (``hukspy_pkcs11.unwrap``, which says what still
        passes through host memory) and the key is imported. Returns None (the facade's path) for X25519
        wrapping keys (sealed on SoftHSM2) and for blobs of another shape. Raises 12000006 (a layer fails
        authentication), 401 (bad key material), python-pkcs11 errors (``translate``)."""
        if suite != Suite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING or wrapping_ref[:1] != REF_TOKEN:
            return None
        plain = unwrap.open_on_token(self._conn, self._token_id(wrapping_ref), parts)
        if plain is None:
            return None
        return self.import_key(target, formats.parse_import(target.alg, target.size, import_type, plain))

    def storage(self, ref: bytes, spec: KeySpec) -> str:
        """Where the key lives: "pkcs11", or "pkcs11:sealed" for a sealed key."""
        return "pkcs11:sealed" if ref[:1] == sealed.REF_SEALED else "pkcs11"

    def attest(self, ref: bytes, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
        """[leaf, CA] DER, signed on the token by its attestation CA key (``hukspy_pkcs11.attest``).
        Raises 12000001 (DH keys, a public key alone), 12000011 (the key objects are gone), python-pkcs11
        errors (``translate``)."""
        key_id = None if ref[:1] == sealed.REF_SEALED else self._token_id(ref)
        return self._attester.attest(key_id, self.public_key(ref, spec), spec, ids, anonymous)

    def wrap(self, ref: bytes, spec: KeySpec, binding: bytes) -> bytes:
        raise HuksError(12000001, "key wrapping on the PKCS#11 keystore")

    def unwrap(self, blob: bytes, spec: KeySpec, binding: bytes) -> bytes:
        raise HuksError(12000001, "key unwrapping on the PKCS#11 keystore")

    def translate(self, exc: BaseException, action: str, kind: OpKind | None) -> HuksError | None:
        """The one table of ``hukspy_pkcs11.errors``; host errors of sealed keys through the software
        backend's table."""
        return errors.translate(exc, action, kind) or sealed.translate_host(exc, action)

    def close(self) -> None:
        """Close the worker sessions (the last backend of the process on this token logs out). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._conn.close()


class Pkcs11Factory:
    """The ``hukspy.backends`` entry point ``pkcs11``."""

    def open(self, location: str, *, home: str) -> Pkcs11Backend:
        """Open the token named by ``location`` (the URI after ``pkcs11:``). Raises ``HuksError`` 401
        (malformed URI), 12000012 (module or token missing), 12000008 (wrong PIN), 12000007 (PIN locked)."""
        return Pkcs11Backend(location)

    def available(self) -> tuple[bool, str]:
        """python-pkcs11 is importable (it is a dependency); whether a module exists is the URI's business."""
        from hukspy_pkcs11.testing import SoftHsmUnavailableError, find_softhsm_module

        try:
            module = find_softhsm_module()
        except SoftHsmUnavailableError:
            return True, "python-pkcs11 is installed; give the module with module-path= (no SoftHSM2 found)"
        return True, f"python-pkcs11 is installed; SoftHSM2 at {module}"


factory: Final = Pkcs11Factory()
_ = M
