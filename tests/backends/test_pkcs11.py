"""The PKCS#11 backend against a real SoftHSM2 token: keys stay in the token, real faults, threads,
the error table, crash recovery of the on-token records, the URI.

Faults are produced for real: a wrong PIN, a key destroyed by another process, a read-only token
directory (``chattr +i``, which binds root too), the token directory removed under a running process.
Processes that read or damage the token directly run as subprocesses with python-pkcs11 alone.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from _require import import_for, unavailable
from test_pkcs11_fixture import pkcs11_token  # noqa: F401 - session fixture

import hukspy
from hukspy import HuksError, Keystore
from hukspy.backend import NATIVE_CODES, Action, NativeError
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.enums import HuksKeyPurpose as Pu
from hukspy.enums import HuksTag as T
from hukspy.params import HuksParam
from hukspy.testing import P, options, run_session, unique_alias

if TYPE_CHECKING:
    from hukspy_pkcs11.testing import TokenInfo

pkcs11 = import_for("pkcs11", "pkcs11")

SIGN_VERIFY = Pu.HUKS_KEY_PURPOSE_SIGN | Pu.HUKS_KEY_PURPOSE_VERIFY
ENC_DEC = Pu.HUKS_KEY_PURPOSE_ENCRYPT | Pu.HUKS_KEY_PURPOSE_DECRYPT

#: One key of every kind the token holds: (label, generate params, expected usage flags on the token).
KEYS: list[tuple[str, tuple[HuksParam, ...], dict[str, bool]]] = [
    ("aes", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_KEY_SIZE, 256),
             P(T.HUKS_TAG_PURPOSE, ENC_DEC)),
     {"ENCRYPT": True, "DECRYPT": True, "SIGN": False, "VERIFY": False, "WRAP": False, "UNWRAP": False,
      "DERIVE": False}),
    ("hmac", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_KEY_SIZE, 256),
              P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC), P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
     {"ENCRYPT": False, "DECRYPT": False, "SIGN": True, "VERIFY": True, "DERIVE": False}),
    ("ecc", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_KEY_SIZE, 256),
             P(T.HUKS_TAG_PURPOSE, SIGN_VERIFY), P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
     {"SIGN": True, "DECRYPT": False, "DERIVE": False, "UNWRAP": False}),
    ("ecdh", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_KEY_SIZE, 256),
              P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_AGREE)),
     {"SIGN": False, "DECRYPT": False, "DERIVE": True}),
    ("rsa", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA), P(T.HUKS_TAG_KEY_SIZE, 1024),
             P(T.HUKS_TAG_PURPOSE, ENC_DEC), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_PKCS1_V1_5)),
     {"SIGN": False, "DECRYPT": True, "DERIVE": False}),
    ("ed25519", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ED25519), P(T.HUKS_TAG_KEY_SIZE, 256),
                 P(T.HUKS_TAG_PURPOSE, SIGN_VERIFY)),
     {"SIGN": True, "DECRYPT": False}),
    ("3des", (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_3DES), P(T.HUKS_TAG_KEY_SIZE, 192),
              P(T.HUKS_TAG_PURPOSE, ENC_DEC)),
     {"ENCRYPT": True, "DECRYPT": True, "SIGN": False}),
]

HMAC_GEN = KEYS[1][1]
HMAC_INIT = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC),
             P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256))


@pytest.fixture
def ks(pkcs11_token: TokenInfo) -> Iterator[Keystore]:  # noqa: F811 - the imported fixture
    with Keystore(pkcs11_token.uri) as keystore:
        yield keystore


def run_on_token(token: TokenInfo, body: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``body`` in another process that opens the token with python-pkcs11 alone (as ``session``,
    logged in), with ``json``, ``pkcs11`` and ``Attribute``/``ObjectClass`` imported."""
    script = textwrap.dedent("""
        import json, os, sys
        import pkcs11
        from pkcs11 import Attribute, ObjectClass
        lib = pkcs11.lib(sys.argv[1])
        token = lib.get_token(token_label=sys.argv[2])
        session = token.open(rw=True, user_pin=sys.argv[3])
    """) + textwrap.dedent(body) + "\nsession.close()\n"
    env = {**os.environ, "SOFTHSM2_CONF": token.conf}
    proc = subprocess.run([sys.executable, "-c", script, token.module, token.label, token.pin],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def token_dir(token: TokenInfo) -> str:
    """The directory of this token's files (SoftHSM2 keeps one directory per token)."""
    proc = run_on_token(token, "print(token.serial.decode().strip())")
    serial = proc.stdout.strip()
    for d in glob.glob(os.path.join(token.directory, "tokens", "*")):
        with open(os.path.join(d, "token.object"), "rb") as f:
            if serial.encode() in f.read():
                return d
    raise AssertionError("token directory not found")


def mac(ks: Keystore, alias: str, data: bytes = b"data") -> bytes:
    return run_session(ks, alias, HMAC_INIT, [data])


# ---------------------------------------------------------------------------------------------- keys


def test_every_hukspy_key_is_sensitive_and_not_extractable(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    made = {}
    for label, params, _ in KEYS:
        alias = unique_alias(f"nx-{label}")
        ks.generate_key_item(alias, options(*params))
        made[alias] = label
    # Another process reads the token with python-pkcs11 alone.
    proc = run_on_token(pkcs11_token, """
        out = []
        names = ["CLASS", "LABEL", "ID", "SENSITIVE", "EXTRACTABLE", "ALWAYS_SENSITIVE",
                 "NEVER_EXTRACTABLE", "LOCAL", "TOKEN", "PRIVATE", "COPYABLE", "ENCRYPT", "DECRYPT", "SIGN",
                 "VERIFY", "WRAP", "UNWRAP", "DERIVE"]
        for cls in (ObjectClass.SECRET_KEY, ObjectClass.PRIVATE_KEY):
            for obj in session.get_objects({Attribute.CLASS: cls}):
                row = {}
                for n in names:
                    try:
                        v = obj[getattr(Attribute, n)]
                    except pkcs11.PKCS11Error:
                        v = None
                    row[n] = v.hex() if isinstance(v, bytes) else (int(v) if n == "CLASS" else v)
                row["VALUE_READABLE"] = False
                for secret in (Attribute.VALUE, Attribute.PRIVATE_EXPONENT):  # RSA: the private exponent
                    try:
                        obj[secret]
                        row["VALUE_READABLE"] = True
                    except (pkcs11.exceptions.AttributeSensitive, pkcs11.exceptions.AttributeTypeInvalid):
                        pass
                out.append(row)
        print(json.dumps(out))
    """)
    rows = [r for r in json.loads(proc.stdout) if r["LABEL"] in made]
    assert {r["LABEL"] for r in rows} == set(made)  # every secret/private key found, labelled by alias
    usage = {label: flags for label, _, flags in KEYS}
    for r in rows:
        assert r["TOKEN"] is True and r["PRIVATE"] is True
        assert r["SENSITIVE"] is True and r["EXTRACTABLE"] is False, r
        assert r["ALWAYS_SENSITIVE"] is True and r["NEVER_EXTRACTABLE"] is True and r["LOCAL"] is True, r
        assert r["COPYABLE"] in (False, None)  # False where the token knows CKA_COPYABLE
        assert r["VALUE_READABLE"] is False
        assert r["ID"].startswith(b"hks1".hex())
        for flag, expected in usage[made[r["LABEL"]]].items():
            assert r[flag] is expected, (made[r["LABEL"]], flag, r[flag])
    # And the API refuses to export them.
    for alias, label in made.items():
        if label in ("aes", "hmac", "3des"):
            with pytest.raises(HuksError) as info:
                ks.export_key_item(alias, options())
            assert info.value.code == 12000003
        else:
            assert ks.export_key_item(alias, options()).out_data  # the public half only
        ks.delete_key_item(alias, options())


def test_a_second_keystore_on_the_same_token_sees_the_same_keys_and_properties(
    ks: Keystore, pkcs11_token: TokenInfo  # noqa: F811
) -> None:
    alias = unique_alias("shared")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    with Keystore(pkcs11_token.uri) as other:
        assert other.has_key_item(alias, options())
        assert other.get_key_item_properties(alias, options()).properties == \
            ks.get_key_item_properties(alias, options()).properties
        assert mac(other, alias) == mac(ks, alias)
    # A separate process (another host, for all it knows) lists the record object on the token.
    proc = run_on_token(pkcs11_token, """
        print(json.dumps([o[Attribute.LABEL] for o in session.get_objects(
            {Attribute.CLASS: ObjectClass.DATA, Attribute.APPLICATION: "hukspy"})]))
    """)
    assert alias in json.loads(proc.stdout)
    ks.delete_key_item(alias, options())


def test_replace_keeps_one_record_and_destroys_the_old_key(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    alias = unique_alias("replace")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    first = mac(ks, alias)
    ks.generate_key_item(alias, options(*HMAC_GEN))
    assert mac(ks, alias) != first  # a new key
    proc = run_on_token(pkcs11_token, f"""
        keys = [o[Attribute.ID].hex() for o in session.get_objects({{Attribute.CLASS: ObjectClass.SECRET_KEY,
                                                                   Attribute.LABEL: {alias!r}}})]
        recs = list(session.get_objects({{Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: {alias!r}}}))
        print(json.dumps([len(keys), len(recs)]))
    """)
    assert json.loads(proc.stdout) == [1, 1]
    ks.delete_key_item(alias, options())


# -------------------------------------------------------------------------------------------- faults


def test_wrong_pin_is_12000008_in_a_fresh_process(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    uri = pkcs11_token.uri.replace(f"pin-value={pkcs11_token.pin}", "pin-value=0000")
    code = textwrap.dedent(f"""
        import hukspy
        try:
            hukspy.Keystore({uri!r})
        except hukspy.HuksError as e:
            print(e.code)
    """)
    env = {**os.environ, "SOFTHSM2_CONF": pkcs11_token.conf}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.stdout.strip() == "12000008", proc.stderr


def test_wrong_pin_is_12000008_while_this_process_is_logged_in(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    uri = pkcs11_token.uri.replace(f"pin-value={pkcs11_token.pin}", "pin-value=0000")
    with pytest.raises(HuksError) as info:
        Keystore(uri)
    assert info.value.code == 12000008
    assert ks.list_aliases(options()) is not None  # the good keystore still works


def test_pin_source_file(pkcs11_token: TokenInfo, tmp_path: object) -> None:  # noqa: F811
    pin_file = os.path.join(str(tmp_path), "pin")
    with open(pin_file, "w", encoding="utf-8") as f:
        f.write(pkcs11_token.pin + "\n")
    uri = pkcs11_token.uri.replace(f"pin-value={pkcs11_token.pin}", f"pin-source=file:{pin_file}")
    assert "pin-value" not in uri
    alias = unique_alias("pinfile")
    with Keystore(uri) as ks:
        assert pkcs11_token.pin not in repr(ks)
        ks.generate_key_item(alias, options(*HMAC_GEN))
        by_file = mac(ks, alias)
    with Keystore(pkcs11_token.uri) as ks:  # the same token, logged in with the PIN of the URI
        assert mac(ks, alias) == by_file, "the pin-source keystore did not open the token of the URI"
        ks.delete_key_item(alias, options())
    with open(pin_file, "w", encoding="utf-8") as f:
        f.write(pkcs11_token.pin + "0\n")
    with pytest.raises(HuksError) as info:
        Keystore(uri)
    assert info.value.code == 12000008, "a wrong PIN in the file is an authentication failure"


def test_key_destroyed_by_another_process_is_12000011(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    alias = unique_alias("gone")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    assert mac(ks, alias)  # its handle is cached now
    run_on_token(pkcs11_token, f"""
        found = session.get_objects({{Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: {alias!r}}})
        for o in list(found):
            o.destroy()
    """)
    with pytest.raises(HuksError) as info:
        mac(ks, alias)
    assert info.value.code == 12000011
    # The record is still there; deleting it works, then the alias is gone.
    ks.delete_key_item(alias, options())
    assert not ks.has_key_item(alias, options())


def test_record_destroyed_by_another_process_makes_the_alias_disappear(
    ks: Keystore, pkcs11_token: TokenInfo  # noqa: F811
) -> None:
    alias = unique_alias("norecord")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    run_on_token(pkcs11_token, f"""
        for o in list(session.get_objects({{Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: {alias!r}}})):
            o.destroy()
    """)
    assert not ks.has_key_item(alias, options())
    with pytest.raises(HuksError) as info:
        mac(ks, alias)
    assert info.value.code == 12000011


def _chattr(path: str, flag: str) -> None:
    subprocess.run(["chattr", "-R", flag, path], check=True, capture_output=True)


def test_read_only_token_directory(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    if shutil.which("chattr") is None:
        unavailable("pkcs11", "chattr is not installed: no read-only token directory to test with")
    alias = unique_alias("ro")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    expected = mac(ks, alias)
    directory = token_dir(pkcs11_token)
    try:
        _chattr(directory, "+i")
    except subprocess.CalledProcessError:
        unavailable("pkcs11", "this file system does not support the immutable flag (chattr +i)")
    try:
        with pytest.raises(HuksError) as info:
            ks.generate_key_item(unique_alias("ro-new"), options(*HMAC_GEN))
        assert info.value.code == 12000004
        assert mac(ks, alias) == expected  # reading and using keys still works
    finally:
        _chattr(directory, "-i")
    ks.delete_key_item(alias, options())


def test_token_directory_removed_under_a_running_process(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    from hukspy_pkcs11.testing import softhsm_token

    with softhsm_token(label="doomed") as doomed:
        code = textwrap.dedent(f"""
            import json, shutil, sys
            import hukspy
            from hukspy.testing import options, P, run_session
            from hukspy import HuksTag as T, HuksKeyAlg as A, HuksKeyPurpose as Pu, HuksKeyDigest as D
            gen = [P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_KEY_SIZE, 256),
                   P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC), P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)]
            init = [P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC),
                    P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)]
            ks = hukspy.Keystore({doomed.uri!r})
            ks.generate_key_item("k", options(*gen))
            run_session(ks, "k", init, [b"x"])
            shutil.rmtree(sys.argv[1])
            codes = {{}}
            for name, call in [("use", lambda: run_session(ks, "k", init, [b"x"])),
                               ("generate", lambda: ks.generate_key_item("k2", options(*gen))),
                               ("reopen", lambda: hukspy.Keystore({doomed.uri!r}))]:
                try:
                    call()
                    codes[name] = 0
                except hukspy.HuksError as e:
                    codes[name] = e.code
            print(json.dumps(codes))
        """)
        directory = token_dir(doomed)
        proc = subprocess.run([sys.executable, "-c", code, directory],
                              env={**os.environ, "SOFTHSM2_CONF": doomed.conf},
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr  # no crash, every failure a HuksError
        codes = json.loads(proc.stdout.strip().splitlines()[-1])
        assert codes == {"use": 12000011, "generate": 12000004, "reopen": 12000012}


# ------------------------------------------------------------------------------------------ recovery


def test_half_written_pairs_are_cleaned_at_open(ks: Keystore, pkcs11_token: TokenInfo) -> None:  # noqa: F811
    alias = unique_alias("crash")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    good = mac(ks, alias)
    # A writer that crashed: a key under the pending label of a dead process, an older duplicate record,
    # and a superseded key that still carries the alias.
    import socket

    from hukspy_pkcs11.keys import PENDING_PREFIX
    from hukspy_pkcs11.records import encode_value

    from hukspy.backend import KeyRecord
    from hukspy.params import ParamSet

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    pending = f"{PENDING_PREFIX}{socket.gethostname()}:{dead}"
    old = encode_value(0, KeyRecord(alias, 1, ParamSet.of(), b"\x01hks1oldoldoldold"))
    run_on_token(pkcs11_token, f"""
        from pkcs11 import KeyType
        for label, key_id in (({pending!r}, b"hks1pendingpend0"), ({alias!r}, b"hks1oldoldoldold")):
            session.generate_key(KeyType.AES, 128, store=True, label=label, id=key_id)
        session.create_object({{Attribute.CLASS: ObjectClass.DATA, Attribute.TOKEN: True,
                                Attribute.PRIVATE: True, Attribute.APPLICATION: "hukspy",
                                Attribute.LABEL: {alias!r}, Attribute.VALUE: {old!r}}})
    """)
    with Keystore(pkcs11_token.uri) as reopened:  # recovery runs at open
        assert mac(reopened, alias) == good
    proc = run_on_token(pkcs11_token, f"""
        secret = {{Attribute.CLASS: ObjectClass.SECRET_KEY}}
        ids = sorted(o[Attribute.ID].hex() for o in session.get_objects(secret))
        data = {{Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: {alias!r}}}
        recs = len(list(session.get_objects(data)))
        print(json.dumps([ids, recs]))
    """)
    ids, recs = json.loads(proc.stdout)
    assert b"hks1pendingpend0".hex() not in ids and b"hks1oldoldoldold".hex() not in ids
    assert recs == 1
    ks.delete_key_item(alias, options())


def test_a_newer_record_whose_key_is_gone_gives_way_to_the_previous_version(
    ks: Keystore, pkcs11_token: TokenInfo  # noqa: F811
) -> None:
    """A writer killed while SoftHSM2 rewrote the new key's object file (the relabel of a replace)
    leaves the new record pointing at a key object that is no longer readable. Recovery at open must
    keep the previous version (record and key), not destroy it as superseded: found by
    tests/test_crash.py on SoftHSM2."""
    alias = unique_alias("lostkey")
    ks.generate_key_item(alias, options(*HMAC_GEN))
    good = mac(ks, alias)
    from hukspy_pkcs11.records import encode_value

    from hukspy.backend import KeyRecord
    from hukspy.params import ParamSet

    newer = encode_value(99, KeyRecord(alias, 1, ParamSet.of(), b"\x01hks1missingkey0"))
    run_on_token(pkcs11_token, f"""
        session.create_object({{Attribute.CLASS: ObjectClass.DATA, Attribute.TOKEN: True,
                                Attribute.PRIVATE: True, Attribute.APPLICATION: "hukspy",
                                Attribute.LABEL: {alias!r}, Attribute.VALUE: {newer!r}}})
    """)
    with Keystore(pkcs11_token.uri) as reopened:  # recovery runs at open
        assert mac(reopened, alias) == good, "the acknowledged version was lost"
    proc = run_on_token(pkcs11_token, f"""
        data = {{Attribute.CLASS: ObjectClass.DATA, Attribute.LABEL: {alias!r}}}
        print(len(list(session.get_objects(data))))
    """)
    assert proc.stdout.strip() == "1", "the record without a key is still there"
    ks.delete_key_item(alias, options())


# ------------------------------------------------------------------------------------------- threads


def test_stress_8_threads_x_500_mixed_operations(ks: Keystore) -> None:
    """8 threads x 500 operations on one token: no crash, no lost key, every error a HuksError."""
    ec_gen = KEYS[2][1]
    ec_init = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN),
               P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256))
    aes_gen = KEYS[0][1]
    nonce = bytes(12)
    gcm_enc = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT),
               P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_NONE),
               P(T.HUKS_TAG_NONCE, nonce))
    shared = {"mac": unique_alias("st-mac"), "ec": unique_alias("st-ec"), "aes": unique_alias("st-aes")}
    ks.generate_key_item(shared["mac"], options(*HMAC_GEN))
    ks.generate_key_item(shared["ec"], options(*ec_gen))
    ks.generate_key_item(shared["aes"], options(*aes_gen))
    expected_mac = mac(ks, shared["mac"], b"stress")
    huks_errors: list[str] = []
    other_errors: list[str] = []
    lost: list[str] = []

    def worker(n: int) -> None:
        mine: list[str] = []
        for i in range(500):
            op = i % 10
            try:
                if op in (0, 1, 2):
                    if mac(ks, shared["mac"], b"stress") != expected_mac:
                        lost.append(f"thread {n}: the shared MAC key changed")
                elif op in (3, 4):
                    assert run_session(ks, shared["ec"], ec_init, [b"m" * 100])
                elif op in (5, 6):
                    ct = run_session(ks, shared["aes"], gcm_enc, [b"p" * 1024])
                    dec = (gcm_enc[0], P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_DECRYPT), *gcm_enc[2:],
                           P(T.HUKS_TAG_AE_TAG, ct[-16:]))
                    if run_session(ks, shared["aes"], dec, [ct[:-16]]) != b"p" * 1024:
                        lost.append(f"thread {n}: AES-GCM round trip failed")
                elif op == 7:
                    alias = unique_alias(f"st{n}")
                    ks.generate_key_item(alias, options(*HMAC_GEN))
                    mine.append(alias)
                elif op == 8:
                    if mine:
                        alias = mine.pop(0)
                        assert mac(ks, alias)
                        ks.delete_key_item(alias, options())
                else:
                    aliases = set(ks.list_aliases(options()).key_aliases)
                    missing = [a for a in (*shared.values(), *mine) if a not in aliases]
                    if missing:
                        lost.append(f"thread {n}: lost {missing}")
            except HuksError as exc:
                huks_errors.append(f"thread {n} op {op}: {exc.code} {exc}")
            except Exception as exc:
                other_errors.append(f"thread {n} op {op}: {type(exc).__name__}: {exc}")
        for alias in mine:
            ks.delete_key_item(alias, options())

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not other_errors, other_errors[:5]
    assert not lost, lost[:5]
    assert not huks_errors, huks_errors[:5]
    for alias in shared.values():
        assert ks.has_key_item(alias, options())
        ks.delete_key_item(alias, options())
    assert not [a for a in ks.list_aliases(options()).key_aliases if a.startswith("st")]


# ------------------------------------------------------------------------------------------- errors


def test_every_python_pkcs11_exception_is_mapped_or_deliberately_unmapped() -> None:
    from hukspy_pkcs11 import errors

    classes = {obj for obj in vars(pkcs11.exceptions).values()
               if isinstance(obj, type) and issubclass(obj, pkcs11.exceptions.PKCS11Error)}
    tables = [set(errors.CKR_OF_CLASS), set(errors.HUKS_OF_CLASS), set(errors.UNMAPPED)]
    for cls in classes:
        assert sum(cls in t for t in tables) == 1, f"{cls.__name__} must be in exactly one table"
    assert set().union(*tables) == classes  # and no table names a class python-pkcs11 does not have
    assert all(reason for reason in errors.UNMAPPED.values())
    for cls, ckr in errors.CKR_OF_CLASS.items():
        code = errors.huks_code(cls(), Action.FINISH, None)
        assert code is not None and (code == errors.HUKS_OF_CKR.get(ckr, 12000012)), cls


@pytest.mark.parametrize("action", list(Action))
def test_error_table_is_complete_for_every_action(action: Action) -> None:
    """Every python-pkcs11 class and every native error type this backend raises gets a HUKS code in
    every ``Action`` (from this backend's table, or ``NATIVE_CODES`` for the native types), or is
    listed as deliberately unmapped; the catch-all CKR codes are refined by call and agree with
    ``HUKS_OF_CKR`` where no refinement applies."""
    from hukspy_pkcs11 import errors

    import hukspy.backend.errors as native
    from hukspy.spec import OpKind

    classes = {obj for obj in vars(pkcs11.exceptions).values()
               if isinstance(obj, type) and issubclass(obj, pkcs11.exceptions.PKCS11Error)}
    for cls in classes - set(errors.UNMAPPED):
        for kind in (None, *OpKind):
            mapped = errors.translate(cls(), action, kind)
            assert mapped is not None and mapped.code >= 401, (cls, action, kind)
    natives = {obj for obj in vars(native).values() if isinstance(obj, type) and issubclass(obj, NativeError)}
    for cls in natives - set(NATIVE_CODES.unmapped):
        assert errors.translate(cls("x"), action, None) is None  # not the CKR table's ...
        assert NATIVE_CODES.translate(cls("x"), action, None) is not None, cls  # ... but mapped
    for ckr, refined in errors.BY_CALL.items():
        assert refined.default == errors.HUKS_OF_CKR[ckr]


@pytest.mark.parametrize(("exc", "action", "kind", "code"), [
    ("SessionCount", Action.BEGIN, None, 12000010),
    ("PinIncorrect", Action.OPEN, None, 12000008),
    ("PinLocked", Action.OPEN, None, 12000007),
    ("DeviceMemory", Action.GENERATE, None, 12000014),
    ("HostMemory", Action.FINISH, None, 12000014),
    ("MechanismInvalid", Action.BEGIN, None, 12000001),
    ("DeviceRemoved", Action.FINISH, None, 12000012),
    ("TokenNotPresent", Action.RECORD_GET, None, 12000012),
    ("NoSuchToken", Action.OPEN, None, 12000012),
    ("NoSuchKey", Action.BEGIN, None, 12000011),
    ("ObjectHandleInvalid", Action.FINISH, None, 12000011),
    ("AttributeSensitive", Action.PUBLIC_KEY, None, 12000003),
    ("KeySizeRange", Action.GENERATE, None, 12000003),
    ("TemplateIncomplete", Action.IMPORT, None, 12000002),
    ("TokenWriteProtected", Action.RECORD_PUT, None, 12000004),
    ("SignatureInvalid", Action.FINISH, "VERIFY", 12000006),
    ("EncryptedDataInvalid", Action.FINISH, "DECRYPT", 12000006),
    ("GeneralError", Action.FINISH, "DECRYPT", 12000006),
    ("GeneralError", Action.FINISH, "AGREE", 12000006),
    ("GeneralError", Action.FINISH, "SIGN", 12000012),
    ("GeneralError", Action.GENERATE, None, 12000004),
    ("FunctionFailed", Action.BEGIN, None, 12000012),
    ("PinExpired", Action.OPEN, None, 12000009),
])
def test_error_table_rows(exc: str, action: Action, kind: str | None, code: int) -> None:
    from hukspy_pkcs11 import errors

    from hukspy.spec import OpKind

    op_kind = OpKind[kind] if kind else None
    mapped = errors.translate(getattr(pkcs11.exceptions, exc)(), action, op_kind)
    assert mapped is not None and mapped.code == code


@pytest.mark.parametrize(("message", "code"), [
    ("Unmapped error code 0x68", 12000003),  # KEY_FUNCTION_NOT_PERMITTED, seen on SoftHSM2
    ("Unmapped error code 0x1b", 12000003),  # ACTION_PROHIBITED
    ("Unmapped error code 0x201", 12000010),  # TOKEN_RESOURCE_EXCEEDED
    ("Unmapped error code 0x140", 12000001),  # CURVE_NOT_SUPPORTED
    ("Unmapped error code 0x80000001", 12000012),  # a vendor code
    ("Initialisation error (not initialized). Should never see this.", 12000012),
])
def test_unmapped_codes_are_parsed(message: str, code: int) -> None:
    from hukspy_pkcs11 import errors

    mapped = errors.translate(pkcs11.exceptions.PKCS11Error(message), Action.FINISH, None)
    assert mapped is not None and mapped.code == code


def test_a_real_token_error_goes_through_the_table(ks: Keystore) -> None:
    """A real CKR from SoftHSM2: an RSA key whose token object only decrypts cannot be used to sign."""
    from hukspy_pkcs11 import errors

    assert errors.translate(ValueError("not mine"), Action.FINISH, None) is None
    alias = unique_alias("tamper")
    ks.generate_key_item(alias, options(*KEYS[0][1]))
    enc = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT),
           P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_NONE),
           P(T.HUKS_TAG_NONCE, bytes(12)))
    ct = run_session(ks, alias, enc, [b"secret"])
    dec = (*enc[:1], P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_DECRYPT), *enc[2:],
           P(T.HUKS_TAG_AE_TAG, bytes(16)))  # a wrong tag: SoftHSM2 says CKR_GENERAL_ERROR
    with pytest.raises(HuksError) as info:
        run_session(ks, alias, dec, [ct[:-16]])
    assert info.value.code == 12000006
    ks.delete_key_item(alias, options())


