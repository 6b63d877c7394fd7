"""The conformance suite: ``KeystoreConformanceTests``, a base class a backend's test module subclasses
(like keyring's ``BackendBasicTests``), giving the keystore's URI as the ``keystore_uri`` fixture (see
``hukspy.testing``)::

    class TestMyBackend(KeystoreConformanceTests):
        @pytest.fixture
        def keystore_uri(self, my_token) -> str:
            return my_token.uri

Each test gets a fresh ``Keystore`` of that URI (``init_keystore``; override it to open the keystore
another way) and fails if a session is left open. The tests come in groups, one class each, that
``KeystoreConformanceTests`` combines:

1. **Declared capabilities** (``DeclaredCapabilityTests``). The cases come from
   ``hukspy.testing.cases``, the generator ``hukspy selftest`` draws from too. ``test_declared_keys[ALG]``
   generates and imports every declared ``KeyCap`` of ``ALG``; ``test_declared_ops[kind-ALG]`` runs every
   declared ``OpCap`` of that family on the smallest and largest usable key sizes (plus 256/2048 where
   declared: ``cases.extreme_sizes``) and checks the result independently with pyca ``cryptography``.
   A family the backend declares nothing for is skipped with that reason;
   ``test_every_declared_capability_is_exercised`` fails if the backend declares something the suite
   cannot check, so "declared" always means "proven".
2. **HUKS rules that hold for every backend** (docs/decisions.md, huks-reference.md §6; ``KeyRuleTests``,
   ``SessionTests``, ``CipherRuleTests``, ``StreamingTests``): overwrite and
   KEY_OVERRIDE, aliases, AUTH_STORAGE_LEVEL, is_key_item_exist vs has_key_item, export of secret keys,
   the session table (limit, evict, lifecycle, close), AES-GCM framing, IV rules, bad signatures,
   streaming large inputs with flat memory, and many threads on one ``Keystore``.
3. **User authentication** (docs/userauth.md; ``UserAuthTests`` of
   ``hukspy.testing.userauth``): the PIN, its anti-brute-force schedule (on a fake clock), tokens that
   verify only in the keystore that issued them, the lock state, the records no API call reaches.

Environment: ``HUKSPY_STREAM_MIB`` sets the size of the streaming test (default 64 MiB on the software
backend, 4 MiB on others).
"""

from __future__ import annotations

import os
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy.backend import Capabilities, OpCap
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksTag,
)
from hukspy.errors import HuksError
from hukspy.formats import SYMMETRIC_ALGS
from hukspy.keystore import Keystore
from hukspy.params import HuksOptions, HuksParam, HuksReturnResult
from hukspy.spec import OpKind
from hukspy.testing.cases import (
    KIND_PURPOSE,
    PURPOSE_CLASS,
    attest_key,
    extreme_sizes,
    key_cases,
    op_cases,
)
from hukspy.testing.checks import (
    FAMILIES,
    HASHES,
    NotExercised,
    check_key_case,
    check_op_cap,
    describe,
    read_key_description,
)
from hukspy.testing.keychild import change_in_another_process
from hukspy.testing.simple import Simple as _Simple
from hukspy.testing.simple import init_params as _init_params
from hukspy.testing.simple import score as _simple_score
from hukspy.testing.simple import simple as _simple
from hukspy.testing.support import (
    alg_name,
    checked_keystore,
    ensure_generated,
    ensure_imported_secret,
    key_extra_for,
    key_purpose_for,
    open_keystore,
    open_session_count,
    options,
    param,
    raises_code,
    run_session,
    unique_alias,
)
from hukspy.testing.userauth import UserAuthTests

__all__ = [
    "CipherRuleTests",
    "DeclaredCapabilityTests",
    "FreshnessTests",
    "KeyRuleTests",
    "KeystoreConformanceTests",
    "SessionTests",
    "StreamingTests",
]

_ALG = HuksKeyAlg
_TAG = HuksTag
_MODE = HuksCipherMode
_PADDING = HuksKeyPadding
_DIGEST = HuksKeyDigest
_LEVEL = HuksAuthStorageLevel

#: Every key algorithm a backend may declare (one test per algorithm).
_KEY_ALGS: Final = (
    _ALG.HUKS_ALG_RSA,
    _ALG.HUKS_ALG_ECC,
    _ALG.HUKS_ALG_DSA,
    _ALG.HUKS_ALG_ED25519,
    _ALG.HUKS_ALG_X25519,
    _ALG.HUKS_ALG_DH,
    _ALG.HUKS_ALG_SM2,
    _ALG.HUKS_ALG_AES,
    _ALG.HUKS_ALG_DES,
    _ALG.HUKS_ALG_3DES,
    _ALG.HUKS_ALG_SM4,
    _ALG.HUKS_ALG_HMAC,
    _ALG.HUKS_ALG_CMAC,
    _ALG.HUKS_ALG_SM3,
)
_SESSION_LIMIT: Final = 15
_MIB: Final = 1 << 20


def _caps(ks: Keystore) -> Capabilities:
    caps = ks.capabilities()
    assert isinstance(caps, Capabilities)
    return caps


# ================================================================== part 1: declared capabilities


