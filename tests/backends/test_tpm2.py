"""The TPM 2.0 backend against a real swtpm: slots, threads, restarts, faults, the RC table, sealed keys.

swtpm is started by ``hukspy_tpm2.testing.swtpm_instance`` (fresh state with EK certificates, free
port). Without swtpm the module is skipped, or fails when ``HUKSPY_REQUIRE`` names ``tpm2``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _require import swtpm as _swtpm
from _require import unavailable
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import hukspy
from hukspy import HuksError, HuksParam, Keystore
from hukspy.backend import Action
from hukspy.enums import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
)
from hukspy.keystore import _convert
from hukspy.params import HuksOptions
from hukspy.spec import KeySpec, OpKind, OpSpec

try:
    from hukspy_tpm2 import Tpm2Backend, errors, refs
    from hukspy_tpm2.testing import SwtpmInstance
    from tpm2_pytss import TSS2_Exception
    from tpm2_pytss.constants import (
        ESYS_TR,
        TPM2_ALG,
        TPM2_CAP,
        TPM2_HT,
        TPM2_RC,
        TPM2_RH,
        TPM2_ST,
        TPMA_OBJECT,
        TSS2_RC,
    )
    from tpm2_pytss.types import (
        TPM2B_DIGEST,
        TPM2B_PUBLIC,
        TPM2B_SENSITIVE_CREATE,
        TPMS_SENSITIVE_CREATE,
        TPMT_SIG_SCHEME,
        TPMT_TK_HASHCHECK,
    )
except ImportError as _exc:  # pragma: no cover - hukspy-tpm2 or tpm2-pytss not installed
    unavailable("tpm2", f"the TPM backend is not installed: {_exc}", module_level=True)

T = HuksTag
A = HuksKeyAlg
PU = HuksKeyPurpose
D = HuksKeyDigest
PD = HuksKeyPadding
M = HuksCipherMode


@pytest.fixture(scope="module")
def swtpm() -> Iterator[SwtpmInstance]:
    with _swtpm() as inst:
        yield inst


@pytest.fixture
def own_swtpm() -> Iterator[SwtpmInstance]:
    """A swtpm of the test's own (for tests that stop it or lock it out)."""
    with _swtpm() as inst:
        yield inst


@pytest.fixture
def ks(swtpm: SwtpmInstance, tmp_path: Path) -> Iterator[Keystore]:
    with Keystore(swtpm.uri, home=str(tmp_path), session_limit=32) as k:
        yield k


@contextlib.contextmanager
def boundary(be: Tpm2Backend, action: Action, kind: OpKind | None = None) -> Iterator[None]:
    """The facade's error boundary around a direct backend call: a native error becomes the
    ``HuksError`` that ``Keystore`` would raise (the backend's table, then ``NATIVE_CODES``)."""
    try:
        yield
    except HuksError:
        raise
    except Exception as exc:
        raise _convert(be.translate, exc, action, kind, action.value) from exc


def O(*params: HuksParam, data: bytes | None = None) -> HuksOptions:  # noqa: E743
    return HuksOptions(list(params), data)


def P(tag: int, value: int | bool | bytes) -> HuksParam:
    return HuksParam(tag, value)


ECC_GEN = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
    P(T.HUKS_TAG_KEY_SIZE, 256),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN | PU.HUKS_KEY_PURPOSE_VERIFY),
    P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
)
ECC_SIGN = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
    P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
)
HMAC_GEN = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC),
    P(T.HUKS_TAG_KEY_SIZE, 256),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_MAC),
    P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
)
HMAC_INIT = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_MAC),
    P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
)
AES_GEN = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
    P(T.HUKS_TAG_KEY_SIZE, 256),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_ENCRYPT | PU.HUKS_KEY_PURPOSE_DECRYPT),
    P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_CTR),
    P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
)


ED_GEN = (
    P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519),
    P(T.HUKS_TAG_KEY_SIZE, 256),
    P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN | PU.HUKS_KEY_PURPOSE_VERIFY),
)
ED_SIGN = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN))


def aes_init(purpose: int, iv: bytes) -> tuple[HuksParam, ...]:
    return (
        P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
        P(T.HUKS_TAG_PURPOSE, purpose),
        P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_CTR),
        P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
        P(T.HUKS_TAG_IV, iv),
    )


def import_secret(ks: Keystore, alias: str, gen: tuple[HuksParam, ...], secret: bytes) -> None:
    ks.import_key_item(alias, O(*gen, data=secret))


