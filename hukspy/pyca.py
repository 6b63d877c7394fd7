"""hukspy keys as pyca ``cryptography`` keys (docs/cryptography.md).

``Keystore.private_key(alias)`` returns one of the three classes below, which implement pyca's
``RSAPrivateKey``, ``EllipticCurvePrivateKey`` and ``Ed25519PrivateKey`` interfaces, so the key works
wherever pyca takes a private key: ``x509.CertificateSigningRequestBuilder.sign``,
``x509.CertificateBuilder.sign``, ``x509.CertificateRevocationListBuilder.sign``,
``pkcs7.PKCS7SignatureBuilder``, or plain ``key.sign(...)``. The private key never leaves the keystore:

- ``sign``, ``decrypt`` (RSA) and ``exchange`` (ECDH) each run one hukspy session
  (``init_session``/``finish_session``) with the key's ALGORITHM and the padding and digest the caller
  passes; the keystore's own HUKS rules then accept them or raise their code (a padding or digest that
  differs from the one stored with the key: 401; a padding that does not fit the purpose: 12000003; a
  combination the backend does not declare: 12000001). What HUKS has no parameter for at all (an OAEP
  label, an MGF1 digest other than the message digest, a PSS salt length that is neither the digest
  length nor the maximum, deterministic ECDSA, a digest HUKS does not name) raises 12000001 before any
  session opens.
- ``Prehashed`` input is signed with ``DIGEST_NONE`` (for RSA PKCS#1 v1.5 the DigestInfo is put in front
  here), so it works where the key and the backend allow DIGEST_NONE.
- ``private_bytes``, ``private_bytes_raw`` and ``private_numbers`` raise 12000003, as
  ``export_key_item`` does for anything but a public key.
- A key that requires user authentication raises 12000008 from every operation, before any session
  opens: the object has no way to pass an auth token.

An object holds the keystore, the alias, the options that select the key (AUTH_STORAGE_LEVEL, ...),
its stored params and its public key, all fixed when it is created (that reads the record and the
public key and opens no session). It is safe to use from many threads; each operation is one session,
so the keystore's session limit applies (12000010 when it is reached). The object names the alias: a key
that replaces it under the same alias is used from then on, while ``public_key()`` keeps the old one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Final, NoReturn, Protocol, Self, TypeAlias

from cryptography.hazmat.primitives import _serialization, hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import NoDigestInfo, Prehashed
from cryptography.utils import Buffer

from hukspy import formats, policy
from hukspy.backend.facts import DIGESTS
from hukspy.backend.signer import EcPublicHalf
from hukspy.enums import (
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksRsaPssSaltLenType,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam, HuksReturnResult, HuksSessionHandle, ParamSet
from hukspy.spec import KeySpec


class Keystore(Protocol):
    """What this module needs of a ``hukspy.Keystore`` (which imports this module, so it is named by
    its methods here rather than imported)."""

    def init_session(self, key_alias: str, options: HuksOptions) -> HuksSessionHandle: ...

    def finish_session(
        self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
    ) -> HuksReturnResult: ...

    def abort_session(self, handle: int | HuksSessionHandle, options: HuksOptions) -> None: ...

    def get_key_item_properties(self, key_alias: str, options: HuksOptions) -> HuksReturnResult: ...

    def export_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult: ...

__all__ = [
    "HuksEd25519PrivateKey",
    "HuksEllipticCurvePrivateKey",
    "HuksKey",
    "HuksPrivateKey",
    "HuksRSAPrivateKey",
    "private_key",
    "public_key",
]

_A = HuksKeyAlg
_T = HuksTag
_PU = HuksKeyPurpose
_NONE: Final = int(HuksKeyDigest.HUKS_DIGEST_NONE)

#: pyca padding class → HUKS padding. Anything else is not a padding: 401.
_PADDINGS: Final[dict[type[asym_padding.AsymmetricPadding], int]] = {
    asym_padding.PKCS1v15: int(HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5),
    asym_padding.PSS: int(HuksKeyPadding.HUKS_PADDING_PSS),
    asym_padding.OAEP: int(HuksKeyPadding.HUKS_PADDING_OAEP),
}


def _unsupported(what: str) -> HuksError:
    return HuksError(12000001, f"{what} through a hukspy key")


def _digest(algorithm: object) -> int:
    """The ``HuksKeyDigest`` of a pyca hash (same name: ``sha256`` is ``HUKS_DIGEST_SHA256``).
    Not a hash: 401; a hash HUKS does not name (SHA-3, SHA-512/256, ...): 12000001."""
    if not isinstance(algorithm, hashes.HashAlgorithm):
        raise HuksError(401, "the algorithm must be a cryptography hash, Prehashed or NoDigestInfo")
    digest = HuksKeyDigest.__members__.get(f"HUKS_DIGEST_{algorithm.name.upper()}")
    if digest is None or digest == _NONE:
        raise _unsupported(f"the digest {algorithm.name}")
    return int(digest)


def _bytes(data: object, what: str = "data") -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise HuksError(401, f"the {what} must be bytes")
    return bytes(data)


def _prehashed(data: bytes, algorithm: Prehashed) -> int:
    """The digest of a ``Prehashed`` input, whose length must be the digest size (401 otherwise)."""
    digest = _digest(algorithm._algorithm)
    if len(data) != algorithm.digest_size:
        raise HuksError(401, f"a Prehashed input must be {algorithm.digest_size} bytes")
    return digest


def _mgf1_digest(mgf: object, digest: int) -> None:
    """HUKS runs MGF1 with the message digest (OAEP and PSS): any other MGF is 12000001."""
    if not isinstance(mgf, asym_padding.MGF1) or _digest(mgf._algorithm) != digest:
        raise _unsupported("an MGF other than MGF1 with the message digest")


class HuksPrivateKey:
    """What the three key classes share: the key's identity, its public key and one session per call."""

    def __init__(
        self, keystore: Keystore, alias: str, selection: Sequence[HuksParam], stored: ParamSet,
        spec: KeySpec, public: PublicKeyTypes,
    ) -> None:
        self._ks: Final = keystore
        self._alias: Final = alias
        self._selection: Final = tuple(selection)
        self._stored: Final = stored
        self._spec: Final = spec
        self._public: PublicKeyTypes = public  # narrowed by each subclass

    @property
    def alias(self) -> str:
        """The key's alias in its keystore."""
        return self._alias

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self._alias!r}, keystore={self._ks!r})"

    def __copy__(self) -> Self:
        return self  # immutable: a copy is the same key

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def private_bytes(
        self, encoding: _serialization.Encoding, format: _serialization.PrivateFormat,
        encryption_algorithm: _serialization.KeySerializationEncryption,
    ) -> bytes:
        """Raises ``HuksError`` 12000003: the private key never leaves the keystore."""
        self._not_extractable()

    def private_bytes_raw(self) -> bytes:
        """Raises 12000003, as ``private_bytes``."""
        self._not_extractable()

    def private_numbers(self) -> NoReturn:
        """Raises 12000003, as ``private_bytes``."""
        self._not_extractable()

    def _not_extractable(self) -> NoReturn:
        raise HuksError(
            12000003, f'key type: the private key "{self._alias}" cannot be exported (it stays inside)'
        )

    def _run(self, purpose: int, params: Sequence[HuksParam], data: bytes) -> bytes:
        """One session: init with the selection, ALGORITHM (from ``params`` or the key's), PURPOSE and
        ``params``; finish with ``data``. Raises what the keystore raises; 12000008 for a key that
        requires user authentication for ``purpose``."""
        auth_purpose = self._stored.int_(_T.HUKS_TAG_KEY_AUTH_PURPOSE)
        if _T.HUKS_TAG_USER_AUTH_TYPE in self._stored and auth_purpose in (None, purpose):
            raise HuksError(12000008, "the key requires user authentication; a pyca key object has no token")
        init = [*self._selection, HuksParam(_T.HUKS_TAG_PURPOSE, purpose), *params]
        if not any(p.tag == _T.HUKS_TAG_ALGORITHM for p in params):
            init.append(HuksParam(_T.HUKS_TAG_ALGORITHM, self._spec.alg))
        handle = self._ks.init_session(self._alias, HuksOptions(init))
        try:
            return self._ks.finish_session(handle, HuksOptions(in_data=data)).out_data
        except BaseException:
            with contextlib.suppress(HuksError):  # finish ended it already; an interrupt may not have
                self._ks.abort_session(handle, HuksOptions())
            raise

    def _stored_digest(self) -> list[HuksParam]:
        """The key's own DIGEST as an init param (a policy tag init must repeat), or none."""
        digest = self._stored.int_(_T.HUKS_TAG_DIGEST)
        return [] if digest is None else [HuksParam(_T.HUKS_TAG_DIGEST, digest)]


