"""The selftest rows of every declared capability: generate, import, each operation, attest, wrap.

The cases come from ``hukspy.testing.cases`` (the generator the conformance suite uses too); this is
the runner that turns each into a ``Row``, through the public API only, with temporary aliases
(``hukspy-selftest-<random>-``). Each distinct key (algorithm, size, purpose class, digest) is
generated once and reused by all the operations that need it; operations run at the representative
sizes (``cases.representative_sizes``), imports at the representative sizes of each algorithm
(importing an RSA key costs up to seconds: the private exponent is factored back into p and q).

- generate: every ``KeyCap`` that declares it;
- import: raw bytes for symmetric keys; for asymmetric keys a locally made key as the HUKS key-material
  struct (KEY_PAIR) and the private-key struct (PRIVATE_KEY), and the generated key's exported public
  key (PUBLIC_KEY); an imported asymmetric key must export the public key it was given;
- operations: encrypt → decrypt gives the plaintext back; sign → verify succeeds and a tampered
  signature fails with 12000006; MAC twice gives the same value of the digest's length; agree both ways
  gives the same secret; derive gives ``DERIVE_KEY_SIZE`` bytes, the same twice;
- ``attest_key_item`` and ``wrap_key_item``/``unwrap_key_item`` when the capabilities declare them.
"""

from __future__ import annotations

