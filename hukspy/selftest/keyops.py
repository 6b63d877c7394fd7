"""Selftest rows for agreement, derivation, wrapped import, wrap/unwrap and attestation.

``keyop_rows(ks)`` runs, through the public API with temporary aliases (``hukspy-selftest-keyops-<id>-``,
all deleted at the end), the ``hukspy.testing.cases.keyop_cases`` the keystore declares, each compared
with an independent pyca computation. It returns ``Row`` values (``ok`` False with the reason when a
check fails) and never raises ``HuksError``.

- agree: X25519 and ECDH P-256 against pyca on the peer's side; the secret stored as an AES-256 key
  (KEY_STORAGE_FLAG=PERSISTENT) that then encrypts (AES-GCM, else CBC, else ECB: what the keystore
  declares) what pyca decrypts with the secret;
- derive: HKDF-SHA256 and PBKDF2-SHA256 from an imported AES-256 key, against pyca;
- import-wrapped: both suites; the imported AES key checked with AES-GCM; a tampered blob → 12000006;
- wrap/unwrap (when declared): the restored key decrypts what the original encrypted; a tampered blob
  → 12000006;
- attest and anon-attest (when declared): a chain whose signatures verify up to its self-signed root,
  whose leaf certifies the key's public key and carries the challenge in hukspy's extension
  (docs/attestation.md).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers import modes as cipher_modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hukspy import wrapped
from hukspy.attestation import OID, parse_description
from hukspy.enums import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksKeyWrapType,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam, ParamValue
from hukspy.selftest.rows import CheckFailedError, Row, check, remove_aliases, timed_row
from hukspy.spec import OpKind
from hukspy.testing.cases import KeyopCase, keyop_cases

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["ALIAS_PREFIX", "keyop_rows"]

ALIAS_PREFIX: Final = "hukspy-selftest-keyops-"

_TAG = HuksTag
_ALG = HuksKeyAlg
_PURPOSE = HuksKeyPurpose
_MODE = HuksCipherMode
_NONE: Final = int(HuksKeyPadding.HUKS_PADDING_NONE)
_SHA256: Final = int(HuksKeyDigest.HUKS_DIGEST_SHA256)
_ENC_DEC: Final = _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT | _PURPOSE.HUKS_KEY_PURPOSE_DECRYPT
_HUK_WRAP: Final = HuksParam(_TAG.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED)
_SHORT_NAMES: Final[dict[int, str]] = {_ALG.HUKS_ALG_X25519: "x25519", _ALG.HUKS_ALG_ECC: "ecc"}


def _opts(*pairs: tuple[int, ParamValue], data: bytes | None = None) -> HuksOptions:
    return HuksOptions([HuksParam(t, v) for t, v in pairs], data)


class _Run:
    def __init__(self, ks: Keystore) -> None:
        self.ks = ks
        self.caps = ks.capabilities()
        self.prefix = f"{ALIAS_PREFIX}{secrets.token_hex(4)}-"
        self.created: list[str] = []
        self.rows: list[Row] = []

    def alias(self, label: str) -> str:
        name = self.prefix + label
        self.created.append(name)
        return name

    @contextmanager
    def row(self, alg: str, size: int, op: str, params: str) -> Iterator[list[str]]:
        with timed_row(self.rows, alg, size, op, params) as detail:
            yield detail

    def expect_code(self, code: int, call: Callable[[], object], what: str) -> None:
        try:
            call()
        except HuksError as exc:
            check(exc.code == code, f"{what} gave error {exc.code}, not {code}")
        else:
            raise CheckFailedError(f"{what} succeeded")

    # ------------------------------------------------------------------ helpers over the API

    def session(self, alias: str, params: Sequence[tuple[int, ParamValue]], data: bytes,
                finish: Sequence[tuple[int, ParamValue]] = ()) -> bytes:
        handle = self.ks.init_session(alias, _opts(*params)).handle
        try:
            return self.ks.finish_session(handle, _opts(*finish, data=data)).out_data or b""
        except BaseException:
            self.ks.abort_session(handle, HuksOptions())
            raise

    def aes_matches(self, alias: str, key: bytes) -> None:
        """What ``alias`` encrypts (AES-GCM, else CBC, else ECB, whichever the keystore declares)
        decrypts with pyca under ``key``."""
        size = len(key) * 8
        modes = {
            c.mode for c in self.caps.ops
            if c.kind is OpKind.ENCRYPT and c.key_alg == _ALG.HUKS_ALG_AES and c.padding == _NONE
            and (not c.sizes or size in c.sizes)
        }
        base: list[tuple[int, ParamValue]] = [
            (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES),
            (_TAG.HUKS_TAG_PURPOSE, _PURPOSE.HUKS_KEY_PURPOSE_ENCRYPT),
            (_TAG.HUKS_TAG_KEY_SIZE, size), (_TAG.HUKS_TAG_PADDING, _NONE)]
        plain = secrets.token_bytes(96)
        if _MODE.HUKS_MODE_GCM in modes:
            nonce, aad = secrets.token_bytes(12), b"hukspy selftest"
            gcm: list[tuple[int, ParamValue]] = [
                (_TAG.HUKS_TAG_BLOCK_MODE, _MODE.HUKS_MODE_GCM), (_TAG.HUKS_TAG_NONCE, nonce),
                (_TAG.HUKS_TAG_ASSOCIATED_DATA, aad)]
            ct = self.session(alias, [*base, *gcm], plain)
            got = AESGCM(key).decrypt(nonce, ct, aad)
        elif _MODE.HUKS_MODE_CBC in modes or _MODE.HUKS_MODE_ECB in modes:
            cbc = _MODE.HUKS_MODE_CBC in modes
            iv = secrets.token_bytes(16)
            extra: list[tuple[int, ParamValue]] = [(_TAG.HUKS_TAG_IV, iv)] if cbc else []
            mode = _MODE.HUKS_MODE_CBC if cbc else _MODE.HUKS_MODE_ECB
            ct = self.session(alias, [*base, (_TAG.HUKS_TAG_BLOCK_MODE, mode), *extra], plain)
            chosen = cipher_modes.CBC(iv) if cbc else cipher_modes.ECB()  # noqa: S305 - checks the keystore
            dec = Cipher(algorithms.AES(key), chosen).decryptor()
            got = dec.update(ct) + dec.finalize()
        else:
            raise CheckFailedError("the keystore declares no AES GCM/CBC/ECB mode to check the key with")
        check(got == plain, "the key does not hold the expected bytes")

    def generate(
        self, alias: str, alg: int, size: int, purpose: int, *extra: tuple[int, ParamValue]
    ) -> None:
        self.ks.generate_key_item(alias, _opts((_TAG.HUKS_TAG_ALGORITHM, alg), (_TAG.HUKS_TAG_KEY_SIZE, size),
                                               (_TAG.HUKS_TAG_PURPOSE, purpose), *extra))

    # ------------------------------------------------------------------ the checks

    def agree(self, case: KeyopCase) -> None:
        key_alg, size = case.key_alg, case.size
        name = _SHORT_NAMES[key_alg]
        with self.row(name, size, "agree+store", "vs pyca; stored key checked") as detail:
            alias, stored = self.alias(f"agree-{name}"), self.alias(f"agreed-{name}")
            self.generate(alias, key_alg, size, _PURPOSE.HUKS_KEY_PURPOSE_AGREE)
            mine = self.ks.export_key_item(alias, HuksOptions()).out_data or b""
            if key_alg == _ALG.HUKS_ALG_X25519:
                xp = x25519.X25519PrivateKey.generate()
                want = xp.exchange(x25519.X25519PublicKey.from_public_bytes(mine))
                raw = serialization.Encoding.Raw
                peer = xp.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
            else:
                ep = ec.generate_private_key(ec.SECP256R1())
                pub = serialization.load_der_public_key(mine)
                if not isinstance(pub, ec.EllipticCurvePublicKey):
                    raise CheckFailedError("the exported key is not an EC key")
                want = ep.exchange(ec.ECDH(), pub)
                peer = ep.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
            init: list[tuple[int, ParamValue]] = [
                (_TAG.HUKS_TAG_ALGORITHM, case.alg),
                (_TAG.HUKS_TAG_PURPOSE, _PURPOSE.HUKS_KEY_PURPOSE_AGREE),
                (_TAG.HUKS_TAG_KEY_SIZE, size),
            ]
            check(self.session(alias, init, peer) == want, "the shared secret differs from pyca's")
            store: list[tuple[int, ParamValue]] = [
                (_TAG.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
                (_TAG.HUKS_TAG_KEY_ALIAS, stored.encode()),
                (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES),
                (_TAG.HUKS_TAG_KEY_SIZE, len(want) * 8),
                (_TAG.HUKS_TAG_PURPOSE, _ENC_DEC),
            ]
            check(self.session(alias, init, peer, store) == b"", "a stored agreement returned bytes")
            self.aes_matches(stored, want)
            detail.append(f"{len(want)}-byte secret, stored and used")

    def derive(self, case: KeyopCase) -> None:
        kdf = case.alg
        name = "hkdf" if kdf == _ALG.HUKS_ALG_HKDF else "pbkdf2"
        with self.row("aes", 256, "derive", f"{name}/sha256 vs pyca") as detail:
            alias = self.alias(f"derive-{name}")
            ikm, salt = secrets.token_bytes(32), secrets.token_bytes(16)
            self.ks.import_key_item(alias, _opts(
                (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES), (_TAG.HUKS_TAG_KEY_SIZE, 256),
                (_TAG.HUKS_TAG_PURPOSE, _PURPOSE.HUKS_KEY_PURPOSE_DERIVE), (_TAG.HUKS_TAG_DIGEST, _SHA256),
                data=ikm))
            params: list[tuple[int, ParamValue]] = [
                (_TAG.HUKS_TAG_ALGORITHM, kdf), (_TAG.HUKS_TAG_PURPOSE, _PURPOSE.HUKS_KEY_PURPOSE_DERIVE),
                (_TAG.HUKS_TAG_DIGEST, _SHA256), (_TAG.HUKS_TAG_DERIVE_KEY_SIZE, 48),
                (_TAG.HUKS_TAG_SALT, salt)]
            if kdf == _ALG.HUKS_ALG_HKDF:
                params.append((_TAG.HUKS_TAG_INFO, b"hukspy selftest"))
                want = HKDF(hashes.SHA256(), 48, salt, b"hukspy selftest").derive(ikm)
            else:
                params.append((_TAG.HUKS_TAG_ITERATION, 1000))
                want = hashlib.pbkdf2_hmac("sha256", ikm, salt, 1000, 48)
            check(self.session(alias, params, b"") == want, "the derived bytes differ from pyca's")
            detail.append("48 bytes equal")

    def import_wrapped(self, case: KeyopCase) -> None:
        suite, spec = case.suite, wrapped.SUITES[case.suite]
        x25519_suite = suite == HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING
        short = "x25519" if x25519_suite else "ecdh"
        with self.row(short, spec.key_size, "import-wrapped", spec.name.lower()) as detail:
            wrapping, alias = self.alias(f"wrapping-{short}"), self.alias(f"wrapped-{short}")
            self.generate(wrapping, case.key_alg, spec.key_size, _PURPOSE.HUKS_KEY_PURPOSE_UNWRAP)
            public = self.ks.export_key_item(wrapping, HuksOptions()).out_data or b""
            secret = secrets.token_bytes(32)
            blob = wrapped.build_wrapped_key(suite, public, secret)
            params: list[tuple[int, ParamValue]] = [
                (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES), (_TAG.HUKS_TAG_KEY_SIZE, 256),
                (_TAG.HUKS_TAG_PURPOSE, _ENC_DEC), (_TAG.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, suite)]
            self.ks.import_wrapped_key_item(alias, wrapping, _opts(*params, data=blob))
            self.aes_matches(alias, secret)
            bad = blob[:-1] + bytes([blob[-1] ^ 1])
            bad_opts = _opts(*params, data=bad)
            call = functools.partial(self.ks.import_wrapped_key_item, alias + "-bad", wrapping, bad_opts)
            self.expect_code(12000006, call, "a tampered wrapped key")
            detail.append(f"{len(blob)}-byte blob; tampered: 12000006")

    def wrap(self, case: KeyopCase) -> None:
        with self.row("aes", 256, "wrap/unwrap", "huk_based; tamper") as detail:
            alias, restored = self.alias("wrap"), self.alias("unwrapped")
            secret = secrets.token_bytes(32)
            self.ks.import_key_item(alias, _opts(
                (_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES), (_TAG.HUKS_TAG_KEY_SIZE, 256),
                (_TAG.HUKS_TAG_PURPOSE, _ENC_DEC), (_TAG.HUKS_TAG_IS_ALLOWED_WRAP, True), data=secret))
            blob = self.ks.wrap_key_item(alias, HuksOptions([_HUK_WRAP])).out_data or b""
            check(secret not in blob, "the wrapped key shows the key in the clear")
            self.ks.unwrap_key_item(restored, HuksOptions([_HUK_WRAP]), blob)
            self.aes_matches(restored, secret)
            bad = blob[:-1] + bytes([blob[-1] ^ 1])
            self.expect_code(
                12000006,
                lambda: self.ks.unwrap_key_item(restored + "-bad", HuksOptions([_HUK_WRAP]), bad),
                "a tampered wrapped key",
            )
            detail.append(f"{len(blob)}-byte blob; tampered: 12000006")

    def attest(self, case: KeyopCase) -> None:
        anonymous = case.kind == "anon-attest"
        alias = self.prefix + "attest"
        if alias not in self.created:
            self.created.append(alias)
        with self.row("ecc", case.size, case.kind, "chain, extension") as detail:
            if not self.ks.has_key_item(alias, HuksOptions()):
                sign = _PURPOSE.HUKS_KEY_PURPOSE_SIGN | _PURPOSE.HUKS_KEY_PURPOSE_VERIFY
                self.generate(alias, _ALG.HUKS_ALG_ECC, case.size, sign, (_TAG.HUKS_TAG_DIGEST, _SHA256))
            challenge = secrets.token_bytes(16)
            method = self.ks.anon_attest_key_item if anonymous else self.ks.attest_key_item
            pems = method(alias, _opts((_TAG.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains or []
            chain = [x509.load_pem_x509_certificate(p.encode("latin-1")) for p in pems]
            check(len(chain) >= 2, f"a chain of {len(chain)} certificates")
            for cert, issuer in itertools.pairwise([*chain, chain[-1]]):
                if cert.issuer == cert.subject:  # the root (what follows is extra evidence)
                    cert.verify_directly_issued_by(cert)
                    break
                cert.verify_directly_issued_by(issuer)
            spki = chain[0].public_key().public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
            check(spki == self.ks.export_key_item(alias, HuksOptions()).out_data,
                  "the leaf does not certify the key")
            ext = chain[0].extensions.get_extension_for_oid(OID).value
            if not isinstance(ext, x509.UnrecognizedExtension):
                raise CheckFailedError("no hukspy key description")
            d = parse_description(ext.value)
            check(d.challenge == challenge and d.anonymous is anonymous, "the extension does not match")
            detail.append(f"{len(chain)} certificates, level {d.security_level}")

    def run(self) -> None:
        checks: dict[str, Callable[[KeyopCase], None]] = {
            "agree+store": self.agree,
            "derive": self.derive,
            "import-wrapped": self.import_wrapped,
            "wrap/unwrap": self.wrap,
            "attest": self.attest,
            "anon-attest": self.attest,
        }
        for case in keyop_cases(self.caps):
            checks[case.kind](case)


def keyop_rows(ks: Keystore) -> list[Row]:
    """Run the checks of the module docstring on ``ks``; one ``Row`` per check plus one for the removal
    of the temporary keys. Never raises ``HuksError``."""
    run = _Run(ks)
    try:
        run.run()
    finally:
        run.rows.append(remove_aliases(ks, run.created, "keyops"))
    return run.rows