class DeclaredCapabilityTests:
    """Declared capabilities: every declared key and operation proven (the cases of
    ``hukspy.testing.cases``)."""

    def test_capabilities_are_frozen_data(self, keystore: Keystore) -> None:
        caps = _caps(keystore)
        assert caps.backend == keystore.backend_name
        assert caps.keys, "a backend must declare at least one kind of key"
        assert isinstance(caps.keys, frozenset) and isinstance(caps.ops, frozenset)
        with pytest.raises(AttributeError):
            caps.keys = frozenset()  # type: ignore[misc]
        assert keystore.capabilities() == caps

    def test_every_declared_capability_is_exercised(self, keystore: Keystore) -> None:
        """Declared means proven: every OpCap belongs to a family this suite checks, on a declared key."""
        caps = _caps(keystore)
        problems: list[str] = []
        key_algs = {k.alg for k in caps.keys}
        for cap in sorted(caps.ops, key=describe):
            if (cap.kind, cap.key_alg) not in FAMILIES:
                problems.append(f"{describe(cap)}: the conformance suite has no check for this family")
            if cap.key_alg not in key_algs:
                problems.append(f"{describe(cap)}: no KeyCap of {alg_name(cap.key_alg)} is declared")
            elif not extreme_sizes(caps, cap):
                problems.append(f"{describe(cap)}: no declared key size can run it")
        for k in caps.keys:
            if not k.generate and not k.imports:
                problems.append(f"KeyCap {alg_name(k.alg)}-{k.size}: neither generate nor import")
        assert not problems, "\n".join(problems)

    @pytest.mark.parametrize("alg", _KEY_ALGS, ids=[alg_name(a) for a in _KEY_ALGS])
    def test_declared_keys(self, keystore: Keystore, alg: int) -> None:
        """Generate (and import, per declared type) every declared size of ``alg``; check the stored
        properties, the exported public key (size, and equality with the imported key), and delete."""
        entries = [c for c in key_cases(_caps(keystore)) if c.cap.alg == alg]
        if not entries:
            pytest.skip(f"{keystore.backend_name} declares no {alg_name(alg)} keys")
        failures: list[str] = []
        for case in entries:
            try:
                check_key_case(keystore, case)
            except Exception as exc:  # report every failing entry, not just the first
                failures.append(f"{alg_name(case.cap.alg)}-{case.cap.size}: {type(exc).__name__}: {exc}")
        assert not failures, f"{len(failures)} of {len(entries)} declared keys fail:\n" + "\n".join(failures)

    @pytest.mark.parametrize(
        ("kind", "key_alg"), FAMILIES, ids=[f"{k.value}-{alg_name(a)}" for k, a in FAMILIES]
    )
    def test_declared_ops(self, keystore: Keystore, kind: OpKind, key_alg: int) -> None:
        """Run every declared operation of this family at the sizes ``extreme_sizes`` chooses and check
        it independently with pyca."""
        caps = _caps(keystore)
        entries = sorted((c for c in caps.ops if c.kind is kind and c.key_alg == key_alg), key=describe)
        if not entries:
            pytest.skip(
                f"{keystore.backend_name} declares no {kind.value} operation on {alg_name(key_alg)} keys"
            )
        cases = [c for c in op_cases(caps, extreme_sizes) if c.cap.kind is kind and c.cap.key_alg == key_alg]
        failures = [
            f"{describe(cap)}: no usable declared key size"
            for cap in entries
            if not any(c.cap == cap for c in cases)
        ]
        for case in cases:
            try:
                check_op_cap(keystore, case.cap, case.size)
            except NotExercised as exc:
                failures.append(f"{describe(case.cap)} [{case.size}]: declared but not exercisable: {exc}")
            except Exception as exc:
                failures.append(f"{describe(case.cap)} [{case.size}]: {type(exc).__name__}: {exc}")
        assert not failures, f"{len(failures)} failures in {len(entries)} declared ops:\n" + "\n".join(
            failures
        )

    def test_declared_attestation(self, keystore: Keystore) -> None:
        """``Capabilities.attest``: attest_key_item and anon_attest_key_item give a PEM chain, leaf first,
        whose leaf certifies the key's exported public key and carries the challenge and the anonymous
        flag in hukspy's key description (docs/attestation.md; read here by an independent DER reader),
        where each certificate is issued by the next up to a root whose self-signature verifies
        (certificates after the root, such as a TPM's EK certificate, are extra evidence and not checked
        here)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        from hukspy.attestation import OID

        if not _caps(keystore).attest:
            pytest.skip(f"{keystore.backend_name} does not declare attestation")
        found = attest_key(_caps(keystore))
        if found is None:
            pytest.skip("no key that signs to attest")
        alg = found.alg
        alias = ensure_generated(keystore, alg, found.size, PURPOSE_CLASS[OpKind.SIGN])
        public = keystore.export_key_item(alias, options()).out_data
        for attest, anonymous in ((keystore.attest_key_item, False), (keystore.anon_attest_key_item, True)):
            challenge = os.urandom(16)
            chain = attest(alias, options(param(_TAG.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains
            assert chain, f"{attest.__name__} returned no certificates"
            certs = [x509.load_pem_x509_certificate(pem.encode("latin-1")) for pem in chain]
            leaf_key = certs[0].public_key()
            if alg in (_ALG.HUKS_ALG_ED25519,):
                leaf = leaf_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            else:
                spki = serialization.PublicFormat.SubjectPublicKeyInfo
                leaf = leaf_key.public_bytes(serialization.Encoding.DER, spki)
            assert leaf == public, f"{attest.__name__}: the leaf does not certify the key"
            ext = certs[0].extensions.get_extension_for_oid(OID).value
            assert isinstance(ext, x509.UnrecognizedExtension), "the key description is not raw DER"
            got_anonymous, got_challenge = read_key_description(ext.value)
            assert got_challenge == challenge, f"{attest.__name__}: the leaf does not carry the challenge"
            assert got_anonymous is anonymous, f"{attest.__name__}: the anonymous flag is {got_anonymous}"
            for i, cert in enumerate(certs):
                if cert.issuer == cert.subject:
                    cert.verify_directly_issued_by(cert)  # the root signs itself; what follows is evidence
                    break
                assert i + 1 < len(certs), f"{attest.__name__}: the chain ends without a self-signed root"
                cert.verify_directly_issued_by(certs[i + 1])

    def test_declared_wrap_unwrap(self, keystore: Keystore) -> None:
        """``Capabilities.wrap``: a key generated with IS_ALLOWED_WRAP=true survives wrap → delete → unwrap
        with the same params and the same behaviour; a tampered blob is refused."""
        from hukspy.enums import HuksKeyWrapType

        if not _caps(keystore).wrap:
            pytest.skip(f"{keystore.backend_name} does not declare key wrapping")
        simple = _simple(keystore)
        huk = param(_TAG.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED)
        alias = unique_alias("wrap")
        keystore.generate_key_item(alias, options(*simple.gen, param(_TAG.HUKS_TAG_IS_ALLOWED_WRAP, True)))
        try:
            before = keystore.get_key_item_properties(alias, options()).properties
            probe = (
                run_session(keystore, alias, simple.init, [_DATA]) if simple.cap.kind is OpKind.MAC else None
            )
            blob = keystore.wrap_key_item(alias, options(huk)).out_data
            assert blob, "wrap_key_item returned nothing"
            keystore.delete_key_item(alias, options())
            keystore.unwrap_key_item(alias, options(huk), blob)
            assert keystore.get_key_item_properties(alias, options()).properties == before
            if probe is not None:
                assert run_session(keystore, alias, simple.init, [_DATA]) == probe, (
                    "the unwrapped key differs"
                )
            else:
                assert run_session(keystore, alias, simple.init, [_DATA])
            with raises_code(12000006):
                tampered = blob[:-1] + bytes([blob[-1] ^ 1])
                keystore.unwrap_key_item(unique_alias("tampered"), options(huk), tampered)
        finally:
            keystore.delete_key_item(alias, options())


# ================================================================== part 2: the HUKS rules


_DATA: Final = bytes(range(64))


def _alias_functions(ks: Keystore, alias: object) -> Iterator[tuple[str, object]]:
    """Call every function that takes an alias with ``alias``; yield (name, thunk)."""
    o = options()
    calls: dict[str, object] = {
        "generate_key_item": lambda: ks.generate_key_item(alias, options(*_simple(ks).gen)),  # type: ignore[arg-type]
        "delete_key_item": lambda: ks.delete_key_item(alias, o),  # type: ignore[arg-type]
        "import_key_item": lambda: ks.import_key_item(alias, options(*_simple(ks).gen, in_data=b"0" * 32)),  # type: ignore[arg-type]
        "export_key_item": lambda: ks.export_key_item(alias, o),  # type: ignore[arg-type]
        "get_key_item_properties": lambda: ks.get_key_item_properties(alias, o),  # type: ignore[arg-type]
        "is_key_item_exist": lambda: ks.is_key_item_exist(alias, o),  # type: ignore[arg-type]
        "has_key_item": lambda: ks.has_key_item(alias, o),  # type: ignore[arg-type]
        "init_session": lambda: ks.init_session(alias, options(*_simple(ks).init)),  # type: ignore[arg-type]
        "attest_key_item": lambda: ks.attest_key_item(alias, o),  # type: ignore[arg-type]
        "anon_attest_key_item": lambda: ks.anon_attest_key_item(alias, o),  # type: ignore[arg-type]
        "wrap_key_item": lambda: ks.wrap_key_item(alias, o),  # type: ignore[arg-type]
        "unwrap_key_item": lambda: ks.unwrap_key_item(alias, o, b"x" * 64),  # type: ignore[arg-type]
        "import_wrapped_key_item(key)": lambda: ks.import_wrapped_key_item(alias, "w", o),  # type: ignore[arg-type]
        "import_wrapped_key_item(wrapping)": lambda: ks.import_wrapped_key_item("k", alias, o),  # type: ignore[arg-type]
    }
    yield from calls.items()


def _expect_401(ks: Keystore, alias: object) -> list[str]:
    wrong: list[str] = []
    for name, thunk in _alias_functions(ks, alias):
        try:
            thunk()  # type: ignore[operator]
        except HuksError as exc:
            if exc.code != 401:
                wrong.append(f"{name}({alias!r:.20}): {exc.code}")
        else:
            wrong.append(f"{name}({alias!r:.20}): no error")
    return wrong


def _level(level: int) -> HuksParam:
    return param(_TAG.HUKS_TAG_AUTH_STORAGE_LEVEL, level)


def _mac_or_cipher_import(ks: Keystore) -> tuple[OpCap, int] | None:
    """A declared HMAC or AES-ECB/CBC/CTR operation on a key size that can be imported raw."""
    caps = _caps(ks)
    for cap in sorted(caps.ops, key=describe):
        good = (cap.kind is OpKind.MAC and cap.key_alg == _ALG.HUKS_ALG_HMAC) or (
            cap.kind is OpKind.ENCRYPT
            and cap.key_alg == _ALG.HUKS_ALG_AES
            and cap.mode == _MODE.HUKS_MODE_ECB
            and cap.padding == _PADDING.HUKS_PADDING_NONE
        )
        if good:
            for size in extreme_sizes(caps, cap):
                k = caps.key(cap.key_alg, size)
                if k is not None and k.imports:
                    return cap, size
    return None


@dataclass(frozen=True)
class _ImportRecipe:
    """A key the backend imports raw (HMAC, else AES-ECB): its params, a session on it, pyca's answer
    for ``_DATA``, and params of the same alias that make that session's init refused (401)."""

    cap: OpCap
    size: int
    gen: tuple[HuksParam, ...]
    init: tuple[HuksParam, ...]
    refused: tuple[HuksParam, ...]

    def reference(self, key: bytes) -> bytes:
        if self.cap.kind is OpKind.MAC:
            h = hmac.HMAC(key, HASHES[self.cap.digest or 0]())
            h.update(_DATA)
            return h.finalize()
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - the op under test
        return enc.update(_DATA) + enc.finalize()


