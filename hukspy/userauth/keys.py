"""The token keys, held by the keystore's backend (docs/userauth.md, "The token keys").

One HMAC-SHA256 key (256 bits) per keystore, generated through the keystore's own backend on the
first token and kept as a record at ``store.RESERVED_LEVEL`` (alias ``TOKEN_KEY_ALIAS``), like any key
of that backend: in the token on PKCS#11, in the TPM on ``tpm2:``, encrypted under ``master.key`` on
``software:``. From it:

- the token's MAC is HMAC-SHA256(key, bytes[0:248]), computed by the backend (the key never leaves a
  token or TPM);
- the AES-256-GCM key of the token's encrypted part is HMAC-SHA256(key, ``CIPHER_LABEL``), computed by
  the backend and kept in memory. The label (35 bytes) can never be a token body (248 bytes), so the
  two uses never share an input.

A keystore that never issued a token has no key: then every token fails to verify.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import policy
from hukspy.backend import Action, KeyRecord
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyFlag, HuksKeyPurpose, HuksTag
from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy.spec import KeySpec, OpKind, OpSpec
from hukspy.userauth.store import RESERVED_LEVEL

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["CIPHER_LABEL", "TOKEN_KEY_ALIAS", "BackendTokenKeys"]

TOKEN_KEY_ALIAS: Final = "hukspy-userauth-token-key"  # noqa: S105 - an alias, not a secret
CIPHER_LABEL: Final = b"hukspy userauth token cipher key v1"
_PARAMS: Final = ParamSet.of(
    (HuksTag.HUKS_TAG_ALGORITHM, int(HuksKeyAlg.HUKS_ALG_HMAC)),
    (HuksTag.HUKS_TAG_KEY_SIZE, 256),
    (HuksTag.HUKS_TAG_PURPOSE, int(HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC)),
    (HuksTag.HUKS_TAG_DIGEST, int(HuksKeyDigest.HUKS_DIGEST_SHA256)),
)
_MAC_OP: Final = OpSpec(
    OpKind.MAC, int(HuksKeyAlg.HUKS_ALG_HMAC), digest=int(HuksKeyDigest.HUKS_DIGEST_SHA256)
)


class NoTokenKeyError(Exception):
    """The keystore has no token key yet (it never issued a token)."""


class BackendTokenKeys:
    """``hukspy.userauth.token.TokenKeys`` on a keystore's backend."""

    def __init__(self, keystore: Keystore) -> None:
        self._ks = keystore
        self._lock = threading.Lock()
        self._key: tuple[bytes, KeySpec] | None = None
        self._aead: AESGCM | None = None

    def _load(self, create: bool) -> tuple[bytes, KeySpec]:
        with self._lock:
            if self._key is not None:
                return self._key
            ks = self._ks
            with ks._native(Action.RECORD_GET):
                record = ks._backend.records().get(RESERVED_LEVEL, TOKEN_KEY_ALIAS)
            if record is None:
                if not create:
                    raise NoTokenKeyError("no token key")
                record = self._create()
            self._key = (record.ref, policy.key_spec(record.params))
            return self._key

    def _create(self) -> KeyRecord:
        """Generate the key through the facade's own path (checks, capability, atomic store); a
        process that loses the race to create it uses the winner's."""
        ks = self._ks
        plan = policy.check_create(_PARAMS, HuksKeyFlag.HUKS_KEY_FLAG_GENERATE_KEY)
        ks._require_key(plan, generate=True)
        with ks._native(Action.GENERATE):
            ref = ks._backend.generate(plan.spec)
        try:
            ks._store(TOKEN_KEY_ALIAS, RESERVED_LEVEL, plan.stored, plan.spec, ref, replace=False)
        except HuksError as err:
            if err.code != 12000017:
                raise
        with ks._native(Action.RECORD_GET):
            record = ks._backend.records().get(RESERVED_LEVEL, TOKEN_KEY_ALIAS)
        if record is None:  # deleted between the two calls: give up rather than loop
            raise HuksError(12000004, "the user auth token key vanished while it was created")
        return record

    def mac(self, data: bytes, *, create: bool = True) -> bytes:
        """HMAC-SHA256 of ``data`` with the token key, computed by the backend. Raises
        ``NoTokenKeyError`` when ``create`` is False and there is no key; ``HuksError`` for backend
        failures (the facade's conversion)."""
        ref, spec = self._load(create)
        ks = self._ks
        with ks._native(Action.BEGIN, OpKind.MAC):
            op = ks._backend.begin(ref, spec, _MAC_OP)
        try:
            with ks._native(Action.FINISH, OpKind.MAC):
                return op.finish(data)
        finally:
            op.abort()

    def cipher(self) -> AESGCM:
        """The AES-256-GCM of the token's encrypted part (module docstring)."""
        if self._aead is None:
            self._aead = AESGCM(self.mac(CIPHER_LABEL))
        return self._aead


class VerifyingKeys:
    """The keys as verification sees them: never creates the token key."""

    def __init__(self, keys: BackendTokenKeys) -> None:
        self._keys = keys

    def mac(self, data: bytes) -> bytes:
        return self._keys.mac(data, create=False)

    def cipher(self) -> AESGCM:
        return self._keys.cipher()