class HuksRSAPrivateKey(HuksPrivateKey, rsa.RSAPrivateKey):
    """An RSA key in a hukspy keystore, as a pyca ``RSAPrivateKey`` (docs/cryptography.md).

    ``sign``: PKCS1v15 or PSS (MGF1 with the message digest; salt ``DIGEST_LENGTH``/``MAX_LENGTH`` or
    the equal integer), with a hash, ``Prehashed`` or ``NoDigestInfo`` (both DIGEST_NONE). ``decrypt``:
    OAEP (MGF1 with the same digest, no label) or PKCS1v15. Codes: see the module docstring.
    """

    _public: rsa.RSAPublicKey

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(
        self, data: bytes, padding: asym_padding.AsymmetricPadding,
        algorithm: Prehashed | hashes.HashAlgorithm | NoDigestInfo,
    ) -> bytes:
        data = _bytes(data)
        pad = _PADDINGS.get(type(padding))
        if pad is None:
            raise HuksError(401, "the padding must be PKCS1v15 or PSS")
        params = [HuksParam(_T.HUKS_TAG_PADDING, pad)]
        if isinstance(padding, asym_padding.PSS):
            if not isinstance(algorithm, hashes.HashAlgorithm):
                raise _unsupported("PSS over a Prehashed or NoDigestInfo input (HUKS PSS needs a digest)")
            digest = _digest(algorithm)
            _mgf1_digest(padding.mgf, digest)
            params.append(HuksParam(_T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE, self._pss_salt(padding, algorithm)))
        elif isinstance(algorithm, NoDigestInfo):
            digest = _NONE
        elif isinstance(algorithm, Prehashed):
            known = DIGESTS.get(_prehashed(data, algorithm))
            prefix = known.digest_info if known is not None else b""
            if not prefix:
                raise _unsupported(f"a Prehashed {algorithm._algorithm.name} PKCS#1 v1.5 signature")
            data, digest = prefix + data, _NONE
        else:
            digest = _digest(algorithm)
        params.append(HuksParam(_T.HUKS_TAG_DIGEST, digest))
        return self._run(_PU.HUKS_KEY_PURPOSE_SIGN, params, data)

    def _pss_salt(self, padding: asym_padding.PSS, algorithm: hashes.HashAlgorithm) -> int:
        salt = padding._salt_length
        if isinstance(salt, asym_padding._DigestLength) or salt == algorithm.digest_size:
            return int(HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_DIGEST)
        maximum = asym_padding.calculate_max_pss_salt_length(self._public, algorithm)
        if isinstance(salt, asym_padding._MaxLength) or salt == maximum:
            return int(HuksRsaPssSaltLenType.HUKS_RSA_PSS_SALT_LEN_MAX)
        raise _unsupported("a PSS salt length other than the digest length or the maximum")

    def decrypt(self, ciphertext: bytes, padding: asym_padding.AsymmetricPadding) -> bytes:
        data = _bytes(ciphertext, "ciphertext")
        pad = _PADDINGS.get(type(padding))
        if pad is None:
            raise HuksError(401, "the padding must be OAEP or PKCS1v15")
        params = [HuksParam(_T.HUKS_TAG_PADDING, pad)]
        if isinstance(padding, asym_padding.OAEP):
            digest = _digest(padding.algorithm)
            _mgf1_digest(padding.mgf, digest)
            if padding._label:
                raise _unsupported("an OAEP label")
            params.append(HuksParam(_T.HUKS_TAG_DIGEST, digest))
        else:
            params += self._stored_digest()
        return self._run(_PU.HUKS_KEY_PURPOSE_DECRYPT, params, data)