def public_key(ks: Keystore, alias: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(ks.export_key_item(alias, O()).out_data)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def sign(ks: Keystore, alias: str, msg: bytes) -> bytes:
    h = ks.init_session(alias, O(*ECC_SIGN))
    return ks.finish_session(h, O(data=msg)).out_data


def mac(key: bytes, msg: bytes) -> bytes:
    m = hmac.HMAC(key, hashes.SHA256())
    m.update(msg)
    return m.finalize()


def ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def backend_of(ks: Keystore) -> Tpm2Backend:
    be = ks._backend
    assert isinstance(be, Tpm2Backend)
    return be


# ---------------------------------------------------------------- slots


def test_50_keys_20_interleaved_sessions_on_3_slots(ks: Keystore) -> None:
    assert backend_of(ks).info.curves  # swtpm reports its curves
    ecc = [f"ecc{i}" for i in range(30)]
    for a in ecc:
        ks.generate_key_item(a, O(*ECC_GEN))
    hmac_keys = {f"hmac{i}": os.urandom(32) for i in range(10)}
    for a, k in hmac_keys.items():
        import_secret(ks, a, HMAC_GEN, k)
    aes_keys = {f"aes{i}": os.urandom(32) for i in range(10)}
    for a, k in aes_keys.items():
        import_secret(ks, a, AES_GEN, k)
    assert len(ks.list_aliases(O()).key_aliases) == 50
    pubs = {a: public_key(ks, a) for a in ecc}

    rng = random.Random(5)
    kinds = ["ecc", "hmac", "aes"]
    for _round in range(3):
        sessions: list[tuple[str, str, hukspy.HuksSessionHandle, bytes, bytes | None]] = []
        for _ in range(20):  # 20 open at once, spread over the 50 keys
            kind = rng.choice(kinds)
            if kind == "ecc":
                alias = rng.choice(ecc)
                sessions.append(("ecc", alias, ks.init_session(alias, O(*ECC_SIGN)), b"", None))
            elif kind == "hmac":
                alias = rng.choice(list(hmac_keys))
                sessions.append(("hmac", alias, ks.init_session(alias, O(*HMAC_INIT)), b"", None))
            else:
                alias = rng.choice(list(aes_keys))
                iv = os.urandom(16)
                h = ks.init_session(alias, O(*aes_init(PU.HUKS_KEY_PURPOSE_ENCRYPT, iv)))
                sessions.append(("aes", alias, h, b"", iv))
        outs: dict[int, bytearray] = {i: bytearray() for i in range(len(sessions))}
        msgs: dict[int, bytearray] = {i: bytearray() for i in range(len(sessions))}
        for _step in range(4):  # interleaved updates (sizes cross the 1 KiB TPM buffer)
            for i in rng.sample(range(len(sessions)), len(sessions)):
                piece = os.urandom(rng.choice([1, 100, 1024, 1500, 3000]))
                msgs[i] += piece
                outs[i] += ks.update_session(sessions[i][2], O(data=piece)).out_data
        for i, (kind, alias, h, _, siv) in enumerate(sessions):
            last = os.urandom(rng.randrange(0, 200))
            msgs[i] += last
            out = bytes(outs[i]) + ks.finish_session(h, O(data=last)).out_data
            msg = bytes(msgs[i])
            if kind == "ecc":
                pubs[alias].verify(out, msg, ec.ECDSA(hashes.SHA256()))
            elif kind == "hmac":
                assert out == mac(hmac_keys[alias], msg)
            else:
                assert siv is not None
                assert out == ctr(aes_keys[alias], siv, msg)
    assert backend_of(ks).tpm.loaded() <= 2  # SRK + at most two keys in swtpm's three slots


def test_slots_exhausted_only_when_nothing_can_be_evicted(ks: Keystore) -> None:
    ks.generate_key_item("s1", O(*ECC_GEN))
    sign(ks, "s1", b"warm")
    tpm = backend_of(ks).tpm
    tpl = TPM2B_PUBLIC.parse(
        "ecc256", objectAttributes=TPMA_OBJECT.DEFAULT_TPM2_TOOLS_CREATE_ATTRS | TPMA_OBJECT.NODA
    )
    held: list[ESYS_TR] = []
    with tpm.lock:  # fill every slot with objects outside the slot manager (not evictable)
        priv, pub, *_ = tpm.esapi.create(tpm.srk, None, tpl)
        with pytest.raises(HuksError) as full, boundary(backend_of(ks), Action.BEGIN):
            while True:
                held.append(tpm.with_slot(lambda: tpm.esapi.load(tpm.srk, priv, pub), uses_srk=True))
        assert full.value.code == 12000010
        assert tpm.loaded() == 0  # the manager gave its slots up before giving in
    assert held
    with pytest.raises(HuksError) as info:
        sign(ks, "s1", b"no slot left")
    assert info.value.code == 12000010
    with tpm.lock:
        for h in held:
            tpm.esapi.flush_context(h)
    pub = public_key(ks, "s1")
    pub.verify(sign(ks, "s1", b"again"), b"again", ec.ECDSA(hashes.SHA256()))


def test_stale_handles_are_flushed_at_open(swtpm: SwtpmInstance, tmp_path: Path) -> None:
    from tpm2_pytss import ESAPI, TCTILdr

    name, _, conf = swtpm.tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as e:  # a "crashed process" that leaks 3 objects
        tpl = TPM2B_PUBLIC.parse(
            "ecc256:aes128cfb", objectAttributes=TPMA_OBJECT.DEFAULT_TPM2_TOOLS_CREATEPRIMARY_ATTRS
        )
        for _ in range(2):
            e.create_primary(None, tpl)
        e.hash_sequence_start(None, TPM2_ALG.SHA256)  # a sequence: ESAPI cannot name it in another process
        _, data = e.get_capability(TPM2_CAP.HANDLES, int(TPM2_HT.TRANSIENT) << 24, 64)
        assert data.data.handles.count == 3
    with Keystore(swtpm.uri, home=str(tmp_path)) as k:
        k.generate_key_item("after-leak", O(*ECC_GEN))
        pub = public_key(k, "after-leak")
        pub.verify(sign(k, "after-leak", b"m"), b"m", ec.ECDSA(hashes.SHA256()))


# ---------------------------------------------------------------- threads


def test_4_threads_x_300_mixed_operations(ks: Keystore) -> None:
    ecc = [f"t-ecc{i}" for i in range(4)]
    for a in ecc:
        ks.generate_key_item(a, O(*ECC_GEN))
    pubs = {a: public_key(ks, a) for a in ecc}
    hk = {f"t-hmac{i}": os.urandom(32) for i in range(3)}
    for a, k in hk.items():
        import_secret(ks, a, HMAC_GEN, k)
    ak = {f"t-aes{i}": os.urandom(32) for i in range(3)}
    for a, k in ak.items():
        import_secret(ks, a, AES_GEN, k)
    failures: list[BaseException] = []
    done = [0] * 4

    def worker(n: int) -> None:
        rng = random.Random(n)
        try:
            for _ in range(300):
                kind = rng.randrange(4)
                msg = os.urandom(rng.choice([16, 700, 2500]))
                if kind == 0:
                    a = rng.choice(ecc)
                    pubs[a].verify(sign(ks, a, msg), msg, ec.ECDSA(hashes.SHA256()))
                elif kind == 1:
                    a = rng.choice(list(hk))
                    h = ks.init_session(a, O(*HMAC_INIT))
                    assert ks.finish_session(h, O(data=msg)).out_data == mac(hk[a], msg)
                elif kind == 2:
                    a = rng.choice(list(ak))
                    iv = os.urandom(16)
                    h = ks.init_session(a, O(*aes_init(PU.HUKS_KEY_PURPOSE_ENCRYPT, iv)))
                    ct = ks.update_session(h, O(data=msg[:100])).out_data
                    ct += ks.finish_session(h, O(data=msg[100:])).out_data
                    assert ct == ctr(ak[a], iv, msg)
                    h = ks.init_session(a, O(*aes_init(PU.HUKS_KEY_PURPOSE_DECRYPT, iv)))
                    assert ks.finish_session(h, O(data=ct)).out_data == msg
                else:
                    assert ks.has_key_item(rng.choice(ecc), O())
                done[n] += 1
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:3]
    assert done == [300] * 4
    assert sorted(ks.list_aliases(O()).key_aliases) == sorted([*ecc, *hk, *ak])