def _import_recipe(ks: Keystore) -> _ImportRecipe:
    found = _mac_or_cipher_import(ks)
    if found is None:
        pytest.skip(f"{ks.backend_name} declares no HMAC or AES-ECB with raw key import")
    cap, size = found
    head = (param(_TAG.HUKS_TAG_ALGORITHM, cap.key_alg), param(_TAG.HUKS_TAG_KEY_SIZE, size))
    purpose = param(_TAG.HUKS_TAG_PURPOSE, PURPOSE_CLASS[cap.kind])
    init = _init_params(cap)
    gen: tuple[HuksParam, ...]
    refused: tuple[HuksParam, ...]
    if cap.kind is OpKind.MAC and cap.digest is not None:
        # the same key with another DIGEST: an init that names the first one no longer matches the key
        sha384 = _DIGEST.HUKS_DIGEST_SHA384
        other = sha384 if cap.digest != sha384 else _DIGEST.HUKS_DIGEST_SHA256
        gen = (*head, purpose, param(_TAG.HUKS_TAG_DIGEST, cap.digest))
        refused = (*head, purpose, param(_TAG.HUKS_TAG_DIGEST, other))
    else:
        # the same key for DECRYPT only: an ENCRYPT init is no longer allowed
        gen = (*head, purpose)
        refused = (*head, param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.DECRYPT]))
    return _ImportRecipe(cap, size, gen, tuple(init), refused)


