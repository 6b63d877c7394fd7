"""What the facade hands to a backend: validated, normalised key and operation specs.

A backend never sees a ``HuksParam`` or a ``ParamSet``: ``policy`` turns the user's params into a
``KeySpec`` (for generate/import, and for every use of a stored key) and an ``OpSpec`` (for a session).
All enum-valued fields hold the plain int of the matching ``hukspy.enums`` enum.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TypeAlias

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

__all__ = ["AttestIds", "KeyMaterial", "KeySpec", "OpKind", "OpSpec", "Sm2Key"]


class OpKind(enum.Enum):
    """The class of a session, from the init PURPOSE."""

    ENCRYPT = "encrypt"
    DECRYPT = "decrypt"
    SIGN = "sign"
    VERIFY = "verify"
    MAC = "mac"
    AGREE = "agree"
    DERIVE = "derive"
    # ML-KEM (issue 15): one-shot operations, run as begin + finish (hukspy.backend.Operation).
    ENCAPSULATE = "encapsulate"
    DECAPSULATE = "decapsulate"


@dataclass(frozen=True)
class KeySpec:
    """A key as a backend must create, load or describe it.

    ``alg`` is a ``HuksKeyAlg`` (RSA, ECC, DSA, AES, HMAC, X25519, ED25519, DH, SM2, SM4, DES, 3DES,
    CMAC; agreed/derived keys take the algorithm the caller asked to store them as), ``size`` the key size
    in bits as HUKS counts it (RSA modulus, curve size, 256 for 25519, DH group size, symmetric key
    length; for CMAC the size of the 3DES/AES key underneath), ``purpose`` the ``HuksKeyPurpose`` bitmask.
    ``digest`` is the key's DIGEST when it has one (MAC keys need it). ``public_only`` is True for an
    imported public key (no private half exists). ``sealed`` asks a hardware backend to keep the key as
    sealed host material (``?fallback=sealed``); the facade sets it only where the URI allows it.
    """

    alg: int
    size: int
    purpose: int
    digest: int | None = None
    public_only: bool = False
    sealed: bool = False


Private: TypeAlias = PrivateKeyTypes
Public: TypeAlias = PublicKeyTypes


@dataclass(frozen=True, repr=False)
class Sm2Key:
    """An SM2 key, which pyca/cryptography cannot hold: ``point`` the uncompressed public point
    ``04 ‖ x ‖ y`` (65 bytes; None when imported private material left it out: the engine derives it),
    ``scalar`` the private value (32 bytes, big-endian) or None for a public key. ``repr`` never shows
    key bytes."""

    point: bytes | None
    scalar: bytes | None = None

    def __repr__(self) -> str:
        return f"Sm2Key(<{'private' if self.scalar is not None else 'public'} redacted>)"


@dataclass(frozen=True, repr=False)
class KeyMaterial:
    """Key material for ``Backend.import_key``, already parsed from a HUKS import format.

    Exactly one of ``secret`` (raw symmetric key bytes), ``private`` (a pyca private key, which carries
    its public half), ``public`` (a pyca public key) or ``sm2`` (an ``Sm2Key``) is set. ``repr`` never
    shows key bytes.
    """

    secret: bytes | None = None
    private: Private | None = None
    public: Public | None = None
    sm2: Sm2Key | None = None

    def __repr__(self) -> str:
        if self.sm2 is not None:
            return f"KeyMaterial({self.sm2!r})"
        kind = "secret" if self.secret is not None else "private" if self.private is not None else "public"
        return f"KeyMaterial(<{kind} redacted>)"


@dataclass(frozen=True, repr=False)
class OpSpec:
    """One session's operation, fully decided by the facade.

    - ``kind``: what the session does; ``alg``: the init ALGORITHM (for AGREE: ECDH, X25519 or DH; for
      DERIVE: HKDF or PBKDF2; otherwise the key's own algorithm).
    - ciphers: ``mode`` (HuksCipherMode), ``padding`` (HuksKeyPadding), ``iv`` (CBC/CTR/OFB/CFB),
      ``nonce`` and ``aad`` (GCM/CCM; the facade always supplies the nonce, generating one when the caller
      gave none), ``tag`` (the AE tag for GCM/CCM decrypt), ``tag_len`` (bytes, 16 unless AE_TAG_LEN).
    - RSA: ``padding``, ``digest`` (HuksKeyDigest; OAEP with NONE already mapped to SHA1 by the
      facade), ``mgf_digest`` (OAEP/PSS MGF1 digest, defaults to ``digest``), ``pss_salt``
      (HuksRsaPssSaltLenType: 0 = digest length, 1 = maximum).
    - sign/verify/MAC: ``digest`` (NONE = the input is already the value to sign).
    - DERIVE: ``digest``, ``derive_size`` (bytes), ``salt``, ``info``, ``iterations``.
    - AGREE: nothing more; the peer's public key arrives through ``Operation.finish``.
    - ML-DSA sign/verify: ``context`` (the FIPS 204 context string, at most 255 bytes).
    - ENCAPSULATE: ``finish(b"")`` returns ``shared secret (32 bytes) ‖ ciphertext``; DECAPSULATE:
      ``finish(ciphertext)`` returns the 32-byte shared secret.
    """

    kind: OpKind
    alg: int
    mode: int | None = None
    padding: int | None = None
    digest: int | None = None
    mgf_digest: int | None = None
    pss_salt: int | None = None
    iv: bytes | None = None
    nonce: bytes | None = None
    aad: bytes = b""
    tag: bytes | None = None
    tag_len: int = 16
    derive_size: int | None = None
    salt: bytes = b""
    info: bytes = b""
    iterations: int = 0
    context: bytes = b""

    def __repr__(self) -> str:
        return (
            f"OpSpec(kind={self.kind.value}, alg={self.alg}, mode={self.mode}, "
            f"padding={self.padding}, digest={self.digest})"
        )


@dataclass(frozen=True)
class AttestIds:
    """What an attestation certifies besides the key: the challenge and the ``ATTESTATION_ID_*`` values.

    ``ids`` maps the HuksTag int of each ATTESTATION_ID_* / APPLICATION_ID param given to its bytes;
    ``properties`` is the key's stored param set in its canonical encoding (``ParamSet.encode``).
    """

    challenge: bytes = b""
    ids: dict[int, bytes] = field(default_factory=dict)
    properties: bytes = b""