# ---------------------------------------------------------------- faults


def test_swtpm_stopped_mid_run_then_restarted_loses_no_key(own_swtpm: SwtpmInstance, tmp_path: Path) -> None:
    with Keystore(own_swtpm.uri, home=str(tmp_path)) as k:
        aliases = [f"r{i}" for i in range(6)]
        for a in aliases:
            k.generate_key_item(a, O(*ECC_GEN))
        hkey = os.urandom(32)
        import_secret(k, "r-hmac", HMAC_GEN, hkey)
        pubs = {a: public_key(k, a) for a in aliases}
        with Keystore(own_swtpm.uri + "?fallback=sealed", home=str(tmp_path)) as sk:
            sk.generate_key_item("r-ed", O(*ED_GEN))
            ed_pub = sk.export_key_item("r-ed", O()).out_data
        h = k.init_session("r-hmac", O(*HMAC_INIT))
        k.update_session(h, O(data=b"x" * 3000))  # a sequence is live in the TPM

        own_swtpm.stop()
        with pytest.raises(HuksError) as info:
            sign(k, aliases[0], b"down")
        assert info.value.code == 12000005
        with pytest.raises(HuksError) as info:
            k.finish_session(h, O(data=b"y"))
        assert info.value.code == 12000005
        with pytest.raises(HuksError) as info:
            k.generate_key_item("while-down", O(*ECC_GEN))
        assert info.value.code == 12000005

        own_swtpm.start()
        for a in aliases:  # the same Keystore object works again; every key is intact
            pubs[a].verify(sign(k, a, b"up"), b"up", ec.ECDSA(hashes.SHA256()))
        h = k.init_session("r-hmac", O(*HMAC_INIT))
        assert k.finish_session(h, O(data=b"z" * 2000)).out_data == mac(hkey, b"z" * 2000)
        assert not k.has_key_item("while-down", O())
        with Keystore(own_swtpm.uri + "?fallback=sealed", home=str(tmp_path)) as sk:  # sealed keys too
            h = sk.init_session("r-ed", O(*ED_SIGN))
            sig = sk.finish_session(h, O(data=b"sealed")).out_data
            ed25519.Ed25519PublicKey.from_public_bytes(ed_pub).verify(sig, b"sealed")
        k.generate_key_item("after", O(*ECC_GEN))
        public_key(k, "after").verify(sign(k, "after", b"a"), b"a", ec.ECDSA(hashes.SHA256()))