# ---------------------------------------------------------------------------------------------- URI


@pytest.mark.parametrize(("location", "code"), [
    ("token=x?module-path=/nonexistent/lib.so&pin-value=1", 12000012),
    ("token=x?pin-value=1&bogus=2&module-path=/x.so", 401),
    ("token=x;token=y?module-path=/x.so", 401),
    ("token=x?module-path=/x.so&pin-value=1&pin-source=file:/x", 401),
    ("token=x?module-path=/x.so&pin-source=file:/nonexistent/pin", 12000004),
    ("token=x?module-path=/x.so&fallback=maybe", 401),
    ("slot-id=abc?module-path=/x.so", 401),
])
def test_bad_uris(location: str, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUKSPY_PKCS11_MODULE", raising=False)
    with pytest.raises(HuksError) as info:
        hukspy.Keystore("pkcs11:" + location)
    assert info.value.code == code


def test_unknown_token_is_12000012(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    uri = pkcs11_token.uri.replace(f"token={pkcs11_token.label}", "token=no-such-token")
    with pytest.raises(HuksError) as info:
        Keystore(uri)
    assert info.value.code == 12000012


def test_uri_repr_hides_the_pin(pkcs11_token: TokenInfo) -> None:  # noqa: F811
    from hukspy_pkcs11.token import parse_uri

    parsed = parse_uri(pkcs11_token.uri.partition(":")[2])
    assert parsed.pin == pkcs11_token.pin
    assert pkcs11_token.pin not in repr(parsed)
    with Keystore(pkcs11_token.uri) as ks:
        assert pkcs11_token.pin not in repr(ks)


# ------------------------------------------------------------------------------------- provisioning


def test_make_token_script_provisions_a_token_a_fresh_process_can_use(tmp_path: object) -> None:
    script = os.path.join(os.path.dirname(__file__), "..", "..", "softhsm", "make-token.sh")
    directory = os.path.join(str(tmp_path), "tok")
    made = subprocess.run(["sh", script, directory, "scripted", "4321", "8765"], capture_output=True,
                          text=True, timeout=120, check=False)
    if made.returncode == 3:  # make-token.sh: SoftHSM2 is not installed
        unavailable("pkcs11", made.stderr.strip())
    assert made.returncode == 0, made.stderr
    uri = made.stdout.strip()
    assert uri.startswith("pkcs11:token=scripted?module-path=") and uri.endswith("&pin-value=4321")
    code = textwrap.dedent(f"""
        import hukspy
        from hukspy.testing import options, P
        from hukspy import HuksTag as T, HuksKeyAlg as A, HuksKeyPurpose as Pu
        with hukspy.Keystore({uri!r}) as ks:
            ks.generate_key_item("k", options(P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
                                              P(T.HUKS_TAG_KEY_SIZE, 128),
                                              P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT)))
            print(ks.list_aliases(options()).key_aliases)
    """)
    env = {**os.environ, "SOFTHSM2_CONF": os.path.join(directory, "softhsm2.conf")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['k']"


# ------------------------------------------------------------------------------ issue 11, item 9

_SE = P(T.HUKS_TAG_KEY_SECURITY_LEVEL, 1)  # HUKS_KEY_SECURITY_LEVEL_SE


def test_item9_security_level_se_is_accepted_on_the_token_and_refused_for_sealed_keys(
    pkcs11_token: TokenInfo,  # noqa: F811
) -> None:
    """A key on the token is in a secure element: SE is accepted, stored in its properties, the key works.
    A sealed key (``?fallback=sealed``: host material) cannot be: 12000026, nothing stored; the same key
    without SE is still made sealed."""
    with Keystore(pkcs11_token.uri + "&fallback=sealed") as ks:
        alias = unique_alias("se-token")
        ks.generate_key_item(alias, options(*HMAC_GEN, _SE))
        assert ks.key_storage(alias, options()) == "pkcs11"
        props = ks.get_key_item_properties(alias, options()).properties or []
        assert any(p.tag == T.HUKS_TAG_KEY_SECURITY_LEVEL and p.value == 1 for p in props)
        assert len(mac(ks, alias)) == 32
        ks.delete_key_item(alias, options())

        x25519 = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_X25519), P(T.HUKS_TAG_KEY_SIZE, 256),
                  P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_AGREE))
        derive = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_KEY_SIZE, 256),
                  P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_DERIVE),
                  P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256))
        for params in (x25519, derive):
            alias = unique_alias("se-sealed")
            with pytest.raises(HuksError) as info:
                ks.generate_key_item(alias, options(*params, _SE))
            assert info.value.code == 12000026, info.value
            assert "secure element is not available" in info.value.message
            assert not ks.has_key_item(alias, options())
            ks.generate_key_item(alias, options(*params))
            assert ks.key_storage(alias, options()) == "pkcs11:sealed"
            ks.delete_key_item(alias, options())