class HuksEllipticCurvePrivateKey(HuksPrivateKey, EcPublicHalf, ec.EllipticCurvePrivateKey):
    """An ECC (or ECDH) key in a hukspy keystore, as a pyca ``EllipticCurvePrivateKey``
    (docs/cryptography.md). ``sign`` takes ``ECDSA(hash)`` or ``ECDSA(Prehashed(hash))`` (DIGEST_NONE)
    and returns a DER signature; ``exchange(ECDH(), peer)`` needs a key with purpose AGREE and returns
    the shared x-coordinate, as pyca does. Codes: see the module docstring.
    """

    _public: ec.EllipticCurvePublicKey

    def sign(self, data: Buffer, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        data = _bytes(data)
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise HuksError(401, "the signature algorithm must be ECDSA")
        if signature_algorithm.deterministic_signing:
            raise _unsupported("deterministic ECDSA (RFC 6979)")
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, Prehashed):
            _prehashed(data, algorithm)
            digest = _NONE
        else:
            digest = _digest(algorithm)
        return self._run(_PU.HUKS_KEY_PURPOSE_SIGN, [HuksParam(_T.HUKS_TAG_DIGEST, digest)], data)

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        if not isinstance(algorithm, ec.ECDH):
            raise HuksError(401, "the exchange algorithm must be ECDH")
        if not isinstance(peer_public_key, ec.EllipticCurvePublicKey):
            raise HuksError(401, "the peer key must be an EllipticCurvePublicKey")
        peer = peer_public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        params = [HuksParam(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECDH),
                  HuksParam(_T.HUKS_TAG_KEY_SIZE, self._spec.size)]
        return self._run(_PU.HUKS_KEY_PURPOSE_AGREE, params, peer)