def test_opening_an_unreachable_tpm_is_12000005(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(HuksError) as info:
        Keystore(f"tpm2:swtpm:host=127.0.0.1,port={port}", home=str(tmp_path))
    assert info.value.code == 12000005


def test_tampered_and_foreign_blobs_are_12000004(ks: Keystore, tmp_path: Path) -> None:
    ks.generate_key_item("victim", O(*ECC_GEN))
    store = backend_of(ks).records()
    rec = store.get(1, "victim")
    assert rec is not None
    r = refs.unpack(rec.ref)
    priv = bytearray(r.priv)
    priv[len(priv) // 2] ^= 0x01
    bad = refs.pack(refs.TPM_KEY, r.pub, bytes(priv))
    store.put(type(rec)("tampered", rec.level, rec.params, bad), replace=True)
    with pytest.raises(HuksError) as info:
        sign(ks, "tampered", b"m")
    assert info.value.code == 12000004

    with _swtpm() as other, Keystore(other.uri, home=str(tmp_path / "other")) as k2:
        k2.generate_key_item("foreign", O(*ECC_GEN))
        frec = backend_of(k2).records().get(1, "foreign")
        assert frec is not None
    store.put(type(rec)("foreign", rec.level, rec.params, frec.ref), replace=True)
    with pytest.raises(HuksError) as info:
        sign(ks, "foreign", b"m")
    assert info.value.code == 12000004
    public_key(ks, "victim").verify(sign(ks, "victim", b"ok"), b"ok", ec.ECDSA(hashes.SHA256()))


def _auth_key(be: Tpm2Backend, da: bool) -> tuple[object, object]:
    """A key with a password, outside HUKS (HUKS keys carry no TPM auth), to provoke auth failures."""
    attrs = (
        TPMA_OBJECT.FIXEDTPM
        | TPMA_OBJECT.FIXEDPARENT
        | TPMA_OBJECT.SENSITIVEDATAORIGIN
        | TPMA_OBJECT.USERWITHAUTH
        | TPMA_OBJECT.SIGN_ENCRYPT
    )
    if not da:
        attrs |= TPMA_OBJECT.NODA
    sens = TPM2B_SENSITIVE_CREATE(TPMS_SENSITIVE_CREATE(userAuth=b"right"))
    tpl = TPM2B_PUBLIC.parse("ecc256:ecdsa-sha256", objectAttributes=attrs)
    return be.tpm.run(lambda t: t.esapi.create(t.srk, sens, tpl)[:2])  # type: ignore[no-any-return]


def _sign_with_password(be: Tpm2Backend, priv: object, pub: object, pw: bytes) -> None:
    def go(tpm: object) -> None:
        t = be.tpm
        h = t.with_slot(lambda: t.esapi.load(t.srk, priv, pub), uses_srk=True)
        try:
            t.esapi.tr_set_auth(h, pw)
            tk = TPMT_TK_HASHCHECK(tag=TPM2_ST.HASHCHECK, hierarchy=TPM2_RH.NULL)
            t.esapi.sign(h, TPM2B_DIGEST(b"\0" * 32), TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL), tk)
        finally:
            t.esapi.flush_context(h)

    be.tpm.run(go)


def test_wrong_auth_and_lockout_map_to_12000008(own_swtpm: SwtpmInstance, tmp_path: Path) -> None:
    from hukspy_tpm2.testing import set_dictionary_attack

    # swtpm's own defaults (swtpm_instance relaxes them for the PIN tests, docs/userauth.md)
    set_dictionary_attack(own_swtpm.tcti, max_tries=3, recovery_s=1000, lockout_recovery_s=1000)
    with Keystore(own_swtpm.uri, home=str(tmp_path)) as k:
        be = backend_of(k)
        priv, pub = _auth_key(be, da=False)
        with pytest.raises(TSS2_Exception) as raw:
            _sign_with_password(be, priv, pub, b"wrong")
        assert errors.decode_rc(int(raw.value.rc)) == ("tpm", 0x0A2)  # BAD_AUTH (NODA)
        mapped = _convert(be.translate, raw.value, Action.FINISH, OpKind.SIGN, "finish")
        assert mapped is not None and mapped.code == 12000008

        dpriv, dpub = _auth_key(be, da=True)
        seen = []
        for _ in range(4):  # MAX_AUTH_FAIL is 3 on swtpm
            with pytest.raises(TSS2_Exception) as raw:
                _sign_with_password(be, dpriv, dpub, b"wrong")
            seen.append(errors.decode_rc(int(raw.value.rc))[1])
        assert seen[0] == 0x08E and seen[-1] == 0x921  # AUTH_FAIL, then LOCKOUT
        with pytest.raises(TSS2_Exception) as raw:  # locked out even with the right password
            _sign_with_password(be, dpriv, dpub, b"right")
        mapped = _convert(be.translate, raw.value, Action.FINISH, OpKind.SIGN, "finish")
        assert mapped is not None and mapped.code == 12000008
        assert f"retry in {be.info.lockout_recovery_s} s" in str(mapped)
        assert mapped.retry_after_s == be.info.lockout_recovery_s
        assert be.info.lockout_recovery_s > 0
        k.generate_key_item("noda", O(*ECC_GEN))  # HUKS keys are NODA: unaffected by the lockout
        public_key(k, "noda").verify(sign(k, "noda", b"m"), b"m", ec.ECDSA(hashes.SHA256()))
        be.tpm.run(lambda t: t.esapi.dictionary_attack_lock_reset(ESYS_TR.LOCKOUT))


def test_unsupported_names_the_fallback_flag(ks: Keystore) -> None:
    be = backend_of(ks)
    for alg, size in ((A.HUKS_ALG_ED25519, 256), (A.HUKS_ALG_RSA, 4096), (A.HUKS_ALG_AES, 192)):
        assert ks.capabilities().key(alg, size) is None
        with pytest.raises(HuksError) as info, boundary(be, Action.GENERATE):
            be.generate(KeySpec(alg, size, PU.HUKS_KEY_PURPOSE_SIGN))
        assert info.value.code == 12000001 and "fallback=sealed" in str(info.value)
    ks.generate_key_item("gcm?", O(*AES_GEN))
    with pytest.raises(HuksError) as info, boundary(be, Action.BEGIN, OpKind.ENCRYPT):
        be.begin(
            backend_of(ks).records().get(1, "gcm?").ref,  # type: ignore[union-attr]
            KeySpec(A.HUKS_ALG_AES, 256, 3),
            OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_GCM),
        )
    assert info.value.code == 12000001 and "fallback=sealed" in str(info.value)
    # The facade refuses undeclared requests before they reach the backend, and names the flag too.
    with pytest.raises(HuksError) as info:
        ks.generate_key_item(
            "ed?",
            O(P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_KEY_SIZE, 256),
              P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN)),
        )
    assert info.value.code == 12000001 and "fallback=sealed" in str(info.value)
    assert ks.key_storage("gcm?", O()) == "tpm2"


# ---------------------------------------------------------------- the RC table


def _tpm_codes() -> dict[str, int]:
    names = [n for n in dir(TPM2_RC) if n.isupper() and not n.startswith("_")]
    return {n: int(getattr(TPM2_RC, n)) for n in names if n not in errors.STRUCTURAL}


def test_every_rc_base_code_is_mapped_or_deliberately_unmapped() -> None:
    missing = []
    for name, value in _tpm_codes().items():
        layer, base = errors.decode_rc(value)
        assert layer == errors.LAYER_TPM
        if base not in errors.TPM_TABLE and (layer, base) not in errors.UNMAPPED:
            missing.append(f"TPM2_RC.{name}=0x{value:x}")
    bases = {n: int(getattr(TSS2_RC, n)) for n in dir(TSS2_RC) if n.startswith("BASE_RC_")}
    for layer, table, shift in (
        (errors.LAYER_ESAPI, errors.ESAPI_TABLE, 7),
        (errors.LAYER_TCTI, errors.TCTI_TABLE, 10),
    ):
        for name, base in bases.items():
            rc = (shift << 16) | base
            assert errors.decode_rc(rc) == (layer, base)
            mapped, unmapped = base in table, (layer, base) in errors.UNMAPPED
            if mapped == unmapped:  # exactly one of the two
                missing.append(f"{layer} {name}: in the table={mapped}, in UNMAPPED={unmapped}")
    assert not missing, missing
    # the table only names codes that exist
    known = {errors.decode_rc(v)[1] for v in _tpm_codes().values()} | {0x0A1}  # RESERVED_BITS: not in pytss
    assert set(errors.TPM_TABLE) <= known, set(errors.TPM_TABLE) - known