class KeyRuleTests:
    """HUKS rules on keys: aliases, storage levels, existence, export, overwrite."""

    def test_aliases_that_are_not_str_are_401(self, keystore: Keystore) -> None:
        wrong: list[str] = []
        for alias in (b"bytes-alias", 42, None, ["a"], 3.5):
            wrong += _expect_401(keystore, alias)
        assert not wrong, "\n".join(wrong)

    def test_aliases_outside_1_to_128_utf8_bytes_are_401(self, keystore: Keystore) -> None:
        simple = _simple(keystore)
        wrong: list[str] = []
        for alias in ("", "a" * 129, "\u00e9" * 65, "\u20ac" * 43):  # 0, 129, 130, 129 bytes
            wrong += _expect_401(keystore, alias)
        assert not wrong, "\n".join(wrong)
        for alias in ("a" * 128, "\u00e9" * 64, "\u20ac" * 42 + "xy", "k"):  # 128, 128, 128, 1 bytes
            simple.make(keystore, alias)
            try:
                assert keystore.has_key_item(alias, options())
                assert alias in keystore.list_aliases(options()).key_aliases
            finally:
                keystore.delete_key_item(alias, options())

    def test_is_key_item_exist_vs_has_key_item(self, keystore: Keystore) -> None:
        """XTS ErrorCode_2900: isKeyItemExist rejects a missing key with 12000011; hasKeyItem says False."""
        alias = unique_alias("exist")
        with raises_code(12000011):
            keystore.is_key_item_exist(alias, options())
        assert keystore.has_key_item(alias, options()) is False
        _simple(keystore).make(keystore, alias)
        try:
            assert keystore.is_key_item_exist(alias, options()) is True
            assert keystore.has_key_item(alias, options()) is True
        finally:
            keystore.delete_key_item(alias, options())
        with raises_code(12000011):
            keystore.is_key_item_exist(alias, options())
        assert keystore.has_key_item(alias, options()) is False

    def test_missing_key_is_12000011(self, keystore: Keystore) -> None:
        simple = _simple(keystore)
        alias = unique_alias("missing")
        for call in (
            lambda: keystore.delete_key_item(alias, options()),
            lambda: keystore.export_key_item(alias, options()),
            lambda: keystore.get_key_item_properties(alias, options()),
            lambda: keystore.init_session(alias, options(*simple.init)),
        ):
            with raises_code(12000011):
                call()

    def test_list_aliases_per_storage_level(self, keystore: Keystore) -> None:
        """XTS KeyGenerateListAliases: each AUTH_STORAGE_LEVEL is its own namespace; CE is the default."""
        simple = _simple(keystore)
        base = unique_alias("level")
        made: list[tuple[str, HuksAuthStorageLevel]] = []
        try:
            for level in (
                _LEVEL.HUKS_AUTH_STORAGE_LEVEL_DE,
                _LEVEL.HUKS_AUTH_STORAGE_LEVEL_CE,
                _LEVEL.HUKS_AUTH_STORAGE_LEVEL_ECE,
            ):
                alias = f"{base}-{int(level)}"
                keystore.generate_key_item(alias, options(*simple.gen, _level(level)))
                made.append((alias, level))
            shared = f"{base}-shared"  # the same alias at two levels: two keys
            for level in (_LEVEL.HUKS_AUTH_STORAGE_LEVEL_DE, _LEVEL.HUKS_AUTH_STORAGE_LEVEL_ECE):
                keystore.generate_key_item(shared, options(*simple.gen, _level(level)))
                made.append((shared, level))
            listing = {
                level: keystore.list_aliases(options(_level(level))).key_aliases
                for level in (
                    _LEVEL.HUKS_AUTH_STORAGE_LEVEL_DE,
                    _LEVEL.HUKS_AUTH_STORAGE_LEVEL_CE,
                    _LEVEL.HUKS_AUTH_STORAGE_LEVEL_ECE,
                )
            }
            default = keystore.list_aliases(options()).key_aliases
            assert default == listing[_LEVEL.HUKS_AUTH_STORAGE_LEVEL_CE], "the default level must be CE"
            for level, aliases in listing.items():
                assert aliases == sorted(aliases), "list_aliases must be sorted"
                mine = {a for a in aliases if a.startswith(base)}
                expected = {a for a, lv in made if lv == level}
                assert mine == expected, f"level {level}: {sorted(mine)} != {sorted(expected)}"
            de, ce = _LEVEL.HUKS_AUTH_STORAGE_LEVEL_DE, _LEVEL.HUKS_AUTH_STORAGE_LEVEL_CE
            assert keystore.has_key_item(f"{base}-{int(de)}", options(_level(de))) is True
            assert keystore.has_key_item(f"{base}-{int(de)}", options()) is False
            with raises_code(12000011):
                keystore.delete_key_item(f"{base}-{int(de)}", options(_level(ce)))
            keystore.delete_key_item(shared, options(_level(de)))
            made.remove((shared, de))
            assert keystore.has_key_item(shared, options(_level(_LEVEL.HUKS_AUTH_STORAGE_LEVEL_ECE))) is True
        finally:
            for alias, level in made:
                keystore.delete_key_item(alias, options(_level(level)))

    def test_list_aliases_none_is_401(self, keystore: Keystore) -> None:
        bads: tuple[object, ...] = (None, {}, "options", [HuksParam(_TAG.HUKS_TAG_AUTH_STORAGE_LEVEL, 1)])
        for bad in bads:
            with raises_code(401):
                keystore.list_aliases(bad)  # type: ignore[arg-type]
        assert isinstance(keystore.list_aliases(HuksOptions()).key_aliases, list)

    def test_export_of_a_secret_key_is_12000003(self, keystore: Keystore) -> None:
        caps = _caps(keystore)
        secret = sorted(
            (k for k in caps.keys if k.alg in SYMMETRIC_ALGS and k.generate), key=lambda k: (k.alg, k.size)
        )
        if not secret:
            pytest.skip(f"{keystore.backend_name} cannot generate secret keys")
        k = secret[0]
        purpose = key_purpose_for(k.alg)
        alias = ensure_generated(keystore, k.alg, k.size, purpose, key_extra_for(k.alg, purpose))
        with raises_code(12000003):
            keystore.export_key_item(alias, options())

    def test_overwrite_replaces_unless_key_override_false(self, keystore: Keystore) -> None:
        """docs/decisions.md "overwrite" / hks_api.c CheckifNeedOverrideKey: a second import replaces the
        key silently (XTS Import_API9_0100); KEY_OVERRIDE=False on an existing alias is 12000017 and
        changes nothing."""
        r = _import_recipe(keystore)
        gen, init, size, reference = r.gen, r.init, r.size, r.reference
        alias = unique_alias("overwrite")
        keys = [os.urandom(size // 8) for _ in range(3)]
        try:
            keystore.import_key_item(alias, options(*gen, in_data=keys[0]))
            assert run_session(keystore, alias, init, [_DATA]) == reference(keys[0])
            keystore.import_key_item(alias, options(*gen, in_data=keys[1]))  # silently replaced
            assert run_session(keystore, alias, init, [_DATA]) == reference(keys[1])
            with raises_code(12000017):
                keystore.import_key_item(
                    alias, options(*gen, param(_TAG.HUKS_TAG_KEY_OVERRIDE, False), in_data=keys[2])
                )
            with raises_code(12000017):
                keystore.generate_key_item(alias, options(*gen, param(_TAG.HUKS_TAG_KEY_OVERRIDE, False)))
            assert run_session(keystore, alias, init, [_DATA]) == reference(keys[1]), "a refused overwrite"
            keystore.import_key_item(
                alias, options(*gen, param(_TAG.HUKS_TAG_KEY_OVERRIDE, True), in_data=keys[2])
            )
            assert run_session(keystore, alias, init, [_DATA]) == reference(keys[2])
            assert keystore.list_aliases(options()).key_aliases.count(alias) == 1
        finally:
            if keystore.has_key_item(alias, options()):
                keystore.delete_key_item(alias, options())
        fresh = unique_alias("override-new")
        keystore.generate_key_item(
            fresh, options(*gen, param(_TAG.HUKS_TAG_KEY_OVERRIDE, False))
        )  # new alias: fine
        keystore.delete_key_item(fresh, options())


# ---------------------------------------------------------------- sessions


def _open(ks: Keystore, alias: str, simple: _Simple) -> int:
    return ks.init_session(alias, options(*simple.init)).handle


def _feed(ks: Keystore, handle: int) -> HuksReturnResult:
    return ks.update_session(handle, options(in_data=_DATA))


class SessionTests:
    """HUKS rules on sessions: handles, the limit, the lifecycle, errors that end a session."""

    def test_session_handles_are_distinct_and_nonzero(self, keystore: Keystore) -> None:
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        sessions = [keystore.init_session(alias, options(*simple.init)) for _ in range(5)]
        try:
            handles = [s.handle for s in sessions]
            assert all(isinstance(h, int) and 0 < h < 2**64 for h in handles)
            assert len(set(handles)) == len(handles)
            assert all(s.challenge is None for s in sessions), "no challenge without user auth"
            # the HuksSessionHandle object itself is accepted where a handle is expected
            assert isinstance(keystore.update_session(sessions[0], options(in_data=_DATA)), HuksReturnResult)
        finally:
            for s in sessions:
                keystore.abort_session(s.handle, options())

    def test_session_limit_reject(self, keystore: Keystore) -> None:
        """docs/decisions.md "sessions": at most 15 sessions per Keystore; the 16th init_session raises
        12000010 until one is finished or aborted."""
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        with open_keystore(keystore.uri) as ks:
            handles = [_open(ks, alias, simple) for _ in range(_SESSION_LIMIT)]
            try:
                with raises_code(12000010):
                    _open(ks, alias, simple)
                for h in handles:  # the refusal took nothing away
                    _feed(ks, h)
                ks.abort_session(handles.pop(0), options())
                handles.append(_open(ks, alias, simple))
                ks.finish_session(handles.pop(0), options())
                handles.append(_open(ks, alias, simple))
                with raises_code(12000010):
                    _open(ks, alias, simple)
            finally:
                for h in handles:
                    ks.abort_session(h, options())
            handles = [_open(ks, alias, simple) for _ in range(_SESSION_LIMIT)]  # all slots are free again
            for h in handles:
                ks.abort_session(h, options())

    def test_session_limit_evict(self, keystore: Keystore) -> None:
        """session_policy="evict": the oldest idle session is dropped and its handle gives 12000011."""
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        with open_keystore(keystore.uri, session_policy="evict", session_limit=4) as ks:
            handles = [_open(ks, alias, simple) for _ in range(4)]
            _feed(ks, handles[0])
            extra = [_open(ks, alias, simple), _open(ks, alias, simple)]  # evict handles[0], then [1]
            with raises_code(12000011):
                _feed(ks, handles[0])
            with raises_code(12000011):
                ks.finish_session(handles[1], options())
            assert open_session_count(ks) == 4
            for h in handles[2:] + extra:
                _feed(ks, h)
                ks.finish_session(h, options())
        with open_keystore(keystore.uri, session_policy="evict") as ks:  # default limit 15
            handles = [_open(ks, alias, simple) for _ in range(_SESSION_LIMIT + 1)]
            with raises_code(12000011):
                _feed(ks, handles[0])
            for h in handles[1:]:
                ks.abort_session(h, options())

    def test_finished_and_aborted_handles_are_12000011(self, keystore: Keystore) -> None:
        """XTS ErrorCode_1100/1300: update/finish on a finished, aborted or unknown handle → 12000011."""
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        finished = _open(keystore, alias, simple)
        keystore.finish_session(finished, options(in_data=_DATA))
        aborted = _open(keystore, alias, simple)
        keystore.abort_session(aborted, options())
        for h in (finished, aborted, 0, 1, 2**64 - 1):
            with raises_code(12000011):
                _feed(keystore, h)
            with raises_code(12000011):
                keystore.finish_session(h, options())

    def test_abort_of_unknown_handle_succeeds(self, keystore: Keystore) -> None:
        """HksSessionMaxTest002: abort of an unknown handle is a success; aborting twice too."""
        simple = _simple(keystore)
        h = _open(keystore, simple.shared(keystore), simple)
        keystore.abort_session(h, options())
        assert keystore.abort_session(h, options()) is None
        assert keystore.abort_session(12345, options()) is None
        assert keystore.abort_session(0, options()) is None
        with raises_code(401):
            keystore.abort_session("12345", options())  # type: ignore[arg-type]

    def test_error_in_update_ends_the_session(self, keystore: Keystore) -> None:
        """Any error in update ends the session (XTS ErrorCode_1000: duplicate tag in update → 401)."""
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        alg = param(_TAG.HUKS_TAG_ALGORITHM, simple.cap.alg)
        dup = options(alg, alg, in_data=_DATA)
        not_bytes: object = "not bytes"
        bads: tuple[Callable[[int], object], ...] = (
            lambda h: keystore.update_session(h, dup),
            lambda h: keystore.update_session(h, options(in_data=_DATA), token=not_bytes),  # type: ignore[arg-type]
            lambda h: keystore.update_session(h, HuksOptions(in_data=not_bytes)),  # type: ignore[arg-type]
        )
        for bad in bads:
            h = _open(keystore, alias, simple)
            _feed(keystore, h)
            with raises_code(401):
                bad(h)
            with raises_code(12000011):
                _feed(keystore, h)
            with raises_code(12000011):
                keystore.finish_session(h, options())
        assert open_session_count(keystore) == 0

    def test_error_in_finish_ends_the_session(self, keystore: Keystore) -> None:
        """XTS ErrorCode_1200: a duplicate tag in finish → 401, and the session is gone."""
        simple = _simple(keystore)
        h = _open(keystore, simple.shared(keystore), simple)
        _feed(keystore, h)
        dup = options(param(_TAG.HUKS_TAG_PURPOSE, 1), param(_TAG.HUKS_TAG_PURPOSE, 1))
        with raises_code(401):
            keystore.finish_session(h, dup)
        with raises_code(12000011):
            keystore.finish_session(h, options())
        assert open_session_count(keystore) == 0

    def test_close_ends_every_session(self, keystore: Keystore) -> None:
        simple = _simple(keystore)
        alias = simple.shared(keystore)
        ks = Keystore(keystore.uri)
        handles = [_open(ks, alias, simple) for _ in range(3)]
        _feed(ks, handles[0])
        with ks:
            pass  # __exit__ closes
        assert open_session_count(ks) == 0
        ks.close()  # idempotent
        for h in handles:
            with pytest.raises(HuksError):
                _feed(ks, h)
        with pytest.raises(HuksError):
            ks.init_session(alias, options(*simple.init))
        # the keys outlive the keystore object
        assert keystore.has_key_item(alias, options())
        h = _open(keystore, alias, simple)
        keystore.abort_session(h, options())

    def test_sign_and_mac_updates_return_empty(self, keystore: Keystore) -> None:
        """docs/decisions.md: sign, verify, MAC and RSA updates return out_data=b"" (a result, never None)."""
        caps = _caps(keystore)
        tried = 0
        for kind in (OpKind.MAC, OpKind.SIGN):
            ranked = sorted(caps.ops, key=describe)
            cap = next((c for c in ranked if c.kind is kind and _simple_score(c) < 99), None)
            if cap is None:
                continue
            sizes = [s for s in extreme_sizes(caps, cap) if (k := caps.key(cap.key_alg, s)) and k.generate]
            if not sizes:
                continue
            extra = (
                (param(_TAG.HUKS_TAG_DIGEST, cap.digest),)
                if kind is OpKind.MAC and cap.digest is not None
                else ()
            )
            alias = ensure_generated(keystore, cap.key_alg, sizes[0], PURPOSE_CLASS[kind], extra)
            init = [param(_TAG.HUKS_TAG_ALGORITHM, cap.alg), param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[kind])]
            for tag, value in ((_TAG.HUKS_TAG_PADDING, cap.padding), (_TAG.HUKS_TAG_DIGEST, cap.digest)):
                if value is not None:
                    init.append(param(tag, value))
            h = keystore.init_session(alias, options(*init)).handle
            try:
                for _ in range(3):
                    r = keystore.update_session(h, options(in_data=_DATA))
                    assert isinstance(r, HuksReturnResult) and r.out_data == b""
            finally:
                keystore.abort_session(h, options())
            tried += 1
        if not tried:
            pytest.skip(f"{keystore.backend_name} declares no MAC or signature")


# ---------------------------------------------------------------- AES-GCM, IV, signatures


def _gcm(ks: Keystore) -> tuple[str, bytes]:
    caps = _caps(ks)
    for size in (256, 128, 192):
        k = caps.key(_ALG.HUKS_ALG_AES, size)
        ok = all(
            any(
                c.kind is kind
                and c.key_alg == _ALG.HUKS_ALG_AES
                and c.mode == _MODE.HUKS_MODE_GCM
                and c.padding in (None, _PADDING.HUKS_PADDING_NONE)
                and (not c.sizes or size in c.sizes)
                for c in caps.ops
            )
            for kind in (OpKind.ENCRYPT, OpKind.DECRYPT)
        )
        if k is not None and k.imports and ok:
            return ensure_imported_secret(ks, _ALG.HUKS_ALG_AES, size, PURPOSE_CLASS[OpKind.ENCRYPT])
    pytest.skip(f"{ks.backend_name} declares no AES-GCM encrypt+decrypt on an importable AES key")


def _gcm_init(kind: OpKind, *extra: HuksParam) -> list[HuksParam]:
    return [
        param(_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES),
        param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[kind]),
        param(_TAG.HUKS_TAG_BLOCK_MODE, _MODE.HUKS_MODE_GCM),
        param(_TAG.HUKS_TAG_PADDING, _PADDING.HUKS_PADDING_NONE),
        *extra,
    ]