import contextlib
import secrets
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from hukspy import formats, policy
from hukspy.backend import Capabilities, KeyCap, OpCap
from hukspy.backend.facts import PQ_PARAM_SETS
from hukspy.enums import (
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.names import enum_name
from hukspy.params import HuksOptions, HuksParam
from hukspy.selftest.rows import CheckFailedError, Row, remove_aliases, timed_row
from hukspy.spec import OpKind, Sm2Key
from hukspy.testing import cases, sm2ref
from hukspy.testing.cases import KIND_PURPOSE, PARTNER, KeyCase, OpCase
from hukspy.testing.materials import encode_private, encode_public, small_rsa_key
from hukspy.testing.support import run_session

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["ALIAS_PREFIX", "capability_rows"]

#: Every alias these rows create starts with this (then a random run id).
ALIAS_PREFIX: Final = "hukspy-selftest-"

_TAG = HuksTag
_ALG = HuksKeyAlg
_PURPOSE = HuksKeyPurpose
_IMPORT = HuksImportKeyType
_MODE = HuksCipherMode

_PADDED_BLOCK_MODES: Final = frozenset({_MODE.HUKS_MODE_ECB, _MODE.HUKS_MODE_CBC})
_MESSAGE_LEN: Final = 1000
_BLOCK_MESSAGE_LEN: Final = 1024  # a multiple of every block size, for NONE padding in ECB/CBC
_DERIVE_LEN: Final = 32
#: What an imported half of a key pair may do, by the algorithm's purpose class.
_HALF_PURPOSE: Final[dict[tuple[str, int], int]] = {
    ("sign", _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY): _PURPOSE.HUKS_KEY_PURPOSE_VERIFY,
    ("sign", _IMPORT.HUKS_KEY_TYPE_PRIVATE_KEY): _PURPOSE.HUKS_KEY_PURPOSE_SIGN,
    ("encrypt", _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY): _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT,
    ("encrypt", _IMPORT.HUKS_KEY_TYPE_PRIVATE_KEY): _PURPOSE.HUKS_KEY_PURPOSE_DECRYPT,
    ("kem", _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY): _PURPOSE.HUKS_KEY_PURPOSE_WRAP,
    ("kem", _IMPORT.HUKS_KEY_TYPE_PRIVATE_KEY): _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP,
}


def _digest_len(digest: int | None) -> int | None:
    """The output length of ``digest``; None for no digest (``cases.digest_bytes`` is the table)."""
    if digest is None or digest == HuksKeyDigest.HUKS_DIGEST_NONE:
        return None
    return cases.digest_bytes(digest)


def _options(*pairs: tuple[int, int | bool | bytes | None], data: bytes | None = None) -> HuksOptions:
    return HuksOptions([HuksParam(t, v) for t, v in pairs if v is not None], data)


def _key_options(
    alg: int, size: int, cls: str, digest: int | None, data: bytes | None = None
) -> HuksOptions:
    return _options(
        (_TAG.HUKS_TAG_ALGORITHM, alg),
        (_TAG.HUKS_TAG_KEY_SIZE, size),
        (_TAG.HUKS_TAG_PURPOSE, dict(cases.PURPOSE_CLASSES)[cls]),
        (_TAG.HUKS_TAG_DIGEST, digest),
        data=data,
    )


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
        alg_name = enum_name(_ALG, alg)
        if self.progress is not None:
            self.progress(f"{alg_name}-{size} {op} {params}")
        with timed_row(self.rows, alg_name, size, op, params) as detail:
            yield detail

    # ---------------------------------------------------------------- keys

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
        self.ks.generate_key_item(name, _key_options(alg, size, cls, digest))
        return name

    # ---------------------------------------------------------------- generate and import

    def generate_row(self, case: KeyCase) -> None:
        cap = case.cap
        with self.row(cap.alg, cap.size, "generate", case.purpose) as detail:
            self.keys[(cap.alg, cap.size, case.purpose, case.digest, 0)] = self.generate(
                cap.alg, cap.size, case.purpose, case.digest
            )
            detail.append(f"purpose {case.purpose}")

    def import_rows(self, case: KeyCase) -> None:
        cap = case.cap
        if case.symmetric:
            if case.imports:
                with self.row(cap.alg, cap.size, "import", f"raw {case.purpose}"):
                    material = secrets.token_bytes((cap.size + 7) // 8)
                    self.ks.import_key_item(
                        self.alias(), _key_options(cap.alg, cap.size, case.purpose, case.digest, material)
                    )
            return
        local: list[object] = []
        for import_type in case.imports:
            with self.row(cap.alg, cap.size, "import", enum_name(_IMPORT, import_type)):
                self.import_asymmetric(cap, case.purpose, import_type, local)

    def import_asymmetric(self, cap: KeyCap, cls: str, import_type: int, local: list[object]) -> None:
        purpose = _HALF_PURPOSE.get((cls, import_type), dict(cases.PURPOSE_CLASSES)[cls])
        if import_type == _IMPORT.HUKS_KEY_TYPE_PUBLIC_KEY:
            source = self.key(cap.alg, cap.size, cls, None)
            material = expected = self.ks.export_key_item(source, HuksOptions()).out_data
        else:
            if not local:
                local.append(self.local_key(cap))
            private = local[0]
            build = (
                formats.key_material
                if import_type == _IMPORT.HUKS_KEY_TYPE_KEY_PAIR
                else formats.private_key_material
            )
            if isinstance(private, Sm2Key):  # pyca has no SM2: the test-material format of hukspy.testing
                material = encode_private(cap.alg, cap.size, private, import_type)
                expected = encode_public(cap.alg, private)
            else:
                material = build(private)  # type: ignore[arg-type]
                expected = formats.export_public(private)  # type: ignore[arg-type]
        name = self.alias()
        self.ks.import_key_item(
            name,
            _options(
                (_TAG.HUKS_TAG_ALGORITHM, cap.alg),
                (_TAG.HUKS_TAG_KEY_SIZE, cap.size),
                (_TAG.HUKS_TAG_PURPOSE, purpose),
                (_TAG.HUKS_TAG_IMPORT_KEY_TYPE, import_type),
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

        alg, size = cap.alg, cap.size
        if alg == _ALG.HUKS_ALG_RSA:
            return rsa.generate_private_key(65537, size) if size >= 1024 else small_rsa_key(size)
        if alg in (_ALG.HUKS_ALG_ECC, _ALG.HUKS_ALG_ECDH):
            return ec.generate_private_key(formats.EC_CURVES[size])
        if alg == _ALG.HUKS_ALG_ED25519:
            return ed25519.Ed25519PrivateKey.generate()
        if alg == _ALG.HUKS_ALG_X25519:
            return x25519.X25519PrivateKey.generate()
        if alg == _ALG.HUKS_ALG_SM2:
            return sm2ref.generate()
        if (alg, size) in PQ_PARAM_SETS:
            return PQ_PARAM_SETS[(alg, size)].private.generate()  # type: ignore[attr-defined]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cryptography's FFDH/DSA deprecation warnings
            if alg == _ALG.HUKS_ALG_DH:
                from cryptography.hazmat.primitives.asymmetric import dh

                p, g = formats.DH_GROUPS[size]
                return dh.DHParameterNumbers(p, g).parameters().generate_private_key()
            if alg == _ALG.HUKS_ALG_DSA:
                # DSA domain parameters take seconds to make at 3072 bits: borrow those of the key the
                # keystore generated (its exported public key carries p, q and g).
                classes = cases.key_classes(self.caps, alg, size) or [("sign", None)]
                source = self.key(alg, size, classes[0][0], None)
                public = serialization.load_der_public_key(
                    self.ks.export_key_item(source, HuksOptions()).out_data
                )
                if not isinstance(public, dsa.DSAPublicKey):
                    raise CheckFailedError("the exported DSA key is not a DSA key")
                return public.parameters().generate_private_key()
        raise CheckFailedError(f"no local key maker for {enum_name(_ALG, alg)}")

    # ---------------------------------------------------------------- operations

    @staticmethod
    def describe(cap: OpCap) -> tuple[str, str]:
        """The op column (``encrypt/decrypt`` for a round trip) and the mode/padding/digest column."""
        names = {OpKind.ENCRYPT: "encrypt/decrypt", OpKind.SIGN: "sign/verify",
                 OpKind.ENCAPSULATE: "encapsulate/decapsulate"}
        op = names.get(cap.kind, cap.kind.value) if cap.kind in PARTNER else cap.kind.value
        parts = []
        if cap.alg != cap.key_alg:
            parts.append(enum_name(_ALG, cap.alg))
        if cap.mode is not None:
            parts.append(enum_name(HuksCipherMode, cap.mode))
        if cap.padding is not None:
            parts.append(enum_name(HuksKeyPadding, cap.padding))
        if cap.digest is not None:
            parts.append(enum_name(HuksKeyDigest, cap.digest))
        return op, "/".join(parts)

    def op_row(self, case: OpCase) -> None:
        cap, size, partner = case.cap, case.size, case.partner
        op, params = self.describe(cap)
        if partner is None and cap.kind in PARTNER:
            op = cap.kind.value
        digest = cases.key_digest(cap)
        try:
            alias = self.key(cap.key_alg, size, case.purpose, digest)
            peer = self.key(cap.key_alg, size, case.purpose, digest, 1) if cap.kind is OpKind.AGREE else ""
        except HuksError as exc:
            why = f"key generation failed: error {exc.code}: {exc.message}"
            self.rows.append(Row(enum_name(_ALG, cap.key_alg), size, op, params, False, why))
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
            elif cap.kind in (OpKind.ENCAPSULATE, OpKind.DECAPSULATE):
                self.kem(cap, alias, partner is not None, detail)
            else:
                self.derive(cap, size, alias, detail)

    @staticmethod
    def init_params(
        cap: OpCap, kind: OpKind, size: int, *extra: tuple[int, int | bytes | None]
    ) -> list[HuksParam]:
        pairs: list[tuple[int, int | bytes | None]] = [
            (_TAG.HUKS_TAG_ALGORITHM, cap.alg),
            (_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[kind]),
            (_TAG.HUKS_TAG_KEY_SIZE, size),
            (_TAG.HUKS_TAG_BLOCK_MODE, cap.mode),
            (_TAG.HUKS_TAG_PADDING, cap.padding),
            (_TAG.HUKS_TAG_DIGEST, cap.digest),
            *extra,
        ]
        return [HuksParam(t, v) for t, v in pairs if v is not None]

    def session(self, alias: str, params: list[HuksParam], data: bytes, final: bytes = b"") -> bytes:
        """Run a session, feeding ``data`` in two updates (so both update and finish carry data)."""
        cut = len(data) // 3
        pieces = [data[:cut], data[cut:]] if data else []
        return run_session(self.ks, alias, params, pieces, finish=final)

    def cipher(self, cap: OpCap, size: int, alias: str, round_trip: bool, detail: list[str]) -> None:
        extra: list[tuple[int, int | bytes | None]] = []
        if cap.key_alg == _ALG.HUKS_ALG_SM2:  # SM2 init needs a DIGEST (docs/decisions.md, "SM2 and SM3")
            extra.append((_TAG.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3))
        if cap.mode in policy.IV_MODES:
            extra.append((_TAG.HUKS_TAG_IV, secrets.token_bytes(policy.BLOCK_BYTES.get(cap.key_alg, 16))))
        ae = cap.mode in policy.AE_MODES
        if ae:
            extra += [
                (_TAG.HUKS_TAG_NONCE, secrets.token_bytes(12)),
                (_TAG.HUKS_TAG_ASSOCIATED_DATA, b"hukspy selftest"),
            ]
        plain = self.plaintext(cap, size)
        ct = self.session(alias, self.init_params(cap, OpKind.ENCRYPT, size, *extra), plain)
        if not round_trip:
            if not ct:
                raise CheckFailedError("empty ciphertext")
            return
        if ae:
            ct, tag = ct[:-16], ct[-16:]
            extra.append((_TAG.HUKS_TAG_AE_TAG, tag))
        back = self.session(alias, self.init_params(cap, OpKind.DECRYPT, size, *extra), ct)
        if back != plain:
            raise CheckFailedError("decrypt did not give the plaintext back")
        detail.append(f"{len(plain)} bytes")

    @staticmethod
    def plaintext(cap: OpCap, size: int) -> bytes:
        if cap.key_alg == _ALG.HUKS_ALG_RSA:
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

    @staticmethod
    def to_sign(cap: OpCap, size: int) -> bytes:
        if cap.digest == HuksKeyDigest.HUKS_DIGEST_NONE:
            if cap.key_alg == _ALG.HUKS_ALG_RSA and cap.padding == HuksKeyPadding.HUKS_PADDING_NONE:
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

    def kem(self, cap: OpCap, alias: str, round_trip: bool, detail: list[str]) -> None:
        """ML-KEM: pyca encapsulates to the exported key and the keystore decapsulates to the same secret;
        with the round trip, the keystore encapsulates and decapsulates its own ciphertext too."""
        from cryptography.hazmat.primitives import serialization

        if cap.kind is OpKind.DECAPSULATE or round_trip:
            public = serialization.load_der_public_key(self.ks.export_key_item(alias, HuksOptions()).out_data)
            secret, ct = public.encapsulate()  # type: ignore[union-attr]
            if self.ks.decapsulate(alias, [], ct).shared_secret != secret:
                raise CheckFailedError("the decapsulated secret is not pyca's")
            detail.append("vs pyca")
        if cap.kind is OpKind.ENCAPSULATE:
            result = self.ks.encapsulate(alias, [])
            back = self.ks.decapsulate(alias, [], result.out_data).shared_secret if round_trip else None
            if result.shared_secret is None or (round_trip and back != result.shared_secret):
                raise CheckFailedError("encapsulate and decapsulate disagree")
            detail.append(f"{len(result.out_data)}-byte ciphertext")

    def derive(self, cap: OpCap, size: int, alias: str, detail: list[str]) -> None:
        salt = secrets.token_bytes(16)
        params = self.init_params(
            cap,
            OpKind.DERIVE,
            size,
            (_TAG.HUKS_TAG_DERIVE_KEY_SIZE, _DERIVE_LEN),
            (_TAG.HUKS_TAG_SALT, salt),
            (_TAG.HUKS_TAG_INFO, b"hukspy selftest" if cap.alg == _ALG.HUKS_ALG_HKDF else None),
            (_TAG.HUKS_TAG_ITERATION, 1000 if cap.alg == _ALG.HUKS_ALG_PBKDF2 else None),
        )
        # derive takes exactly one update
        one = run_session(self.ks, alias, params, [b"derive"], finish=b"")
        two = run_session(self.ks, alias, params, [b"derive"], finish=b"")
        if len(one) != _DERIVE_LEN:
            raise CheckFailedError(f"derived {len(one)} bytes, not {_DERIVE_LEN}")
        if one != two:
            raise CheckFailedError("two derivations with the same inputs differ")
        detail.append(f"{len(one)} bytes")

    # ---------------------------------------------------------------- attest, wrap

    def attest_row(self, cap: KeyCap) -> None:
        with self.row(cap.alg, cap.size, "attest", "") as detail:
            alias = self.key(cap.alg, cap.size, "sign", None)
            opts = _options((_TAG.HUKS_TAG_ATTESTATION_CHALLENGE, secrets.token_bytes(16)))
            chain = self.ks.attest_key_item(alias, opts).cert_chains or []
            if not chain or not all(c.startswith("-----BEGIN CERTIFICATE-----") for c in chain):
                raise CheckFailedError("no certificate chain")
            detail.append(f"{len(chain)} certificates")

    def wrap_row(self, cap: KeyCap) -> None:
        size = cap.size
        with self.row(_ALG.HUKS_ALG_AES, size, "wrap/unwrap", "") as detail:
            alias, restored = self.alias(), self.alias()
            opts = _options(
                (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES),
                (_TAG.HUKS_TAG_KEY_SIZE, size),
                (_TAG.HUKS_TAG_PURPOSE, dict(cases.PURPOSE_CLASSES)["encrypt"]),
                (_TAG.HUKS_TAG_IS_ALLOWED_WRAP, True),
            )
            self.ks.generate_key_item(alias, opts)
            blob = self.ks.wrap_key_item(alias, HuksOptions()).out_data
            self.ks.unwrap_key_item(restored, HuksOptions(), blob)
            ecb = OpCap(OpKind.ENCRYPT, _ALG.HUKS_ALG_AES, _ALG.HUKS_ALG_AES, _MODE.HUKS_MODE_ECB,
                        HuksKeyPadding.HUKS_PADDING_PKCS7)
            plain = b"hukspy selftest wrap"
            ct = self.session(alias, self.init_params(ecb, OpKind.ENCRYPT, size), plain)
            if self.session(restored, self.init_params(ecb, OpKind.DECRYPT, size), ct) != plain:
                raise CheckFailedError("the unwrapped key is not the wrapped one")
            detail.append(f"{len(blob)}-byte blob")

    def run(self) -> None:
        key_cases = cases.key_cases(self.caps, all_import_sizes=False)
        for key_case in key_cases:
            if key_case.cap.generate:
                self.generate_row(key_case)
        for key_case in key_cases:
            self.import_rows(key_case)
        for op_case in cases.op_cases(self.caps, cases.representative_sizes):
            if not op_case.second_half:
                self.op_row(op_case)
        attested = cases.attest_key(self.caps)
        if attested is not None:
            self.attest_row(attested)
        wrapping = cases.wrap_key(self.caps)
        if wrapping is not None:
            self.wrap_row(wrapping)


@contextlib.contextmanager
def capability_rows(
    ks: Keystore, progress: Callable[[str], None] | None = None
) -> Iterator[list[Row]]:
    """The rows of every declared capability of ``ks`` (module docstring); on leaving, the temporary
    keys are deleted and one more row says so. Never raises ``HuksError``: failures are rows."""
    run = _Run(ks, progress)
    try:
        run.run()
        yield run.rows
    finally:
        run.rows.append(remove_aliases(ks, run.created, ""))
