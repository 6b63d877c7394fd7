"""``hukspy selftest``: exercise every capability a keystore declares, through the public API only.

``run_selftest(ks)`` reads ``ks.capabilities()`` and, with temporary aliases (``hukspy-selftest-<random>-``,
all deleted at the end, also on failure), checks:

- every ``KeyCap``: ``generate_key_item`` when declared; ``import_key_item`` for each declared import
  type at representative sizes (below): raw bytes for symmetric keys; for asymmetric keys a locally
  made key as the HUKS key-material struct (KEY_PAIR) and the private-key struct (PRIVATE_KEY), and the
  generated key's exported public key (PUBLIC_KEY); an imported asymmetric key must export the public
  key it was given;
- every ``OpCap``: encrypt → decrypt gives the plaintext back; sign → verify succeeds and a tampered
  signature fails with 12000006; MAC twice gives the same value of the digest's length; agree both ways
  gives the same secret; derive gives ``DERIVE_KEY_SIZE`` bytes, the same twice;
- ``attest_key_item`` and ``wrap_key_item``/``unwrap_key_item`` when the capabilities declare them.

Imports and operations run at representative key sizes of their range: the smallest, the largest, and
every size that is a ``HuksKeySize`` value, so that HMAC's 512 sizes and RSA's 133 flexible sizes do not
multiply the run time (importing an RSA key costs up to seconds: the private exponent is factored back
into p and q), while every declared size is still generated. Each distinct key (algorithm, size,
purpose class, digest) is generated once and reused by all the operations that need it.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from hukspy.backend import Capabilities, KeyCap, OpCap
from hukspy.cli import AE_MODES, BLOCK_BYTES, IV_MODES, JSON, enum_name, purpose_bit, run_session
from hukspy.enums import (
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeySize,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.formats import SYMMETRIC_ALGS
from hukspy.keystore import Keystore
from hukspy.params import HuksOptions, HuksParam
from hukspy.spec import OpKind

__all__ = ["ALIAS_PREFIX", "Row", "run_selftest"]

#: Every alias the selftest creates starts with this (then a random run id).
ALIAS_PREFIX: Final = "hukspy-selftest-"

_T = HuksTag
_A = HuksKeyAlg
_P = HuksKeyPurpose
_IMP = HuksImportKeyType
_MODE = HuksCipherMode

_PADDED_BLOCK_MODES: Final = frozenset({_MODE.HUKS_MODE_ECB, _MODE.HUKS_MODE_CBC})
_STANDARD_SIZES: Final = frozenset(int(s) for s in HuksKeySize.__members__.values())

#: A purpose class: the PURPOSE bits a key of that class is generated with, in order of preference for
#: the key that represents an algorithm in the generate/import rows.
_CLASSES: Final[tuple[tuple[str, int], ...]] = (
    ("sign", _P.HUKS_KEY_PURPOSE_SIGN | _P.HUKS_KEY_PURPOSE_VERIFY),
    ("encrypt", _P.HUKS_KEY_PURPOSE_ENCRYPT | _P.HUKS_KEY_PURPOSE_DECRYPT),
    ("agree", _P.HUKS_KEY_PURPOSE_AGREE),
    ("mac", _P.HUKS_KEY_PURPOSE_MAC),
    ("derive", _P.HUKS_KEY_PURPOSE_DERIVE),
)
_CLASS_OF: Final[dict[OpKind, str]] = {
    OpKind.SIGN: "sign",
    OpKind.VERIFY: "sign",
    OpKind.ENCRYPT: "encrypt",
    OpKind.DECRYPT: "encrypt",
    OpKind.AGREE: "agree",
    OpKind.MAC: "mac",
    OpKind.DERIVE: "derive",
}
#: The partner that completes a round trip (encrypt → decrypt, sign → verify).
_PARTNER: Final[dict[OpKind, OpKind]] = {OpKind.ENCRYPT: OpKind.DECRYPT, OpKind.SIGN: OpKind.VERIFY}
_MESSAGE_LEN: Final = 1000
_BLOCK_MESSAGE_LEN: Final = 1024  # a multiple of every block size, for NONE padding in ECB/CBC
_DERIVE_LEN: Final = 32


@dataclass(frozen=True)
class Row:
    """One line of the selftest: what was tried, whether it worked, the error or detail, the time."""

    alg: str
    size: int
    op: str
    params: str
    ok: bool
    detail: str = ""
    ms: float = 0.0

    @property
    def capability(self) -> str:
        """``"aes-256 encrypt/decrypt gcm/none"``."""
        return " ".join(p for p in (f"{self.alg}-{self.size}", self.op, self.params) if p)

    def to_json(self) -> dict[str, JSON]:
        return {
            "alg": self.alg,
            "size": self.size,
            "op": self.op,
            "params": self.params,
            "capability": self.capability,
            "ok": self.ok,
            "detail": self.detail,
            "ms": round(self.ms, 3),
        }


class CheckFailedError(Exception):
    """A check that did not hold (not a HuksError: the API answered, but wrongly)."""


def _digest_len(digest: int | None) -> int | None:
    if digest is None or digest == HuksKeyDigest.HUKS_DIGEST_NONE:
        return None
    name = enum_name(HuksKeyDigest, digest)
    try:
        return hashlib.new(name).digest_size
    except ValueError:
        return 32 if name == "sm3" else None


def _options(*pairs: tuple[int, int | bool | bytes | None], data: bytes | None = None) -> HuksOptions:
    return HuksOptions([HuksParam(t, v) for t, v in pairs if v is not None], data)


@dataclass
class _Run:
    ks: Keystore
    progress: Callable[[str], None] | None
    caps: Capabilities = field(init=False)
    prefix: str = field(init=False)
    rows: list[Row] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    keys: dict[tuple[int, int, str, int | None, int], str | HuksError] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        self.caps = self.ks.capabilities()
        self.prefix = f"{ALIAS_PREFIX}{secrets.token_hex(4)}-"

    # ---------------------------------------------------------------- bookkeeping

    def alias(self) -> str:
        self.counter += 1
        name = f"{self.prefix}{self.counter}"
        self.created.append(name)
        return name

    @contextlib.contextmanager
    def row(self, alg: int, size: int, op: str, params: str) -> Iterator[list[str]]:
        """Time the body and record a row: ok unless it raised; the yielded list collects detail."""
        alg_name = enum_name(_A, alg)
        if self.progress is not None:
            self.progress(f"{alg_name}-{size} {op} {params}")
        with timed_row(self.rows, alg_name, size, op, params) as detail:
            yield detail

    def cleanup(self) -> None:
        self.rows.append(remove_aliases(self.ks, self.created, ""))

    # ---------------------------------------------------------------- keys

    def classes(self, alg: int, size: int) -> list[tuple[str, int | None]]:
        """The (purpose class, key digest) pairs the declared ops need on an ``alg``-``size`` key, in
        the order of ``_CLASSES``."""
        found: set[tuple[str, int | None]] = set()
        for cap in self.caps.ops:
            if cap.key_alg == alg and (not cap.sizes or size in cap.sizes):
                found.add((_CLASS_OF[cap.kind], self.key_digest(cap)))
        order = [c for c, _ in _CLASSES]
        return sorted(found, key=lambda cd: (order.index(cd[0]), -1 if cd[1] is None else cd[1]))

    @staticmethod
    def key_digest(cap: OpCap) -> int | None:
        """The DIGEST a key needs for ``cap``: MAC and derive keys are bound to their digest."""
        return cap.digest if cap.kind in (OpKind.MAC, OpKind.DERIVE) else None

    def key(self, alg: int, size: int, cls: str, digest: int | None, n: int = 0) -> str:
        """The alias of a generated key of that kind (``n`` > 0: another one, for agreement)."""
        ident = (alg, size, cls, digest, n)
        found = self.keys.get(ident)
        if found is None:
            try:
                found = self.generate(alg, size, cls, digest)
            except HuksError as exc:
                found = exc
            self.keys[ident] = found
        if isinstance(found, HuksError):
            raise found
        return found

    def generate(self, alg: int, size: int, cls: str, digest: int | None) -> str:
        name = self.alias()
        self.ks.generate_key_item(name, self.key_options(alg, size, cls, digest))
        return name

    @staticmethod
    def key_options(
        alg: int,
        size: int,
        cls: str,
        digest: int | None,
        data: bytes | None = None,
        import_type: int | None = None,
    ) -> HuksOptions:
        purpose = dict(_CLASSES)[cls]
        return _options(
            (_T.HUKS_TAG_ALGORITHM, alg),
            (_T.HUKS_TAG_KEY_SIZE, size),
            (_T.HUKS_TAG_PURPOSE, purpose),
            (_T.HUKS_TAG_DIGEST, digest),
            (_T.HUKS_TAG_IMPORT_KEY_TYPE, import_type),
            data=data,
        )

    # ---------------------------------------------------------------- generate and import

    def key_caps(self) -> list[KeyCap]:
        return sorted(self.caps.keys, key=lambda k: (int(k.alg), k.size))

    def generate_rows(self) -> None:
        for cap in self.key_caps():
            if not cap.generate:
                continue
            classes = self.classes(cap.alg, cap.size) or [(c, None) for c, _ in _CLASSES]
            cls, digest = classes[0]
            with self.row(cap.alg, cap.size, "generate", cls) as detail:
                self.keys[(cap.alg, cap.size, cls, digest, 0)] = self.generate(cap.alg, cap.size, cls, digest)
                detail.append(f"purpose {cls}")

    def import_rows(self) -> None:
        by_alg: dict[int, set[int]] = {}
        for cap in self.caps.keys:
            by_alg.setdefault(cap.alg, set()).add(cap.size)
        chosen = {alg: set(_representative(sizes)) for alg, sizes in by_alg.items()}
        for cap in self.key_caps():
            if cap.size not in chosen[cap.alg]:
                continue
            classes = self.classes(cap.alg, cap.size) or [(c, None) for c, _ in _CLASSES]
            cls, digest = classes[0]
            if cap.alg in SYMMETRIC_ALGS:
                if cap.imports:
                    with self.row(cap.alg, cap.size, "import", f"raw {cls}"):
                        material = secrets.token_bytes((cap.size + 7) // 8)
                        opts = self.key_options(cap.alg, cap.size, cls, digest, material)
                        self.ks.import_key_item(self.alias(), opts)
                continue
            local: list[object] = []
            for import_type in sorted(cap.imports):
                kind = enum_name(_IMP, import_type)
                with self.row(cap.alg, cap.size, "import", kind):
                    self.import_asymmetric(cap, cls, import_type, local)

    def import_asymmetric(self, cap: KeyCap, cls: str, import_type: int, local: list[object]) -> None:
        from hukspy import formats

        purposes: dict[
            tuple[str, int], int
        ] = {  # what an imported half may do, by the algorithm's main class
            ("sign", _IMP.HUKS_KEY_TYPE_PUBLIC_KEY): _P.HUKS_KEY_PURPOSE_VERIFY,
            ("sign", _IMP.HUKS_KEY_TYPE_PRIVATE_KEY): _P.HUKS_KEY_PURPOSE_SIGN,
            ("encrypt", _IMP.HUKS_KEY_TYPE_PUBLIC_KEY): _P.HUKS_KEY_PURPOSE_ENCRYPT,
            ("encrypt", _IMP.HUKS_KEY_TYPE_PRIVATE_KEY): _P.HUKS_KEY_PURPOSE_DECRYPT,
        }
        purpose = purposes.get((cls, import_type), dict(_CLASSES)[cls])
        if import_type == _IMP.HUKS_KEY_TYPE_PUBLIC_KEY:
            source = self.key(cap.alg, cap.size, cls, None)
            material = expected = self.ks.export_key_item(source, HuksOptions()).out_data
        else:
            if not local:
                local.append(self.local_key(cap))
            private = local[0]
            build = (
                formats.key_material
                if import_type == _IMP.HUKS_KEY_TYPE_KEY_PAIR
                else formats.private_key_material
            )
            material = build(private)  # type: ignore[arg-type]
            expected = formats.export_public(private)  # type: ignore[arg-type]
        name = self.alias()
        self.ks.import_key_item(
            name,
            _options(
                (_T.HUKS_TAG_ALGORITHM, cap.alg),
                (_T.HUKS_TAG_KEY_SIZE, cap.size),
                (_T.HUKS_TAG_PURPOSE, purpose),
                (_T.HUKS_TAG_IMPORT_KEY_TYPE, import_type),
                data=material,
            ),
        )
        exported = self.ks.export_key_item(name, HuksOptions()).out_data
        if exported != expected:
            raise CheckFailedError("the imported key exports a different public key")

    def local_key(self, cap: KeyCap) -> object:
        """A private key of ``cap``'s algorithm and size made with pyca/cryptography, to import."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519

        from hukspy import formats

        alg, size = cap.alg, cap.size
        if alg == _A.HUKS_ALG_RSA:
            return rsa.generate_private_key(65537, size) if size >= 1024 else _small_rsa(size)
        if alg in (_A.HUKS_ALG_ECC, _A.HUKS_ALG_ECDH):
            return ec.generate_private_key(formats.EC_CURVES[size])
        if alg == _A.HUKS_ALG_ED25519:
            return ed25519.Ed25519PrivateKey.generate()
        if alg == _A.HUKS_ALG_X25519:
            return x25519.X25519PrivateKey.generate()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cryptography's FFDH/DSA deprecation warnings
            if alg == _A.HUKS_ALG_DH:
                from cryptography.hazmat.primitives.asymmetric import dh

                p, g = formats.DH_GROUPS[size]
                return dh.DHParameterNumbers(p, g).parameters().generate_private_key()
            if alg == _A.HUKS_ALG_DSA:
                # DSA domain parameters take seconds to make at 3072 bits: borrow those of the key the
                # keystore generated (its exported public key carries p, q and g).
                classes = self.classes(alg, size) or [("sign", None)]
                source = self.key(alg, size, classes[0][0], None)
                public = serialization.load_der_public_key(
                    self.ks.export_key_item(source, HuksOptions()).out_data
                )
                if not isinstance(public, dsa.DSAPublicKey):
                    raise CheckFailedError("the exported DSA key is not a DSA key")
                return public.parameters().generate_private_key()
        raise CheckFailedError(f"no local key maker for {enum_name(_A, alg)}")

    # ---------------------------------------------------------------- operations

    def op_caps(self) -> list[OpCap]:
        def order(c: OpCap) -> tuple[int, int, str, int, int, int, int]:
            return (
                int(c.key_alg),
                int(c.alg),
                c.kind.value,
                c.mode or -1,
                -1 if c.padding is None else c.padding,
                -1 if c.digest is None else c.digest,
                len(c.sizes),
            )

        return sorted(self.caps.ops, key=order)

    def sizes(self, cap: OpCap) -> list[int]:
        """Representative key sizes of ``cap`` (``_representative``)."""
        key_sizes = {k.size for k in self.caps.keys if k.alg == cap.key_alg}
        return _representative(key_sizes & cap.sizes if cap.sizes else key_sizes)

    def op_rows(self) -> None:
        caps = self.op_caps()
        declared = {(c.kind, c.key_alg, c.alg, c.mode, c.padding, c.digest, c.sizes) for c in caps}
        for cap in caps:
            partner = _PARTNER.get(cap.kind)
            pair_key = (partner, cap.key_alg, cap.alg, cap.mode, cap.padding, cap.digest, cap.sizes)
            if partner is not None and pair_key not in declared:
                partner = None
            if cap.kind in _PARTNER.values() and any(
                (k, cap.key_alg, cap.alg, cap.mode, cap.padding, cap.digest, cap.sizes) in declared
                for k, v in _PARTNER.items()
                if v is cap.kind
            ):
                continue  # run as the second half of its partner's round trip
            for size in self.sizes(cap):
                self.op_row(cap, size, partner)

    def describe(self, cap: OpCap) -> tuple[str, str]:
        names = {
            OpKind.ENCRYPT: "encrypt/decrypt",
            OpKind.SIGN: "sign/verify",
        }
        op = names.get(cap.kind, cap.kind.value) if cap.kind in _PARTNER else cap.kind.value
        parts = []
        if cap.alg != cap.key_alg:
            parts.append(enum_name(_A, cap.alg))
        if cap.mode is not None:
            parts.append(enum_name(HuksCipherMode, cap.mode))
        if cap.padding is not None:
            parts.append(enum_name(HuksKeyPadding, cap.padding))
        if cap.digest is not None:
            parts.append(enum_name(HuksKeyDigest, cap.digest))
        return op, "/".join(parts)

    def op_row(self, cap: OpCap, size: int, partner: OpKind | None) -> None:
        op, params = self.describe(cap)
        if partner is None and cap.kind in _PARTNER:
            op = cap.kind.value
        cls = _CLASS_OF[cap.kind]
        digest = self.key_digest(cap)
        try:
            alias = self.key(cap.key_alg, size, cls, digest)
            peer = self.key(cap.key_alg, size, cls, digest, 1) if cap.kind is OpKind.AGREE else ""
        except HuksError as exc:
            self.rows.append(
                Row(
                    enum_name(_A, cap.key_alg),
                    size,
                    op,
                    params,
                    False,
                    f"key generation failed: error {exc.code}: {exc.message}",
                )
            )
            return
        with self.row(cap.key_alg, size, op, params) as detail:
            if cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
                self.cipher(cap, size, alias, partner is not None, detail)
            elif cap.kind in (OpKind.SIGN, OpKind.VERIFY):
                self.signature(cap, size, alias, partner is not None, detail)
            elif cap.kind is OpKind.MAC:
                self.mac(cap, size, alias, detail)
            elif cap.kind is OpKind.AGREE:
                self.agree(cap, size, alias, peer, detail)
            else:
                self.derive(cap, size, alias, detail)

    def init_params(
        self, cap: OpCap, kind: OpKind, size: int, *extra: tuple[int, int | bytes | None]
    ) -> list[HuksParam]:
        pairs: list[tuple[int, int | bytes | None]] = [
            (_T.HUKS_TAG_ALGORITHM, cap.alg),
            (_T.HUKS_TAG_PURPOSE, purpose_bit(kind.value)),
            (_T.HUKS_TAG_KEY_SIZE, size),
            (_T.HUKS_TAG_BLOCK_MODE, cap.mode),
            (_T.HUKS_TAG_PADDING, cap.padding),
            (_T.HUKS_TAG_DIGEST, cap.digest),
            *extra,
        ]
        return [HuksParam(t, v) for t, v in pairs if v is not None]

    def session(self, alias: str, params: list[HuksParam], data: bytes, final: bytes = b"") -> bytes:
        """Run a session, feeding ``data`` in two updates (so both update and finish carry data)."""
        out = bytearray()
        cut = len(data) // 3
        pieces: Iterable[bytes] = [data[:cut], data[cut:]] if data else []
        out += run_session(self.ks, alias, params, iter(pieces), out.extend, final)
        return bytes(out)

    def cipher(self, cap: OpCap, size: int, alias: str, round_trip: bool, detail: list[str]) -> None:
        extra: list[tuple[int, int | bytes | None]] = []
        if cap.mode in IV_MODES:
            extra.append((_T.HUKS_TAG_IV, secrets.token_bytes(BLOCK_BYTES.get(cap.key_alg, 16))))
        ae = cap.mode in AE_MODES
        if ae:
            extra += [
                (_T.HUKS_TAG_NONCE, secrets.token_bytes(12)),
                (_T.HUKS_TAG_ASSOCIATED_DATA, b"hukspy selftest"),
            ]
        plain = self.plaintext(cap, size)
        ct = self.session(alias, self.init_params(cap, OpKind.ENCRYPT, size, *extra), plain)
        if not round_trip:
            if not ct:
                raise CheckFailedError("empty ciphertext")
            return
        if ae:
            ct, tag = ct[:-16], ct[-16:]
            extra.append((_T.HUKS_TAG_AE_TAG, tag))
        back = self.session(alias, self.init_params(cap, OpKind.DECRYPT, size, *extra), ct)
        if back != plain:
            raise CheckFailedError("decrypt did not give the plaintext back")
        detail.append(f"{len(plain)} bytes")

    def plaintext(self, cap: OpCap, size: int) -> bytes:
        if cap.key_alg == _A.HUKS_ALG_RSA:
            k = (size + 7) // 8
            if cap.padding == HuksKeyPadding.HUKS_PADDING_NONE:
                return b"\x00" + secrets.token_bytes(k - 1)
            if cap.padding == HuksKeyPadding.HUKS_PADDING_OAEP:
                h = _digest_len(cap.digest) or 20  # OAEP with NONE is SHA-1
                return secrets.token_bytes(max(0, min(32, k - 2 * h - 2)))
            return secrets.token_bytes(max(0, min(32, k - 11)))
        if cap.mode in _PADDED_BLOCK_MODES and cap.padding == HuksKeyPadding.HUKS_PADDING_NONE:
            return secrets.token_bytes(_BLOCK_MESSAGE_LEN)
        return secrets.token_bytes(_MESSAGE_LEN)

    def signature(self, cap: OpCap, size: int, alias: str, round_trip: bool, detail: list[str]) -> None:
        message = self.to_sign(cap, size)
        sig = self.session(alias, self.init_params(cap, OpKind.SIGN, size), message)
        if not sig:
            raise CheckFailedError("empty signature")
        if not round_trip:
            return
        self.session(alias, self.init_params(cap, OpKind.VERIFY, size), message, sig)
        bad = sig[:-1] + bytes([sig[-1] ^ 0x01])
        try:
            self.session(alias, self.init_params(cap, OpKind.VERIFY, size), message, bad)
        except HuksError as exc:
            if exc.code != 12000006:
                raise CheckFailedError(f"a tampered signature gave error {exc.code}, not 12000006") from exc
        else:
            raise CheckFailedError("a tampered signature verified")
        detail.append(f"{len(sig)}-byte signature; tampered: 12000006")

    def to_sign(self, cap: OpCap, size: int) -> bytes:
        if cap.digest == HuksKeyDigest.HUKS_DIGEST_NONE:
            if cap.key_alg == _A.HUKS_ALG_RSA and cap.padding == HuksKeyPadding.HUKS_PADDING_NONE:
                return b"\x00" + secrets.token_bytes((size + 7) // 8 - 1)
            return secrets.token_bytes(32)
        return secrets.token_bytes(_MESSAGE_LEN)

    def mac(self, cap: OpCap, size: int, alias: str, detail: list[str]) -> None:
        message = secrets.token_bytes(_MESSAGE_LEN)
        first = self.session(alias, self.init_params(cap, OpKind.MAC, size), message)
        second = self.session(alias, self.init_params(cap, OpKind.MAC, size), message)
        if not first or first != second:
            raise CheckFailedError("two MACs of the same message differ")
        want = _digest_len(cap.digest)
        if want is not None and len(first) != want:
            raise CheckFailedError(f"the MAC has {len(first)} bytes, not {want}")
        detail.append(f"{len(first)}-byte MAC")

    def agree(self, cap: OpCap, size: int, alias: str, peer: str, detail: list[str]) -> None:
        mine = self.ks.export_key_item(alias, HuksOptions()).out_data
        theirs = self.ks.export_key_item(peer, HuksOptions()).out_data
        params = self.init_params(cap, OpKind.AGREE, size)
        one = self.session(alias, params, b"", theirs)
        two = self.session(peer, params, b"", mine)
        if not one or one != two:
            raise CheckFailedError("the two sides agreed on different secrets")
        detail.append(f"{len(one)}-byte secret")

    def derive(self, cap: OpCap, size: int, alias: str, detail: list[str]) -> None:
        salt = secrets.token_bytes(16)
        params = self.init_params(
            cap,
            OpKind.DERIVE,
            size,
            (_T.HUKS_TAG_DERIVE_KEY_SIZE, _DERIVE_LEN),
            (_T.HUKS_TAG_SALT, salt),
            (_T.HUKS_TAG_INFO, b"hukspy selftest" if cap.alg == _A.HUKS_ALG_HKDF else None),
            (_T.HUKS_TAG_ITERATION, 1000 if cap.alg == _A.HUKS_ALG_PBKDF2 else None),
        )
        one = run_session(self.ks, alias, params, iter([b"derive"]))  # derive takes exactly one update
        two = run_session(self.ks, alias, params, iter([b"derive"]))
        if len(one) != _DERIVE_LEN:
            raise CheckFailedError(f"derived {len(one)} bytes, not {_DERIVE_LEN}")
        if one != two:
            raise CheckFailedError("two derivations with the same inputs differ")
        detail.append(f"{len(one)} bytes")

    # ---------------------------------------------------------------- attest, wrap

    def extra_rows(self) -> None:
        if self.caps.attest:
            signers = [k for k in self.key_caps() if ("sign", None) in self.classes(k.alg, k.size)]
            if signers:
                k = signers[0]
                with self.row(k.alg, k.size, "attest", "") as detail:
                    alias = self.key(k.alg, k.size, "sign", None)
                    opts = _options((_T.HUKS_TAG_ATTESTATION_CHALLENGE, secrets.token_bytes(16)))
                    chain = self.ks.attest_key_item(alias, opts).cert_chains or []
                    if not chain or not all(c.startswith("-----BEGIN CERTIFICATE-----") for c in chain):
                        raise CheckFailedError("no certificate chain")
                    detail.append(f"{len(chain)} certificates")
        if self.caps.wrap:
            self.wrap_row()

    def wrap_row(self) -> None:
        aes = [k for k in self.key_caps() if k.alg == _A.HUKS_ALG_AES and k.generate]
        if not aes:
            return
        size = aes[-1].size
        with self.row(_A.HUKS_ALG_AES, size, "wrap/unwrap", "") as detail:
            alias, restored = self.alias(), self.alias()
            opts = _options(
                (_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                (_T.HUKS_TAG_KEY_SIZE, size),
                (_T.HUKS_TAG_PURPOSE, _P.HUKS_KEY_PURPOSE_ENCRYPT | _P.HUKS_KEY_PURPOSE_DECRYPT),
                (_T.HUKS_TAG_IS_ALLOWED_WRAP, True),
            )
            self.ks.generate_key_item(alias, opts)
            blob = self.ks.wrap_key_item(alias, HuksOptions()).out_data
            self.ks.unwrap_key_item(restored, HuksOptions(), blob)
            cap = OpCap(
                OpKind.ENCRYPT,
                _A.HUKS_ALG_AES,
                _A.HUKS_ALG_AES,
                _MODE.HUKS_MODE_ECB,
                HuksKeyPadding.HUKS_PADDING_PKCS7,
            )
            plain = b"hukspy selftest wrap"
            ct = self.session(alias, self.init_params(cap, OpKind.ENCRYPT, size), plain)
            if self.session(restored, self.init_params(cap, OpKind.DECRYPT, size), ct) != plain:
                raise CheckFailedError("the unwrapped key is not the wrapped one")
            detail.append(f"{len(blob)}-byte blob")

    def run(self) -> None:
        self.generate_rows()
        self.import_rows()
        self.op_rows()
        self.extra_rows()


def _representative(sizes: Iterable[int]) -> list[int]:
    """The smallest and the largest of ``sizes`` and those that are ``HuksKeySize`` values."""
    ordered = sorted(sizes)
    if not ordered:
        return []
    return sorted({ordered[0], ordered[-1]} | (set(ordered) & _STANDARD_SIZES))


def _small_rsa(bits: int) -> object:
    """An RSA key below 1024 bits (pyca/cryptography only generates from 1024): two random primes
    of ``bits/2`` bits (Miller-Rabin, 40 rounds) with e = 65537. For import tests only."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    e = 65537
    while True:
        p, q = _prime(bits - bits // 2), _prime(bits // 2)
        n, phi = p * q, (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and math.gcd(e, phi) == 1:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _prime(bits: int) -> int:
    small = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)
    while True:
        c = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if any(c % s == 0 for s in small):
            continue
        d, r = c - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            a = secrets.randbelow(c - 3) + 2
            x = pow(a, d, c)
            if x in (1, c - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, c)
                if x == c - 1:
                    break
            else:
                break
        else:
            return c


@contextlib.contextmanager
def timed_row(rows: list[Row], alg: str, size: int, op: str, params: str) -> Iterator[list[str]]:
    """Time the body and append its ``Row`` to ``rows``: ok unless it raised (a HuksError, a failed
    check, or a bug below the API, which is reported and the selftest goes on); the yielded list
    collects detail."""
    detail: list[str] = []
    start = time.perf_counter()
    ok, why = True, ""
    try:
        yield detail
    except HuksError as exc:
        ok, why = False, f"error {exc.code}: {exc.message}"
    except CheckFailedError as exc:
        ok, why = False, str(exc)
    except Exception as exc:
        ok, why = False, f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - start) * 1000
    rows.append(Row(alg, size, op, params, ok, why or "; ".join(detail), ms))


def remove_aliases(ks: Keystore, names: Iterable[str], label: str) -> Row:
    """Delete the selftest's temporary aliases; one row that says whether all went."""
    start = time.perf_counter()
    failed: list[str] = []
    count = 0
    for name in names:
        count += 1
        try:
            if ks.has_key_item(name, HuksOptions()):
                ks.delete_key_item(name, HuksOptions())
        except HuksError as exc:
            failed.append(f"{name}: error {exc.code}")
    ms = (time.perf_counter() - start) * 1000
    detail = "; ".join(failed) if failed else f"{count} temporary aliases removed"
    return Row("-", 0, "delete", label, not failed, detail, ms)


def run_selftest(ks: Keystore, *, progress: Callable[[str], None] | None = None) -> list[Row]:
    """Exercise every capability ``ks`` declares (module docstring) and return one ``Row`` per check,
    ending with the removal of the temporary keys. Never raises ``HuksError``: failures are rows.
    ``progress`` is called with the text of each check as it starts."""
    from hukspy.selftest_keyops import extra_rows  # agree/derive storage, wrapped import, wrap, attest

    run = _Run(ks, progress)
    try:
        run.run()
        run.rows.extend(extra_rows(ks))
    finally:
        run.cleanup()
    return run.rows