# ------------------------------------------------------------------------------ issue 11, item 11

#: A PIN that no output could contain by chance (the session token's "1234" could).
_ENV_PIN = "Pin-" + secrets.token_hex(12)


def test_item11_the_pin_from_hukspy_pin_opens_the_token_and_is_never_printed(
    pkcs11_token: TokenInfo, tmp_path: object,  # noqa: F811
) -> None:
    """``hukspy --keystore 'pkcs11:...'`` with no PIN in the URI reads ``$HUKSPY_PIN``: the command line
    carries no PIN, the token opens, keys are made and used. No output (text, ``--json``, errors, a wrong
    PIN) contains the PIN, and ``--help`` says to use ``$HUKSPY_PIN`` or ``pin-source=file:``."""
    from hukspy_pkcs11.testing import make_uri, softhsm_token

    with softhsm_token(label="hukspy-pin-env", pin=_ENV_PIN) as token:  # visible to other processes
        uri = make_uri(token.label, token.module, token.pin).replace(f"&pin-value={token.pin}", "")
    assert "pin" not in uri.partition("?")[2]

    def hukspy_cli(*args: str, pin: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SOFTHSM2_CONF": pkcs11_token.conf, "HUKSPY_PIN": pin}
        argv = [sys.executable, "-m", "hukspy", "--keystore", uri, *args]
        assert not any(pin in a for a in argv)  # what /proc/<pid>/cmdline shows
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)

    out: list[str] = []
    for args in (["generate", "pinenv", "--alg", "hmac", "--size", "256", "--purpose", "mac",
                  "--digest", "sha256"], ["list"], ["--json", "info", "pinenv"], ["info", "pinenv"]):
        proc = hukspy_cli(*args, pin=_ENV_PIN)
        assert proc.returncode == 0, proc.stderr
        out += [proc.stdout, proc.stderr]
    assert "pinenv" in out[2]
    mac_proc = subprocess.run(
        [sys.executable, "-m", "hukspy", "--keystore", uri, "mac", "pinenv", "-o", f"{tmp_path}/m"],
        input="data", env={**os.environ, "SOFTHSM2_CONF": pkcs11_token.conf, "HUKSPY_PIN": _ENV_PIN},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert mac_proc.returncode == 0, mac_proc.stderr
    assert os.path.getsize(f"{tmp_path}/m") == 32
    wrong = "Wrong-" + secrets.token_hex(12)
    bad = hukspy_cli("list", pin=wrong)
    assert bad.returncode == 1 and "error 12000008" in bad.stderr
    out += [bad.stdout, bad.stderr, hukspy_cli("--json", "list", pin=wrong).stdout]
    for text in out:
        assert _ENV_PIN not in text and wrong not in text
    assert hukspy_cli("delete", "pinenv", pin=_ENV_PIN).returncode == 0

    help_text = subprocess.run([sys.executable, "-m", "hukspy", "--help"], capture_output=True, text=True,
                               timeout=60, check=True).stdout
    assert "$HUKSPY_PIN" in help_text and "pin-source=file:" in help_text