@pytest.mark.parametrize("action", list(Action))
def test_error_table_is_complete_for_every_action(action: Action) -> None:
    """In every ``Action`` and session kind, every TSS2 code tpm2-pytss knows gets a HUKS code from the
    layer tables (a deliberately unmapped one: 12000012); the native types of ``hukspy.backend`` are
    left to ``NATIVE_CODES``; host errors go through the software engine's table; the code hukspy
    raises for a lost connection is 12000005 like a real transport failure."""
    import sqlite3

    from cryptography.exceptions import InvalidTag

    import hukspy.backend.errors as native
    from hukspy.backend import NATIVE_CODES, NativeError

    bases = {n: int(getattr(TSS2_RC, n)) for n in dir(TSS2_RC) if n.startswith("BASE_RC_")}
    esapi_tcti = [(layer << 16) | b for layer in (7, 10) for b in bases.values()]
    rcs = [*_tpm_codes().values(), *esapi_tcti]
    for rc in rcs:
        layer, base = errors.decode_rc(rc)
        for kind in (None, *OpKind):
            mapped = errors.translate(TSS2_Exception(rc), action, kind)
            assert mapped is not None and mapped.code >= 401, (hex(rc), action, kind)
            if (layer, base) in errors.UNMAPPED:
                assert errors.huks_code(rc, action, kind) is None and mapped.code == 12000012
    natives = {o for o in vars(native).values() if isinstance(o, type) and issubclass(o, NativeError)}
    for cls in natives - set(NATIVE_CODES.unmapped):
        assert errors.translate(cls("x"), action, None) is None  # not the TPM table's ...
        assert NATIVE_CODES.translate(cls("x"), action, None) is not None, cls  # ... but mapped
    hosts = (InvalidTag(), sqlite3.OperationalError("disk I/O error"), OSError(5, "EIO"), ValueError("x"))
    for host in hosts:
        assert errors.translate(host, action, None) is not None, host
    lost = errors.translate(errors.connection_lost(), action, None)
    assert lost is not None and lost.code == 12000005


@pytest.mark.parametrize(
    ("rc", "action", "kind", "code"),
    [
        (0x98E, Action.FINISH, OpKind.SIGN, 12000008),  # AUTH_FAIL on session 1
        (0x9A2, Action.FINISH, OpKind.SIGN, 12000008),  # BAD_AUTH
        (0x921, Action.BEGIN, None, 12000008),  # LOCKOUT
        (0xA000A, Action.FINISH, OpKind.SIGN, 12000005),  # TCTI IO_ERROR
        (0x70007, Action.FINISH, OpKind.SIGN, 12000012),  # ESAPI BAD_SEQUENCE
        (0x1DF, Action.BEGIN, None, 12000004),  # INTEGRITY (parameter 1)
        (0x101, Action.FINISH, OpKind.DECRYPT, 12000006),  # FAILURE in RSA_Decrypt
        (0x101, Action.FINISH, OpKind.SIGN, 12000012),  # FAILURE elsewhere
        (0x2C4, Action.GENERATE, None, 12000001),  # VALUE at key creation (RSA-4096)
        (0x2C4, Action.FINISH, OpKind.SIGN, 12000003),  # VALUE elsewhere
        (0x902, Action.BEGIN, None, 12000010),  # OBJECT_MEMORY after eviction failed
        (0x2DB, Action.FINISH, OpKind.VERIFY, 12000006),  # SIGNATURE
        (0x18B, Action.BEGIN, None, 12000011),  # HANDLE
        (0x14C, Action.GENERATE, None, 12000017),  # NV_DEFINED
    ],
)
def test_translate_examples(rc: int, action: Action, kind: OpKind | None, code: int) -> None:
    mapped = errors.translate(TSS2_Exception(rc), action, kind)
    assert mapped is not None and mapped.code == code, (hex(rc), mapped)


# ---------------------------------------------------------------- sealed fallback


def test_sealed_fallback_serves_what_the_tpm_lacks(swtpm: SwtpmInstance, tmp_path: Path) -> None:
    with Keystore(swtpm.uri + "?fallback=sealed", home=str(tmp_path)) as k:
        caps = k.capabilities()
        for pair in (
            (A.HUKS_ALG_ED25519, 256),
            (A.HUKS_ALG_X25519, 256),
            (A.HUKS_ALG_AES, 192),
            (A.HUKS_ALG_RSA, 4096),
            (A.HUKS_ALG_AES, 256),
        ):
            assert pair in caps.sealed
        assert (A.HUKS_ALG_ECC, 256) not in caps.sealed  # what the TPM has stays in the TPM
        assert caps.hint == ""
        k.generate_key_item(
            "ed",
            O(
                P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519),
                P(T.HUKS_TAG_KEY_SIZE, 256),
                P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN | PU.HUKS_KEY_PURPOSE_VERIFY),
            ),
        )
        h = k.init_session(
            "ed",
            O(P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN)),
        )
        sig = k.finish_session(h, O(data=b"msg")).out_data

        ed25519.Ed25519PublicKey.from_public_bytes(k.export_key_item("ed", O()).out_data).verify(sig, b"msg")
        assert k.key_storage("ed", O()) == "tpm2:sealed"

        key = os.urandom(32)
        gcm = (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_ENCRYPT | PU.HUKS_KEY_PURPOSE_DECRYPT),
            P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM),
            P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
        )
        k.import_key_item("gcm", O(*gcm, data=key))
        nonce = os.urandom(12)
        h = k.init_session(
            "gcm",
            O(
                P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
                P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_ENCRYPT),
                P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM),
                P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
                P(T.HUKS_TAG_NONCE, nonce),
            ),
        )
        out = k.finish_session(h, O(data=b"sealed data")).out_data
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        assert AESGCM(key).decrypt(nonce, out, None) == b"sealed data"
        rec = backend_of(k).records().get(1, "gcm")
        assert rec is not None and refs.unpack(rec.ref).kind == refs.SEALED
        assert key not in rec.ref  # the material is stored only sealed

        # a sealed ref opens on this TPM only
        with _swtpm() as other:
            be2 = Tpm2Backend(other.tcti, str(tmp_path / "other"), fallback=True)
            try:
                with pytest.raises(HuksError) as info, boundary(be2, Action.BEGIN, OpKind.ENCRYPT):
                    be2.begin(
                        rec.ref,
                        KeySpec(A.HUKS_ALG_AES, 256, 3),
                        OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_GCM, nonce=nonce),
                    )
                assert info.value.code == 12000004  # the TPM refuses the foreign blob (INTEGRITY)
            finally:
                be2.close()


