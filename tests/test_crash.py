"""A real crash test: a writer process is killed with SIGKILL at random moments while it generates,
imports and deletes keys; after every kill the store must be consistent.

issue 2, item 7: "A process killed in the middle of generate/import/delete leaves the store
consistent: every alias is either fully there or absent", and a record that was written before the
kill never reads back as damaged (12000004).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hukspy import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksError,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksOptions,
    HuksParam,
    HuksTag,
    Keystore,
)

KILLS: Final = int(os.environ.get("HUKSPY_CRASH_KILLS", "20"))
N_ALIASES: Final = 24

# The writer: opens the keystore, says "ready", then changes keys as fast as it can. It logs every
# import (alias and key bytes) *before* the call, so the parent knows which bytes an alias may hold.
CHILD: Final = textwrap.dedent(
    """
    import os, random, sys
    from hukspy import HuksOptions, HuksParam, HuksTag as T, Keystore

    uri, seed, log_path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rng = random.Random(seed)
    log = open(log_path, "a", buffering=1)
    ks = Keystore(uri)
    print("ready", flush=True)
    AES, ECC, HMAC = 20, 2, 50
    ENC_DEC, SIGN_VERIFY, MAC = 3, 12, 128
    while True:
        alias = f"crash-{rng.randrange(n)}"
        level = rng.choice((0, 1, 1, 2))
        lv = HuksParam(T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
        roll = rng.random()
        try:
            if roll < 0.3:
                key = os.urandom(32)
                log.write(f"{alias} {level} {key.hex()}\\n")
                ks.import_key_item(alias, HuksOptions([
                    HuksParam(T.HUKS_TAG_ALGORITHM, AES), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                    HuksParam(T.HUKS_TAG_PURPOSE, ENC_DEC), lv], key))
            elif roll < 0.45:
                key = os.urandom(32)
                log.write(f"{alias} {level} {key.hex()}\\n")
                ks.import_key_item(alias, HuksOptions([
                    HuksParam(T.HUKS_TAG_ALGORITHM, HMAC), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                    HuksParam(T.HUKS_TAG_PURPOSE, MAC), HuksParam(T.HUKS_TAG_DIGEST, 12), lv], key))
            elif roll < 0.65:
                ks.generate_key_item(alias, HuksOptions([
                    HuksParam(T.HUKS_TAG_ALGORITHM, ECC), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                    HuksParam(T.HUKS_TAG_PURPOSE, SIGN_VERIFY), lv]))
            elif roll < 0.75:
                ks.generate_key_item(alias, HuksOptions([
                    HuksParam(T.HUKS_TAG_ALGORITHM, AES), HuksParam(T.HUKS_TAG_KEY_SIZE, 128),
                    HuksParam(T.HUKS_TAG_PURPOSE, ENC_DEC), lv]))
            elif ks.has_key_item(alias, HuksOptions([lv])):
                ks.delete_key_item(alias, HuksOptions([lv]))
        except Exception as exc:
            print(f"error {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            sys.exit(3)
    """
)

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_LEVELS: Final = tuple(int(lv) for lv in HuksAuthStorageLevel)


def _p(tag: int, value: int | bool | bytes) -> HuksParam:
    return HuksParam(tag, value)


def _imported(log: Path) -> dict[tuple[str, int], set[bytes]]:
    """Every (alias, level) -> the key bytes the writer ever tried to import there."""
    seen: dict[tuple[str, int], set[bytes]] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and len(parts[2]) == 64:
                seen.setdefault((parts[0], int(parts[1])), set()).add(bytes.fromhex(parts[2]))
    return seen


def _use(ks: Keystore, alias: str, level: int, imported: set[bytes]) -> None:
    """The key works: its properties parse and a session runs init → finish (and, for an imported key,
    gives the result of one of the byte strings the writer imported there)."""
    lv = _p(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
    props = {p.tag: p.value for p in ks.get_key_item_properties(alias, HuksOptions([lv])).properties or []}
    alg = props[_T.HUKS_TAG_ALGORITHM]
    data = bytes(range(32))
    if alg == _A.HUKS_ALG_ECC:
        init = [
            _p(_T.HUKS_TAG_ALGORITHM, alg),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
            _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        ]
    elif alg == _A.HUKS_ALG_HMAC:
        init = [
            _p(_T.HUKS_TAG_ALGORITHM, alg),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
            _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        ]
    else:
        assert alg == _A.HUKS_ALG_AES, f"unexpected algorithm {alg!r}"
        init = [
            _p(_T.HUKS_TAG_ALGORITHM, alg),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
            _p(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
            _p(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
        ]
    h = ks.init_session(alias, HuksOptions([*init, lv])).handle
    out = ks.finish_session(h, HuksOptions(in_data=data)).out_data
    assert out, f"{alias}: empty output"
    if alg == _A.HUKS_ALG_HMAC:
        candidates = set()
        for key in imported:
            mac = hmac.HMAC(key, hashes.SHA256())
            mac.update(data)
            candidates.add(mac.finalize())
        assert out in candidates, f"{alias}: the MAC matches no key ever imported there"
    elif alg == _A.HUKS_ALG_AES and props[_T.HUKS_TAG_KEY_SIZE] == 256:
        candidates = set()
        for key in imported:
            enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - one known block
            candidates.add(enc.update(data) + enc.finalize())
        assert out in candidates, f"{alias}: the ciphertext matches no key ever imported there"


def _verify(uri: str, log: Path) -> int:
    """Reopen the store; every alias is fully usable or absent, and nothing reads as damaged."""
    imported = _imported(log)
    present = 0
    with Keystore(uri) as ks:
        for level in _LEVELS:
            lv = _p(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
            listed = set(ks.list_aliases(HuksOptions([lv])).key_aliases)
            for i in range(N_ALIASES):
                alias = f"crash-{i}"
                has = ks.has_key_item(alias, HuksOptions([lv]))
                assert has == (alias in listed), f"{alias}@{level}: has_key_item and list_aliases disagree"
                if has:
                    _use(ks, alias, level, imported.get((alias, level), set()))
                    present += 1
                else:
                    with pytest.raises(HuksError) as info:
                        ks.init_session(
                            alias,
                            HuksOptions(
                                [lv, _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), _p(_T.HUKS_TAG_PURPOSE, 1)]
                            ),
                        )
                    assert info.value.code == 12000011
            assert listed <= {f"crash-{i}" for i in range(N_ALIASES)}, f"stray aliases {listed}"
    return present


def test_writer_killed_at_random_moments_leaves_a_consistent_store(tmp_path: Path) -> None:
    uri = f"software:{tmp_path / 'keystore'}"
    log = tmp_path / "imports.log"
    rng = random.Random()
    seen_present = 0
    for round_ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, uri, str(rng.randrange(2**32)), str(log), str(N_ALIASES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            ready = child.stdout.readline().strip()
            assert ready == "ready", (
                f"round {round_}: the writer did not start: {child.stderr.read() if child.stderr else ''}"
            )
            time.sleep(rng.uniform(0.0, 0.25))  # let it get into the middle of something
            assert child.poll() is None, (
                f"round {round_}: the writer died: {child.stderr.read() if child.stderr else ''}"
            )
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            if child.stdout:
                child.stdout.close()
            if child.stderr:
                child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        try:
            seen_present += _verify(uri, log)
        except HuksError as err:
            pytest.fail(f"round {round_}: the store after a kill raised HuksError {err.code}: {err}")
    assert seen_present > 0, "the writer never got a key stored: the test exercised nothing"