class CipherRuleTests:
    """HUKS rules on operations: AES-GCM framing, IV rules, bad signatures."""

    def test_gcm_encrypt_appends_tag_and_nonce(self, keystore: Keystore) -> None:
        """docs/decisions.md "AES-GCM": GCM encrypt finish gives ct ‖ tag(16), plus ‖ nonce(12) when no
        NONCE was given; decrypt takes AE_TAG at init and the ciphertext without the tag."""
        alias, key = _gcm(keystore)
        pt, aad, nonce = os.urandom(100), os.urandom(16), os.urandom(12)
        out = run_session(
            keystore,
            alias,
            _gcm_init(
                OpKind.ENCRYPT, param(_TAG.HUKS_TAG_NONCE, nonce), param(_TAG.HUKS_TAG_ASSOCIATED_DATA, aad)
            ),
            [pt[:33], pt[33:]],
        )
        assert out == AESGCM(key).encrypt(nonce, pt, aad)
        auto = run_session(
            keystore, alias, _gcm_init(OpKind.ENCRYPT, param(_TAG.HUKS_TAG_ASSOCIATED_DATA, aad)), [pt]
        )
        assert len(auto) == len(pt) + 16 + 12
        ct_tag, chosen = auto[:-12], auto[-12:]
        assert AESGCM(key).decrypt(chosen, ct_tag, aad) == pt
        again = run_session(
            keystore, alias, _gcm_init(OpKind.ENCRYPT, param(_TAG.HUKS_TAG_ASSOCIATED_DATA, aad)), [pt]
        )
        assert again[-12:] != chosen, "the generated nonce must be fresh each time"
        back = run_session(
            keystore,
            alias,
            _gcm_init(
                OpKind.DECRYPT,
                param(_TAG.HUKS_TAG_NONCE, chosen),
                param(_TAG.HUKS_TAG_ASSOCIATED_DATA, aad),
                param(_TAG.HUKS_TAG_AE_TAG, ct_tag[-16:]),
            ),
            [ct_tag[:50], ct_tag[50:-16]],
        )
        assert back == pt

    def test_gcm_decrypt_needs_ae_tag_at_init(self, keystore: Keystore) -> None:
        """huks-reference.md §4.3: GCM decrypt without AE_TAG at init → 401 (-30); a tag of another length
        than the tag length → 12000018 (-182)."""
        alias, _key = _gcm(keystore)
        nonce = param(_TAG.HUKS_TAG_NONCE, os.urandom(12))
        with raises_code(401):
            keystore.init_session(alias, options(*_gcm_init(OpKind.DECRYPT, nonce)))
        with raises_code(12000018):
            short_tag = param(_TAG.HUKS_TAG_AE_TAG, bytes(8))
            keystore.init_session(alias, options(*_gcm_init(OpKind.DECRYPT, nonce, short_tag)))
        assert open_session_count(keystore) == 0

    def test_gcm_wrong_tag_is_12000006_and_ends_the_session(self, keystore: Keystore) -> None:
        alias, key = _gcm(keystore)
        pt, nonce = os.urandom(40), os.urandom(12)
        ct_tag = AESGCM(key).encrypt(nonce, pt, None)
        bad_tag = ct_tag[-16:-1] + bytes([ct_tag[-1] ^ 0x80])
        h = keystore.init_session(
            alias,
            options(
                *_gcm_init(
                    OpKind.DECRYPT, param(_TAG.HUKS_TAG_NONCE, nonce), param(_TAG.HUKS_TAG_AE_TAG, bad_tag)
                )
            ),
        ).handle
        keystore.update_session(h, options(in_data=ct_tag[:20]))
        with raises_code(12000006):
            keystore.finish_session(h, options(in_data=ct_tag[20:-16]))
        with raises_code(12000011):
            keystore.finish_session(h, options())

    def test_iv_missing_is_12000002_and_wrong_length_12000003(self, keystore: Keystore) -> None:
        """docs/decisions.md "IV": CBC/CTR/OFB/CFB need an IV of the block size at init: missing → 12000002,
        wrong length → 12000003."""
        caps = _caps(keystore)
        cases = sorted(
            {
                (c.key_alg, c.mode, c.padding)
                for c in caps.ops
                if c.kind is OpKind.ENCRYPT
                and c.mode
                in (_MODE.HUKS_MODE_CBC, _MODE.HUKS_MODE_CTR, _MODE.HUKS_MODE_OFB, _MODE.HUKS_MODE_CFB)
            },
            key=lambda t: (t[0], t[1] or 0, t[2] or 0),
        )
        if not cases:
            pytest.skip(f"{keystore.backend_name} declares no cipher mode that takes an IV")
        checked = 0
        failures: list[str] = []
        for key_alg, mode, padding in cases:
            sizes = [k.size for k in caps.keys if k.alg == key_alg and k.generate]
            if not sizes:
                continue
            alias = ensure_generated(keystore, key_alg, max(sizes), PURPOSE_CLASS[OpKind.ENCRYPT])
            block = 8 if key_alg in (_ALG.HUKS_ALG_DES, _ALG.HUKS_ALG_3DES) else 16
            init = [
                param(_TAG.HUKS_TAG_ALGORITHM, key_alg),
                param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.ENCRYPT]),
                param(_TAG.HUKS_TAG_BLOCK_MODE, mode or 0),
            ]
            if padding is not None:
                init.append(param(_TAG.HUKS_TAG_PADDING, padding))
            name = f"{alg_name(key_alg)}-{HuksCipherMode(mode or 0).name}"
            checked += 1
            try:
                with raises_code(12000002):
                    keystore.init_session(alias, options(*init))
                for length in (block - 4, block + 4, 0):
                    with raises_code(12000003):
                        keystore.init_session(alias, options(*init, param(_TAG.HUKS_TAG_IV, bytes(length))))
                h = keystore.init_session(alias, options(*init, param(_TAG.HUKS_TAG_IV, bytes(block)))).handle
                keystore.abort_session(h, options())
            except (AssertionError, HuksError) as exc:
                failures.append(f"{name}: {exc}")
        if not checked:
            pytest.skip("no generatable key for the IV modes")
        assert not failures, "\n".join(failures)

    def test_verify_bad_signature_is_12000006(self, keystore: Keystore) -> None:
        caps = _caps(keystore)
        for cap in sorted(caps.ops, key=describe):
            if cap.kind is not OpKind.SIGN or not any(
                c.kind is OpKind.VERIFY
                and c.key_alg == cap.key_alg
                and c.digest == cap.digest
                and c.padding == cap.padding
                for c in caps.ops
            ):
                continue
            sizes = [s for s in extreme_sizes(caps, cap) if (k := caps.key(cap.key_alg, s)) and k.generate]
            if not sizes:
                continue
            alias = ensure_generated(keystore, cap.key_alg, sizes[0], PURPOSE_CLASS[OpKind.SIGN])
            init = [param(_TAG.HUKS_TAG_ALGORITHM, cap.alg)]
            for tag, value in ((_TAG.HUKS_TAG_PADDING, cap.padding), (_TAG.HUKS_TAG_DIGEST, cap.digest)):
                if value is not None:
                    init.append(param(tag, value))
            if cap.digest in (None, _DIGEST.HUKS_DIGEST_NONE) and cap.key_alg != _ALG.HUKS_ALG_ED25519:
                continue
            message = os.urandom(500)
            sign = [*init, param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.SIGN])]
            sig = run_session(keystore, alias, sign, [message])
            verify = [*init, param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.VERIFY])]
            assert run_session(keystore, alias, verify, [message], finish=sig) == b""
            for bad_sig, bad_msg in ((sig[:-1] + bytes([sig[-1] ^ 1]), message), (sig, message + b"!")):
                with raises_code(12000006):
                    run_session(keystore, alias, verify, [bad_msg], finish=bad_sig)
            assert open_session_count(keystore) == 0
            return
        pytest.skip(f"{keystore.backend_name} declares no sign+verify pair with a digest")