class HuksEd25519PrivateKey(HuksPrivateKey, ed25519.Ed25519PrivateKey):
    """An Ed25519 key in a hukspy keystore, as a pyca ``Ed25519PrivateKey`` (docs/cryptography.md).
    ``sign(data)`` returns the 64-byte signature. Codes: see the module docstring."""

    _public: ed25519.Ed25519PublicKey

    def public_key(self) -> ed25519.Ed25519PublicKey:
        return self._public

    def sign(self, data: Buffer) -> bytes:
        return self._run(_PU.HUKS_KEY_PURPOSE_SIGN, [], _bytes(data))


#: What ``Keystore.private_key`` returns: each is a pyca private key type, so type checkers accept it
#: wherever pyca takes one.
HuksKey: TypeAlias = HuksRSAPrivateKey | HuksEllipticCurvePrivateKey | HuksEd25519PrivateKey

#: Key algorithm → the class of its private-key object.
_CLASSES: Final[dict[int, type[HuksKey]]] = {
    _A.HUKS_ALG_RSA: HuksRSAPrivateKey,
    _A.HUKS_ALG_ECC: HuksEllipticCurvePrivateKey,
    _A.HUKS_ALG_ECDH: HuksEllipticCurvePrivateKey,
    _A.HUKS_ALG_ED25519: HuksEd25519PrivateKey,
}


def _selection(options: object) -> list[HuksParam]:
    if options is None:
        return []
    if not isinstance(options, HuksOptions):
        raise HuksError(401, "options must be a HuksOptions or None")
    return ParamSet.parse(options.properties).to_params()  # 401 for malformed properties


def _load(ks: Keystore, alias: str, selection: list[HuksParam]) -> tuple[ParamSet, KeySpec, PublicKeyTypes]:
    """The key's stored params, spec and pyca public key. Raises 401, 12000011, 12000003 (symmetric)."""
    stored = ParamSet.parse(ks.get_key_item_properties(alias, HuksOptions(selection)).properties)
    spec = policy.key_spec(stored)
    exported = ks.export_key_item(alias, HuksOptions(selection)).out_data
    return stored, spec, formats.load_public(spec.alg, exported, spec.size)


def private_key(ks: Keystore, alias: str, options: HuksOptions | None = None) -> HuksKey:
    """The key under ``alias`` as a pyca private key object (``Keystore.private_key``).

    Raises ``HuksError`` 401 (arguments), 12000011 (no such key), 12000003 (not an RSA, ECC/ECDH or
    Ed25519 private key: a symmetric key, an imported public key, X25519, DSA, DH, ...)."""
    selection = _selection(options)
    stored, spec, public = _load(ks, alias, selection)
    cls = _CLASSES.get(spec.alg)
    if cls is None or spec.public_only:
        raise HuksError(12000003, f'key type of "{alias}" (an RSA, EC or Ed25519 private key expected)')
    return cls(ks, alias, selection, stored, spec, public)


def public_key(ks: Keystore, alias: str, options: HuksOptions | None = None) -> PublicKeyTypes:
    """The pyca public key of the asymmetric key under ``alias`` (``Keystore.public_key``).

    Raises ``HuksError`` 401, 12000011, 12000003 (a symmetric key), 12000001 (an algorithm without a
    pyca public key)."""
    return _load(ks, alias, _selection(options))[2]