def test_without_the_flag_nothing_is_sealed(ks: Keystore) -> None:
    caps = ks.capabilities()
    assert not caps.sealed
    assert caps.key(A.HUKS_ALG_X25519, 256) is None
    with pytest.raises(HuksError) as info:
        ks.generate_key_item(
            "x",
            O(
                P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_X25519),
                P(T.HUKS_TAG_KEY_SIZE, 256),
                P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_AGREE),
            ),
        )
    assert info.value.code == 12000001


def test_keystore_entry_point_and_uri(swtpm: SwtpmInstance, tmp_path: Path) -> None:
    assert "tpm2" in hukspy.backend.installed_backends()
    with pytest.raises(HuksError) as info:
        Keystore(swtpm.uri + "?colour=blue", home=str(tmp_path))
    assert info.value.code == 401
    with Keystore(swtpm.uri, home=str(tmp_path)) as k:
        assert k.backend_name == "tpm2"
        assert k.capabilities().security_level == "tpm"
        k.generate_key_item("p", O(*ECC_GEN))
    db = list((tmp_path / "tpm2").rglob("keys.db"))
    assert len(db) == 1


# ---------------------------------------------------------------- attestation


def _der_items(der: bytes) -> list[bytes]:
    """The contents of the OCTET STRINGs in a DER SEQUENCE (the evidence extension)."""

    def length(buf: bytes, off: int) -> tuple[int, int]:
        first = buf[off]
        if first < 0x80:
            return first, off + 1
        n = first & 0x7F
        return int.from_bytes(buf[off + 1 : off + 1 + n], "big"), off + 1 + n

    assert der[0] == 0x30
    total, off = length(der, 1)
    assert off + total == len(der)
    items = []
    while off < len(der):
        assert der[off] == 0x04
        n, off = length(der, off + 1)
        items.append(der[off : off + n])
        off += n
    return items