# ---------------------------------------------------------------- streaming and threads


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _stream_mib(ks: Keystore) -> int:
    env = os.environ.get("HUKSPY_STREAM_MIB")
    if env:
        return max(2, int(env))
    return 64 if ks.backend_name == "software" else 4


def _stream(ks: Keystore, alias: str, init: list[HuksParam], mib: int, reference: object) -> tuple[int, int]:
    """Feed ``mib`` MiB in 1 MiB updates; compare each output with ``reference.update``; return the
    growth of traced Python memory and of RSS between the 2nd chunk and the end."""
    chunk = os.urandom(_MIB)
    h = ks.init_session(alias, options(*init)).handle
    tracemalloc.start()
    try:
        base_traced = base_rss = 0
        for i in range(mib):
            out = ks.update_session(h, options(in_data=chunk)).out_data
            exp = reference.update(chunk)  # type: ignore[attr-defined]
            if isinstance(exp, bytes):
                assert out == exp, f"chunk {i} differs from pyca"
            del out
            if i == 1:
                tracemalloc.reset_peak()
                base_traced = tracemalloc.get_traced_memory()[0]
                base_rss = _rss_bytes() or 0
        last = ks.finish_session(h, options()).out_data
        peak = tracemalloc.get_traced_memory()[1]
        rss = _rss_bytes() or 0
    finally:
        tracemalloc.stop()
        ks.abort_session(h, options())
    final = reference.finalize()  # type: ignore[attr-defined]
    assert last == final, "the final output differs from pyca"
    return peak - base_traced, rss - base_rss if base_rss else 0


