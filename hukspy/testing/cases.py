"""The one capability-driven case generator: what to exercise on a keystore, read from its
``Capabilities``. Two runners draw from it: the conformance suite (``hukspy.testing.conformance``, pytest,
every result checked against pyca) and ``hukspy selftest`` (``hukspy.selftest``, a table of rows).

A runner asks for

- ``key_cases(caps)``: one ``KeyCase`` per declared ``KeyCap`` (generate it if declared; import it for
  each declared import type, at the sizes ``import_sizes`` chooses), with the purpose class the key is
  made with;
- ``op_cases(caps, sizes)``: one ``OpCase`` per declared ``OpCap`` and key size (``sizes`` chooses
  them: ``representative_sizes`` for the selftest, ``extreme_sizes`` for the suite), each knowing the
  declared partner that completes a round trip (ENCRYPT → DECRYPT, SIGN → VERIFY);
- ``attest_key(caps)``, ``wrap_key(caps)`` and ``keyop_cases(caps)``: the key an attestation or a
  wrap is tried with, and the agreement, derivation and wrapped-import cases, when declared.

Nothing here runs anything or imports pytest: it is data about capabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from hukspy import wrapped
from hukspy.backend import Capabilities, KeyCap, OpCap
from hukspy.enums import (
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
)
from hukspy.formats import SYMMETRIC_ALGS
from hukspy.spec import OpKind

__all__ = [
    "CLASS_OF_KIND",
    "KIND_PURPOSE",
    "PARTNER",
    "PURPOSE_CLASS",
    "PURPOSE_CLASSES",
    "KeyCase",
    "KeyopCase",
    "OpCase",
    "SizeChooser",
    "attest_key",
    "digest_bytes",
    "extreme_sizes",
    "import_purpose",
    "key_cases",
    "key_class",
    "key_classes",
    "key_digest",
    "keyop_cases",
    "natural_class",
    "op_cases",
    "representative_sizes",
    "usable",
    "wrap_key",
]

_ALG = HuksKeyAlg
_PURPOSE = HuksKeyPurpose
_IMPORT = HuksImportKeyType
_DIGEST = HuksKeyDigest
_PADDING = HuksKeyPadding

#: A purpose class: the PURPOSE bits a key of that class is made with, in order of preference for the
#: key that represents an algorithm (huks-reference.md §4.1 step 6 allows one class per key).
PURPOSE_CLASSES: Final[tuple[tuple[str, int], ...]] = (
    ("sign", _PURPOSE.HUKS_KEY_PURPOSE_SIGN | _PURPOSE.HUKS_KEY_PURPOSE_VERIFY),
    ("encrypt", _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT | _PURPOSE.HUKS_KEY_PURPOSE_DECRYPT),
    ("agree", _PURPOSE.HUKS_KEY_PURPOSE_AGREE),
    ("mac", _PURPOSE.HUKS_KEY_PURPOSE_MAC),
    ("derive", _PURPOSE.HUKS_KEY_PURPOSE_DERIVE),
    ("kem", _PURPOSE.HUKS_KEY_PURPOSE_WRAP | _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP),
)
_CLASS_BITS: Final = dict(PURPOSE_CLASSES)
_CLASS_ORDER: Final = [name for name, _ in PURPOSE_CLASSES]

#: The purpose class of the key each kind of operation runs on.
CLASS_OF_KIND: Final[dict[OpKind, str]] = {
    OpKind.SIGN: "sign",
    OpKind.VERIFY: "sign",
    OpKind.ENCRYPT: "encrypt",
    OpKind.DECRYPT: "encrypt",
    OpKind.AGREE: "agree",
    OpKind.MAC: "mac",
    OpKind.DERIVE: "derive",
    OpKind.ENCAPSULATE: "kem",
    OpKind.DECAPSULATE: "kem",
}
#: The PURPOSE bits of the key each kind of operation runs on.
PURPOSE_CLASS: Final[dict[OpKind, int]] = {kind: _CLASS_BITS[name] for kind, name in CLASS_OF_KIND.items()}
#: The single PURPOSE bit an init of each kind carries.
KIND_PURPOSE: Final[dict[OpKind, int]] = {
    OpKind.ENCRYPT: _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT,
    OpKind.DECRYPT: _PURPOSE.HUKS_KEY_PURPOSE_DECRYPT,
    OpKind.SIGN: _PURPOSE.HUKS_KEY_PURPOSE_SIGN,
    OpKind.VERIFY: _PURPOSE.HUKS_KEY_PURPOSE_VERIFY,
    OpKind.MAC: _PURPOSE.HUKS_KEY_PURPOSE_MAC,
    OpKind.AGREE: _PURPOSE.HUKS_KEY_PURPOSE_AGREE,
    OpKind.DERIVE: _PURPOSE.HUKS_KEY_PURPOSE_DERIVE,
    OpKind.ENCAPSULATE: _PURPOSE.HUKS_KEY_PURPOSE_WRAP,
    OpKind.DECAPSULATE: _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP,
}
#: The partner that completes a round trip (encrypt → decrypt, sign → verify).
PARTNER: Final[dict[OpKind, OpKind]] = {
    OpKind.ENCRYPT: OpKind.DECRYPT, OpKind.SIGN: OpKind.VERIFY, OpKind.ENCAPSULATE: OpKind.DECAPSULATE,
}

_STANDARD_SIZES: Final = frozenset(int(s) for s in HuksKeySize.__members__.values())
_DIGEST_BYTES: Final[dict[int, int]] = {
    _DIGEST.HUKS_DIGEST_MD5: 16,
    _DIGEST.HUKS_DIGEST_SHA1: 20,
    _DIGEST.HUKS_DIGEST_SHA224: 28,
    _DIGEST.HUKS_DIGEST_SHA256: 32,
    _DIGEST.HUKS_DIGEST_SHA384: 48,
    _DIGEST.HUKS_DIGEST_SHA512: 64,
    _DIGEST.HUKS_DIGEST_SM3: 32,
}


# ------------------------------------------------------------------------------------ key classes


def key_digest(cap: OpCap) -> int | None:
    """The DIGEST a key needs for ``cap``: MAC and derive keys are bound to their digest."""
    return cap.digest if cap.kind in (OpKind.MAC, OpKind.DERIVE) else None


def key_classes(caps: Capabilities, alg: int, size: int) -> list[tuple[str, int | None]]:
    """The (purpose class, key digest) pairs the declared ops need on an ``alg``-``size`` key, in the
    order of ``PURPOSE_CLASSES`` (then by digest)."""
    found: set[tuple[str, int | None]] = set()
    for cap in caps.ops:
        if cap.key_alg == alg and (not cap.sizes or size in cap.sizes):
            found.add((CLASS_OF_KIND[cap.kind], key_digest(cap)))
    return sorted(found, key=lambda cd: (_CLASS_ORDER.index(cd[0]), -1 if cd[1] is None else cd[1]))


def natural_class(alg: int) -> str:
    """The purpose class every key of ``alg`` may be made with (for a key no declared op needs)."""
    if alg in (_ALG.HUKS_ALG_X25519, _ALG.HUKS_ALG_DH, _ALG.HUKS_ALG_ECDH):
        return "agree"
    if alg in (_ALG.HUKS_ALG_HMAC, _ALG.HUKS_ALG_CMAC, _ALG.HUKS_ALG_SM3):
        return "mac"
    if alg in SYMMETRIC_ALGS:
        return "encrypt"
    return "sign"


def key_class(caps: Capabilities, alg: int, size: int) -> tuple[str, int | None]:
    """The (purpose class, key digest) a key of ``alg``-``size`` is made with: the first of
    ``key_classes``, else ``natural_class`` (MAC keys then with SHA-256, SM3 for SM3 keys)."""
    classes = key_classes(caps, alg, size)
    if classes:
        return classes[0]
    cls = natural_class(alg)
    if cls != "mac":
        return cls, None
    return cls, _DIGEST.HUKS_DIGEST_SM3 if alg == _ALG.HUKS_ALG_SM3 else _DIGEST.HUKS_DIGEST_SHA256


def import_purpose(purpose_class: int, import_type: int) -> int:
    """The purpose an imported key of ``import_type`` may have within ``purpose_class``
    (huks-reference.md §4.6): a public key only verifies/encrypts/agrees, a private key only
    signs/decrypts/agrees; a pair keeps the whole class."""
    if import_type == _IMPORT.HUKS_KEY_TYPE_KEY_PAIR:
        return purpose_class
    public = import_type == _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY
    if purpose_class & _PURPOSE.HUKS_KEY_PURPOSE_SIGN:
        return int(_PURPOSE.HUKS_KEY_PURPOSE_VERIFY if public else _PURPOSE.HUKS_KEY_PURPOSE_SIGN)
    if purpose_class & _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT:
        return int(_PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT if public else _PURPOSE.HUKS_KEY_PURPOSE_DECRYPT)
    if purpose_class & _PURPOSE.HUKS_KEY_PURPOSE_WRAP:  # ML-KEM: a public key only encapsulates
        return int(_PURPOSE.HUKS_KEY_PURPOSE_WRAP if public else _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP)
    return purpose_class


# ------------------------------------------------------------------------------------ sizes

#: Chooses the key sizes an ``OpCap`` runs at, from the declared ``Capabilities``.
SizeChooser = Callable[[Capabilities, OpCap], list[int]]


def _representative(sizes: Iterable[int]) -> list[int]:
    ordered = sorted(sizes)
    if not ordered:
        return []
    return sorted({ordered[0], ordered[-1]} | (set(ordered) & _STANDARD_SIZES))


def _declared_sizes(caps: Capabilities, cap: OpCap) -> set[int]:
    key_sizes = {k.size for k in caps.keys if k.alg == cap.key_alg}
    return key_sizes & cap.sizes if cap.sizes else key_sizes


def representative_sizes(caps: Capabilities, cap: OpCap) -> list[int]:
    """The selftest's sizes: the smallest and the largest declared, and every ``HuksKeySize`` value
    among them (HMAC's 512 sizes and RSA's flexible sizes do not multiply the run time)."""
    return _representative(_declared_sizes(caps, cap))


def digest_bytes(digest: int | None) -> int:
    """The output length of a HUKS digest (SHA-1's for NONE, as OAEP and PSS take it)."""
    return _DIGEST_BYTES.get(digest or 0, 20)  # OAEP/PSS with DIGEST_NONE is SHA-1


def usable(cap: OpCap, size: int) -> bool:
    """Whether a key of ``size`` bits can run ``cap`` at all (RSA paddings need room for the digest)."""
    if cap.key_alg != _ALG.HUKS_ALG_RSA:
        return True
    k, h = size // 8, digest_bytes(cap.digest)
    if cap.padding in (_PADDING.HUKS_PADDING_OAEP, _PADDING.HUKS_PADDING_PSS):
        return k >= 2 * h + 3
    if cap.padding == _PADDING.HUKS_PADDING_PKCS1_V1_5 and cap.kind in (OpKind.SIGN, OpKind.VERIFY):
        return k >= 19 + h + 11 + 1
    if cap.padding == _PADDING.HUKS_PADDING_ISO_IEC_9796_2:
        return k >= h + 3
    return k >= 12 + 32


def extreme_sizes(caps: Capabilities, cap: OpCap) -> list[int]:
    """The conformance suite's sizes: the smallest and the largest usable declared size, plus 256 and
    2048 when usable."""
    sizes = sorted(s for s in _declared_sizes(caps, cap) if usable(cap, s))
    if not sizes:
        return []
    return sorted({sizes[0], sizes[-1]} | ({256, 2048} & set(sizes)))


# ------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class KeyCase:
    """One declared ``KeyCap`` and how to exercise it: generate it (when declared) and import it as
    each of ``imports`` (empty at sizes the runner skips imports for). ``purpose`` and ``digest`` are
    the class it is made with (``key_classes``, else ``natural_class``)."""

    cap: KeyCap
    purpose: str
    digest: int | None
    imports: tuple[int, ...]

    @property
    def purpose_bits(self) -> int:
        """The PURPOSE of a generated (or a pair-imported) key of this case."""
        return _CLASS_BITS[self.purpose]

    @property
    def symmetric(self) -> bool:
        """A secret key: imported as raw bytes, nothing to export."""
        return self.cap.alg in SYMMETRIC_ALGS


def key_cases(caps: Capabilities, *, all_import_sizes: bool = True) -> list[KeyCase]:
    """One ``KeyCase`` per declared ``KeyCap``, ordered by (algorithm, size). Imports are exercised at
    every size, or (``all_import_sizes=False``, the selftest) only at the representative sizes of each
    algorithm (a symmetric key is imported once, as raw bytes, whatever types it declares)."""
    by_alg: dict[int, set[int]] = {}
    for k in caps.keys:
        by_alg.setdefault(k.alg, set()).add(k.size)
    chosen = {alg: set(_representative(sizes)) for alg, sizes in by_alg.items()}
    cases = []
    for cap in sorted(caps.keys, key=lambda k: (int(k.alg), k.size)):
        purpose, digest = key_class(caps, cap.alg, cap.size)
        imports: tuple[int, ...] = ()
        if all_import_sizes or cap.size in chosen[cap.alg]:
            imports = tuple(sorted(cap.imports))
        cases.append(KeyCase(cap, purpose, digest, imports))
    return cases


@dataclass(frozen=True)
class OpCase:
    """One declared ``OpCap`` at one key size. ``partner`` is the declared kind that completes a round
    trip with it (DECRYPT for an ENCRYPT entry), ``second_half`` says it is itself such a partner (a
    runner that runs round trips skips it)."""

    cap: OpCap
    size: int
    partner: OpKind | None
    second_half: bool

    @property
    def purpose(self) -> str:
        """The purpose class of the key it runs on."""
        return CLASS_OF_KIND[self.cap.kind]


def _op_order(c: OpCap) -> tuple[int, int, str, int, int, int, int]:
    return (
        int(c.key_alg),
        int(c.alg),
        c.kind.value,
        c.mode or -1,
        -1 if c.padding is None else c.padding,
        -1 if c.digest is None else c.digest,
        len(c.sizes),
    )


def op_cases(caps: Capabilities, sizes: SizeChooser) -> Iterator[OpCase]:
    """Every declared ``OpCap`` at each size ``sizes`` chooses, ordered by key algorithm, algorithm,
    kind, mode, padding and digest. A cap for which ``sizes`` gives nothing yields nothing."""
    ordered = sorted(caps.ops, key=_op_order)
    declared = {(c.kind, c.key_alg, c.alg, c.mode, c.padding, c.digest, c.sizes) for c in ordered}
    for cap in ordered:
        shape = (cap.key_alg, cap.alg, cap.mode, cap.padding, cap.digest, cap.sizes)
        partner = PARTNER.get(cap.kind)
        if partner is not None and (partner, *shape) not in declared:
            partner = None
        second = any(v is cap.kind and (k, *shape) in declared for k, v in PARTNER.items())
        for size in sizes(caps, cap):
            yield OpCase(cap, size, partner, second)


def attest_key(caps: Capabilities) -> KeyCap | None:
    """The key an attestation is tried with when ``caps.attest``: the first (by algorithm and size)
    declared key that some declared operation signs with; None when there is none."""
    if not caps.attest:
        return None
    for cap in sorted(caps.keys, key=lambda k: (int(k.alg), k.size)):
        if ("sign", None) in key_classes(caps, cap.alg, cap.size):
            return cap
    return None


def wrap_key(caps: Capabilities) -> KeyCap | None:
    """The key a HUK-based wrap/unwrap is tried with when ``caps.wrap``: the largest generated AES
    key; None when there is none."""
    if not caps.wrap:
        return None
    aes = sorted((k for k in caps.keys if k.alg == _ALG.HUKS_ALG_AES and k.generate), key=lambda k: k.size)
    return aes[-1] if aes else None


@dataclass(frozen=True)
class KeyopCase:
    """An operation beyond one session: ``kind`` is ``"agree+store"`` (``key_alg`` agreeing with
    ``alg``), ``"derive"`` (``alg`` HKDF or PBKDF2 with SHA-256 from an AES key), ``"import-wrapped"``
    (``suite``, unwrapped by a ``key_alg`` key), ``"wrap/unwrap"`` or ``"attest"``/``"anon-attest"``;
    ``size`` is the size of the key it runs on."""

    kind: str
    key_alg: int
    size: int
    alg: int = 0
    suite: int = 0


def _declared(caps: Capabilities, kind: OpKind, key_alg: int, alg: int, digest: int | None = None) -> bool:
    return any(
        c.kind is kind and c.key_alg == key_alg and c.alg == alg and c.digest == digest for c in caps.ops
    )


def keyop_cases(caps: Capabilities) -> list[KeyopCase]:
    """The agreement-and-store, derivation, wrapped-import, wrap and attestation cases ``caps``
    declares, in that order (each needs an AES-256 key to check its result with, attestation an
    ECC P-256 key)."""
    def has(alg: int, size: int) -> bool:
        return caps.key(alg, size) is not None

    aes = has(_ALG.HUKS_ALG_AES, 256)
    cases = []
    agreements = ((_ALG.HUKS_ALG_X25519, _ALG.HUKS_ALG_X25519), (_ALG.HUKS_ALG_ECC, _ALG.HUKS_ALG_ECDH))
    for key_alg, agree_alg in agreements:
        if _declared(caps, OpKind.AGREE, key_alg, agree_alg) and has(key_alg, 256) and aes:
            cases.append(KeyopCase("agree+store", key_alg, 256, agree_alg))
    if aes:
        for kdf in (_ALG.HUKS_ALG_HKDF, _ALG.HUKS_ALG_PBKDF2):
            if _declared(caps, OpKind.DERIVE, _ALG.HUKS_ALG_AES, kdf, _DIGEST.HUKS_DIGEST_SHA256):
                cases.append(KeyopCase("derive", _ALG.HUKS_ALG_AES, 256, kdf))
        for suite, spec in wrapped.SUITES.items():
            wrapping_alg = min(spec.key_algs)
            agrees = _declared(caps, OpKind.AGREE, wrapping_alg, spec.agree_alg)
            if agrees and has(wrapping_alg, spec.key_size):
                cases.append(KeyopCase("import-wrapped", wrapping_alg, spec.key_size, spec.agree_alg, suite))
        if caps.wrap:
            cases.append(KeyopCase("wrap/unwrap", _ALG.HUKS_ALG_AES, 256))
    if caps.attest and has(_ALG.HUKS_ALG_ECC, 256):
        cases += [KeyopCase(kind, _ALG.HUKS_ALG_ECC, 256) for kind in ("attest", "anon-attest")]
    return cases