def test_attestation_chain_verifies_with_certify_evidence(ks: Keystore, swtpm: SwtpmInstance) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from hukspy_tpm2.attest import EK_BINDING_OID, EVIDENCE_OID
    from tpm2_pytss.constants import TPM2_GENERATED
    from tpm2_pytss.types import TPMS_ATTEST, TPMT_PUBLIC, TPMT_SIGNATURE

    assert ks.capabilities().attest
    ks.generate_key_item("attested", O(*ECC_GEN))
    challenge = os.urandom(32)
    chain = ks.attest_key_item("attested", O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains
    assert chain is not None and len(chain) == 4
    leaf, ak, ca, ek = (x509.load_pem_x509_certificate(c.encode()) for c in chain)

    # X.509: leaf <- AK <- CA (self-signed); the EK certificate chains to the manufacturer's CA
    leaf.verify_directly_issued_by(ak)
    ak.verify_directly_issued_by(ca)
    ca.verify_directly_issued_by(ca)
    issuer = x509.load_pem_x509_certificate((Path(swtpm.ca_dir) / "issuercert.pem").read_bytes())
    root = x509.load_pem_x509_certificate((Path(swtpm.ca_dir) / "swtpm-localca-rootca-cert.pem").read_bytes())
    ek.verify_directly_issued_by(issuer)
    issuer.verify_directly_issued_by(root)
    # the AK was activated against this EK
    ek_spki = ek.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    binding = ak.extensions.get_extension_for_oid(EK_BINDING_OID).value
    assert isinstance(binding, x509.UnrecognizedExtension)
    assert binding.value == hashlib.sha256(ek_spki).digest()
    # the leaf certifies the exported key
    exported = ks.export_key_item("attested", O()).out_data
    assert (
        leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == exported
    )

    # TPM2_Certify evidence: signed by the AK, challenge as extraData, names the key's public area
    ext = leaf.extensions.get_extension_for_oid(EVIDENCE_OID).value
    assert isinstance(ext, x509.UnrecognizedExtension)
    attest_b, sig_b, public_b, got_challenge = _der_items(ext.value)
    assert got_challenge == challenge
    attest, _ = TPMS_ATTEST.unmarshal(attest_b)
    assert int(attest.magic) == int(TPM2_GENERATED.VALUE)
    assert int(attest.type) == int(TPM2_ST.ATTEST_CERTIFY)
    assert bytes(attest.extraData) == challenge
    public, _ = TPMT_PUBLIC.unmarshal(public_b)
    name = int(public.nameAlg).to_bytes(2, "big") + hashlib.sha256(public_b).digest()
    assert bytes(attest.attested.certify.name) == name
    attrs = int(public.objectAttributes)
    for flag in (TPMA_OBJECT.FIXEDTPM, TPMA_OBJECT.FIXEDPARENT, TPMA_OBJECT.SENSITIVEDATAORIGIN):
        assert attrs & int(flag), flag  # created inside this TPM, cannot leave it
    sig, _ = TPMT_SIGNATURE.unmarshal(sig_b)
    der_sig = encode_dss_signature(
        int.from_bytes(bytes(sig.signature.ecdsa.signatureR), "big"),
        int.from_bytes(bytes(sig.signature.ecdsa.signatureS), "big"),
    )
    ak_key = ak.public_key()
    assert isinstance(ak_key, ec.EllipticCurvePublicKey)
    ak_key.verify(der_sig, attest_b, ec.ECDSA(hashes.SHA256()))
    from hukspy.attestation import parse_description

    desc_ext = leaf.extensions.get_extension_for_oid(hukspy.attestation.OID).value
    assert isinstance(desc_ext, x509.UnrecognizedExtension)
    desc = parse_description(desc_ext.value)
    assert desc.security_level == "tpm2" and desc.challenge == challenge and not desc.anonymous
    with pytest.raises(InvalidSignature):  # and the signature binds the challenge
        ak_key.verify(der_sig, attest_b.replace(challenge, bytes(32)), ec.ECDSA(hashes.SHA256()))

    anon = ks.anon_attest_key_item("attested", O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains
    assert anon is not None and len(anon) == 3  # no EK certificate, no EK binding
    anon_ak = x509.load_pem_x509_certificate(anon[1].encode())
    with pytest.raises(x509.ExtensionNotFound):
        anon_ak.extensions.get_extension_for_oid(EK_BINDING_OID)


def _template_ek_spki(inst: SwtpmInstance) -> bytes:
    """The EK's SubjectPublicKeyInfo as a verifier enrolling the TPM reads it (``tpm2_createek``: the
    primary key of the TCG EK template, RSA-2048), over a connection of its own."""
    from tpm2_pytss import ESAPI, TCTILdr
    from tpm2_pytss.utils import NVReadEK, create_ek_template

    name, _, conf = inst.tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as e:
        _, template = create_ek_template("EK-RSA2048", NVReadEK(e))
        ek, pub, *_ = e.create_primary(None, template, ESYS_TR.ENDORSEMENT)
        e.flush_context(ek)
        return bytes(pub.to_der())


def _ek_status(leaf: object) -> str:
    """The EkStatus a TPM attestation leaf (an ``x509.Certificate``) states, by name."""
    from cryptography import x509
    from hukspy_tpm2.attest import EK_STATUS_OID, EkStatus

    assert isinstance(leaf, x509.Certificate)
    ext = leaf.extensions.get_extension_for_oid(EK_STATUS_OID)
    assert not ext.critical and isinstance(ext.value, x509.UnrecognizedExtension)
    assert ext.value.value[:2] == b"\x0a\x01"  # DER ENUMERATED, one byte
    return EkStatus(ext.value.value[2]).name


@pytest.mark.parametrize("provision", [False, True], ids=["plain-swtpm", "swtpm_setup"])
def test_issue11_item2_attestation_on_a_tpm_without_ek_certificate(provision: bool, tmp_path: Path) -> None:
    """Issue 11 item 2: on a plain ``swtpm socket --tpm2 --flags startup-clear`` (no EK certificate,
    no persisted EK) attestation works: the AK is activated against the EK derived from the TCG
    template, the chain is [leaf, AK, CA] and the leaf says UNCERTIFIED; on a swtpm_setup TPM the chain
    ends with the EK certificate and the leaf says CERTIFIED. Anonymous chains say ANONYMOUS on both."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from hukspy_tpm2.attest import EK_BINDING_OID, EVIDENCE_OID
    from tpm2_pytss.types import TPMS_ATTEST, TPMT_SIGNATURE

    status = _ek_status
    challenge = os.urandom(24)
    with _swtpm(provision=provision) as inst:
        issuer_pem = Path(inst.ca_dir) / "issuercert.pem"
        assert issuer_pem.exists() == provision
        issuer_pem_bytes = issuer_pem.read_bytes() if provision else b""
        ek_spki = _template_ek_spki(inst)
        with Keystore(inst.uri, home=str(tmp_path)) as k:
            assert k.capabilities().attest
            k.generate_key_item("a", O(*ECC_GEN))
            opts = O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))
            pems = k.attest_key_item("a", opts).cert_chains
            anon = k.anon_attest_key_item("a", opts).cert_chains
    assert pems is not None and anon is not None
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in pems]
    assert len(chain) == (4 if provision else 3)
    leaf, ak, ca = chain[:3]
    leaf.verify_directly_issued_by(ak)
    ak.verify_directly_issued_by(ca)
    ca.verify_directly_issued_by(ca)
    binding = ak.extensions.get_extension_for_oid(EK_BINDING_OID).value
    assert isinstance(binding, x509.UnrecognizedExtension)
    assert binding.value == hashlib.sha256(ek_spki).digest()  # activated against the TPM's own EK
    assert status(leaf) == ("CERTIFIED" if provision else "UNCERTIFIED")
    if provision:
        ek = chain[3]
        spki = ek.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert spki == ek_spki
        ek.verify_directly_issued_by(x509.load_pem_x509_certificate(issuer_pem_bytes))
    ext = leaf.extensions.get_extension_for_oid(EVIDENCE_OID).value
    assert isinstance(ext, x509.UnrecognizedExtension)
    attest_b, sig_b, _public, got = _der_items(ext.value)
    attest, _ = TPMS_ATTEST.unmarshal(attest_b)
    assert got == challenge and bytes(attest.extraData) == challenge
    sig, _ = TPMT_SIGNATURE.unmarshal(sig_b)
    ak_key = ak.public_key()
    assert isinstance(ak_key, ec.EllipticCurvePublicKey)
    ak_key.verify(
        encode_dss_signature(
            int.from_bytes(bytes(sig.signature.ecdsa.signatureR), "big"),
            int.from_bytes(bytes(sig.signature.ecdsa.signatureS), "big"),
        ),
        attest_b,
        ec.ECDSA(hashes.SHA256()),
    )
    assert len(anon) == 3
    assert status(x509.load_pem_x509_certificate(anon[0].encode())) == "ANONYMOUS"


def _replace_ek_certificate(inst: SwtpmInstance, data: bytes, read_auth: bytes | None) -> None:
    """Replace the EK certificate index 0x01c00002 by one holding ``data``, read with the index's auth
    value: empty (anyone can read it), or ``read_auth``."""
    from tpm2_pytss import ESAPI, TCTILdr
    from tpm2_pytss.constants import TPMA_NV
    from tpm2_pytss.types import TPM2B_NV_PUBLIC, TPMS_NV_PUBLIC

    name, _, conf = inst.tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as e:
        e.nv_undefine_space(e.tr_from_tpmpublic(0x01C00002), auth_handle=ESYS_TR.PLATFORM)
        attrs = TPMA_NV.AUTHREAD | TPMA_NV.AUTHWRITE | TPMA_NV.NO_DA  # read with the index's auth value
        public = TPM2B_NV_PUBLIC(
            nvPublic=TPMS_NV_PUBLIC(
                nvIndex=0x01C00002, nameAlg=TPM2_ALG.SHA256, attributes=attrs, dataSize=len(data)
            )
        )
        h = e.nv_define_space(read_auth or b"", public, auth_handle=ESYS_TR.OWNER)
        e.tr_set_auth(h, read_auth or b"")
        for off in range(0, len(data), 512):  # within any TPM's MAX_NV_BUFFER_SIZE
            e.nv_write(h, data[off : off + 512], off, auth_handle=h)
        e.tr_close(h)


@pytest.mark.parametrize("fault", ["read-protected", "foreign-certificate"])
def test_issue11_item2_an_ek_certificate_that_cannot_back_the_chain(
    own_swtpm: SwtpmInstance, tmp_path: Path, fault: str
) -> None:
    """Issue 11 item 2, two real TPMs whose NV 0x01c00002 is no usable EK certificate: an index the TPM
    refuses to read without a password (on main: 12000008), and a readable certificate of another key
    (on main: appended to the chain). Both attest as UNCERTIFIED, [leaf, AK, CA], without it."""
    from cryptography import x509

    foreign = x509.load_pem_x509_certificate((Path(own_swtpm.ca_dir) / "issuercert.pem").read_bytes())
    der = foreign.public_bytes(serialization.Encoding.DER)
    _replace_ek_certificate(own_swtpm, der, b"secret" if fault == "read-protected" else None)
    with Keystore(own_swtpm.uri, home=str(tmp_path)) as k:
        k.generate_key_item("a", O(*ECC_GEN))
        pems = k.attest_key_item("a", O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, b"c" * 16))).cert_chains
    assert pems is not None and len(pems) == 3
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in pems]
    assert _ek_status(chain[0]) == "UNCERTIFIED"
    chain[0].verify_directly_issued_by(chain[1])
    assert der not in [c.public_bytes(serialization.Encoding.DER) for c in chain]


def test_imported_and_public_keys_are_not_attested(ks: Keystore) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ks.import_key_item(
        "pub-only",
        O(
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_VERIFY),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
            P(T.HUKS_TAG_IMPORT_KEY_TYPE, 0),
            data=spki,
        ),
    )
    with pytest.raises(HuksError) as info:
        ks.attest_key_item("pub-only", O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, b"c" * 16)))
    assert info.value.code == 12000001


def test_sealed_keys_are_attested_through_their_sealed_object(swtpm: SwtpmInstance, tmp_path: Path) -> None:
    """An Ed25519 key sealed to the TPM: the leaf certifies the Ed25519 public key, says "tpm2:sealed",
    and carries TPM2_Certify evidence (with the challenge) about the sealed data object."""
    from cryptography import x509
    from hukspy_tpm2.attest import EVIDENCE_OID
    from tpm2_pytss.types import TPMS_ATTEST

    from hukspy.attestation import OID, parse_description

    challenge = os.urandom(32)
    with Keystore(swtpm.uri + "?fallback=sealed", home=str(tmp_path)) as k:
        k.generate_key_item(
            "sealed-ed",
            O(P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_KEY_SIZE, 256),
              P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN | PU.HUKS_KEY_PURPOSE_VERIFY)),
        )
        assert k.key_storage("sealed-ed", O()) == "tpm2:sealed"
        pems = k.attest_key_item("sealed-ed", O(P(T.HUKS_TAG_ATTESTATION_CHALLENGE, challenge))).cert_chains
        exported = k.export_key_item("sealed-ed", O()).out_data
    assert pems is not None
    leaf = x509.load_pem_x509_certificate(pems[0].encode())
    issuer = x509.load_pem_x509_certificate(pems[1].encode())
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert leaf.public_key().public_bytes(*raw) == exported
    leaf.verify_directly_issued_by(issuer)
    desc = parse_description(leaf.extensions.get_extension_for_oid(OID).value.value)  # type: ignore[attr-defined]
    assert desc.security_level == "tpm2:sealed" and desc.challenge == challenge
    attest_b, _sig, _pub, got = _der_items(
        leaf.extensions.get_extension_for_oid(EVIDENCE_OID).value.value  # type: ignore[attr-defined]
    )
    attest, _ = TPMS_ATTEST.unmarshal(attest_b)
    assert bytes(attest.extraData) == challenge and got == challenge


def test_rsa_operations_are_declared_only_where_they_fit(ks: Keystore) -> None:
    """Every declared RSA operation names its key sizes, and each fits (OAEP-SHA512 needs 1040 bits)."""
    from hukspy.backend.facts import rsa_fits

    rsa_ops = [o for o in ks.capabilities().ops if o.key_alg == A.HUKS_ALG_RSA]
    assert rsa_ops
    for o in rsa_ops:
        assert o.sizes, o
        assert all(rsa_fits(n, o.kind, o.padding or 0, o.digest) for n in o.sizes), o
    oaep512 = [o for o in rsa_ops if o.padding == PD.HUKS_PADDING_OAEP and o.digest == D.HUKS_DIGEST_SHA512]
    assert all(1024 not in o.sizes for o in oaep512)


# ------------------------------------------------------------------------------ issue 11, item 9


def test_item9_security_level_se_is_accepted_in_the_tpm_and_refused_for_sealed_keys(
    swtpm: SwtpmInstance, tmp_path: Path
) -> None:
    """A key inside the TPM is in a secure element: SE is accepted and the key signs. A sealed key
    (Ed25519 with ``?fallback=sealed``) is host material: 12000026, nothing stored."""
    se = P(T.HUKS_TAG_KEY_SECURITY_LEVEL, 1)  # HUKS_KEY_SECURITY_LEVEL_SE
    with Keystore(swtpm.uri + "?fallback=sealed", home=str(tmp_path)) as k:
        k.generate_key_item("se-tpm", O(*ECC_GEN, se))
        assert k.key_storage("se-tpm", O()) == "tpm2"
        props = k.get_key_item_properties("se-tpm", O()).properties or []
        assert any(p.tag == T.HUKS_TAG_KEY_SECURITY_LEVEL and p.value == 1 for p in props)
        assert sign(k, "se-tpm", b"data")
        with pytest.raises(HuksError) as info:
            k.generate_key_item("se-sealed", O(*ED_GEN, se))
        assert info.value.code == 12000026 and "secure element is not available" in info.value.message
        assert not k.has_key_item("se-sealed", O())