class StreamingTests:
    """Streaming large inputs with flat memory, and many threads on one ``Keystore``."""

    def test_streaming_large_input_keeps_memory_flat(self, keystore: Keystore) -> None:
        """docs/decisions.md "big data": update_session streams, so memory stays flat (here: 64 MiB through
        AES-CTR and HMAC-SHA256 in 1 MiB chunks, traced Python memory and RSS grow by less than 8/32 MiB)."""
        caps = _caps(keystore)
        mib = _stream_mib(keystore)
        ran = []
        ctr = next(
            (
                c
                for c in caps.ops
                if c.kind is OpKind.ENCRYPT
                and c.key_alg == _ALG.HUKS_ALG_AES
                and c.mode == _MODE.HUKS_MODE_CTR
                and (k := caps.key(_ALG.HUKS_ALG_AES, 256))
                and k.imports
            ),
            None,
        )
        if ctr is not None:
            alias, key = ensure_imported_secret(
                keystore, _ALG.HUKS_ALG_AES, 256, PURPOSE_CLASS[OpKind.ENCRYPT]
            )
            iv = os.urandom(16)
            init = [
                param(_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_AES),
                param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.ENCRYPT]),
                param(_TAG.HUKS_TAG_BLOCK_MODE, _MODE.HUKS_MODE_CTR),
                param(_TAG.HUKS_TAG_IV, iv),
            ]
            if ctr.padding is not None:
                init.append(param(_TAG.HUKS_TAG_PADDING, ctr.padding))
            ctr_ref = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
            traced, rss = _stream(keystore, alias, init, mib, ctr_ref)
            assert traced < 8 * _MIB, f"AES-CTR: traced memory grew by {traced} bytes over {mib} MiB"
            assert rss < 32 * _MIB, f"AES-CTR: RSS grew by {rss} bytes over {mib} MiB"
            ran.append("AES-CTR")
        hmac_key = caps.key(_ALG.HUKS_ALG_HMAC, 256)
        mac = next(
            (
                c
                for c in caps.ops
                if c.kind is OpKind.MAC
                and c.key_alg == _ALG.HUKS_ALG_HMAC
                and c.digest == _DIGEST.HUKS_DIGEST_SHA256
                and hmac_key is not None
                and hmac_key.imports
            ),
            None,
        )
        if mac is not None:
            digest = param(_TAG.HUKS_TAG_DIGEST, _DIGEST.HUKS_DIGEST_SHA256)
            alias, key = ensure_imported_secret(
                keystore, _ALG.HUKS_ALG_HMAC, 256, PURPOSE_CLASS[OpKind.MAC], (digest,)
            )
            init = [
                param(_TAG.HUKS_TAG_ALGORITHM, _ALG.HUKS_ALG_HMAC),
                param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[OpKind.MAC]),
                digest,
            ]
            traced, rss = _stream(keystore, alias, init, mib, hmac.HMAC(key, hashes.SHA256()))
            assert traced < 8 * _MIB, f"HMAC: traced memory grew by {traced} bytes over {mib} MiB"
            assert rss < 32 * _MIB, f"HMAC: RSS grew by {rss} bytes over {mib} MiB"
            ran.append("HMAC")
        if not ran:
            pytest.skip(
                f"{keystore.backend_name} declares neither AES-256-CTR nor HMAC-SHA256 with raw import"
            )

    def test_threads_share_one_keystore(self, keystore: Keystore) -> None:
        """docs/decisions.md "threads": a Keystore is safe to use from many threads at once (8 threads,
        mixed ops)."""
        simple = _simple(keystore)
        shared = simple.shared(keystore)
        expected_mac: bytes | None = None
        if simple.cap.kind is OpKind.MAC:
            expected_mac = run_session(keystore, shared, simple.init, [_DATA])
        errors: list[str] = []
        barrier = threading.Barrier(8)
        rounds = 6 if keystore.backend_name == "software" else 3

        def worker(n: int) -> None:
            step = "start"
            try:
                barrier.wait()
                for i in range(rounds):
                    step = f"round {i}: generate"
                    alias = simple.make(keystore, unique_alias(f"thread{n}-{i}"))
                    step = f"round {i}: session on its own key"
                    out = run_session(keystore, alias, simple.init, [_DATA[:10], _DATA[10:]])
                    assert out, "empty output"
                    step = f"round {i}: session on the shared key"
                    shared_out = run_session(keystore, shared, simple.init, [_DATA])
                    if expected_mac is not None:
                        assert shared_out == expected_mac, "the shared key gave another MAC"
                    step = f"round {i}: list_aliases"
                    assert alias in keystore.list_aliases(options()).key_aliases
                    step = f"round {i}: get_key_item_properties"
                    props = keystore.get_key_item_properties(alias, options()).properties or []
                    assert any(p.tag == _TAG.HUKS_TAG_ALGORITHM for p in props)
                    step = f"round {i}: init/update/abort on the shared key"
                    h = keystore.init_session(shared, options(*simple.init)).handle
                    keystore.update_session(h, options(in_data=_DATA))
                    keystore.abort_session(h, options())
                    step = f"round {i}: delete"
                    keystore.delete_key_item(alias, options())
                    assert not keystore.has_key_item(alias, options())
            except Exception as exc:  # collected and reported by the main thread
                errors.append(f"thread {n} at {step}: {type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, "\n".join(errors)
        assert open_session_count(keystore) == 0
        assert not [a for a in keystore.list_aliases(options()).key_aliases if ":thread" in a]


# ---------------------------------------------------------------- freshness


Change = Callable[[str, str, tuple[HuksParam, ...], bytes], None]


def _see_every_change(ks: Keystore, change: Change) -> None:
    """A key changed by ``change(action, alias, params, data)`` (another process or thread) is seen by
    ``ks`` on its next call, after ``ks`` has used it enough to remember everything it remembers:
    overwritten (new material: the new MAC or ciphertext), changed (new params: the old init is
    refused, 401), deleted (12000011; ``has_key_item`` False)."""
    r = _import_recipe(ks)
    alias = unique_alias("fresh")
    keys = [os.urandom(r.size // 8) for _ in range(3)]
    try:
        ks.import_key_item(alias, options(*r.gen, in_data=keys[0]))
        for _ in range(3):
            assert run_session(ks, alias, r.init, [_DATA]) == r.reference(keys[0])
        change("import", alias, r.gen, keys[1])
        assert run_session(ks, alias, r.init, [_DATA]) == r.reference(keys[1]), "an overwritten key, stale"
        assert run_session(ks, alias, r.init, [_DATA]) == r.reference(keys[1])
        change("import", alias, r.refused, keys[2])
        with raises_code(401):
            ks.init_session(alias, options(*r.init))
        change("delete", alias, (), b"")
        with raises_code(12000011):
            ks.init_session(alias, options(*r.init))
        assert not ks.has_key_item(alias, options())
        change("import", alias, r.gen, keys[0])  # back again under the same alias
        assert run_session(ks, alias, r.init, [_DATA]) == r.reference(keys[0]), "a re-created key used stale"
    finally:
        if ks.has_key_item(alias, options()):
            ks.delete_key_item(alias, options())


class FreshnessTests:
    """What a keystore remembers to be fast (parsed options, session plans, key records:
    docs/benchmarks.md, "What is cached") never hides a change: a key overwritten, changed or deleted by
    another process, by another thread on the same ``Keystore``, or through another ``Keystore`` on the
    same URI, is seen on the very next call."""

    def test_a_change_by_another_process_is_seen(self, keystore: Keystore, keystore_uri: str) -> None:
        def change(action: str, alias: str, params: tuple[HuksParam, ...], data: bytes) -> None:
            change_in_another_process(keystore_uri, action, alias, list(params), data)

        _see_every_change(keystore, change)

    @pytest.mark.parametrize("through", ["same keystore", "another keystore"])
    def test_a_change_by_another_thread_is_seen(
        self, keystore: Keystore, keystore_uri: str, through: str
    ) -> None:
        other = keystore
        if through == "another keystore":
            other = self.init_keystore(keystore_uri)  # type: ignore[attr-defined]
        errors: list[BaseException] = []

        def change(action: str, alias: str, params: tuple[HuksParam, ...], data: bytes) -> None:
            def run() -> None:
                try:
                    if action == "import":
                        other.import_key_item(alias, options(*params, in_data=data))
                    else:
                        other.delete_key_item(alias, options(*params))
                except BaseException as exc:  # reported by the test's thread
                    errors.append(exc)

            t = threading.Thread(target=run)
            t.start()
            t.join()
            assert not errors, f"the other thread failed: {errors[0]!r}"

        try:
            _see_every_change(keystore, change)
        finally:
            if other is not keystore:
                other.close()


# The access-control section lives in its own module (it uses ``_simple`` from here).
from hukspy.testing.authz import AccessGroupTests, AuthKeyTests  # noqa: E402


class KeystoreConformanceTests(
    DeclaredCapabilityTests, KeyRuleTests, SessionTests, CipherRuleTests, StreamingTests, UserAuthTests,
    AccessGroupTests, AuthKeyTests, FreshnessTests,
):
    """The whole conformance suite. A subclass provides the ``keystore_uri`` fixture (a ``str``); it may
    override ``init_keystore`` to open the keystore another way."""

    def init_keystore(self, uri: str) -> Keystore:
        """The ``Keystore`` each test runs on (default ``Keystore(uri)``)."""
        return Keystore(uri)

    @pytest.fixture
    def keystore(self, keystore_uri: str) -> Iterator[Keystore]:
        """A fresh keystore for one test; the test fails if it leaves a session open."""
        with checked_keystore(self.init_keystore(keystore_uri)) as ks:
            yield ks
