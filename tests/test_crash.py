"""A real crash test, on every backend: a writer process is killed with SIGKILL at a random moment
while it imports, overwrites, generates and deletes keys; then the store must hold exactly what the
writer was told it holds.

What is checked after every kill (docs/testing.md "The crash test"):

- **durability**: every change the writer saw return (acknowledged) is there, byte-identical: an
  imported AES or HMAC key gives the ECB block / MAC that pyca computes from the imported bytes, a
  generated ECC key exports the public key the writer exported after generating it; the newest
  acknowledged version wins;
- **atomicity**: the one change in flight when the writer died (at most one: it is single-threaded)
  left its alias either as before or as after, never absent when it was an overwrite, never damaged;
- **pre-existing keys survive overwrites**: the ``keep-*`` aliases are only ever overwritten, never
  deleted, so once there they must be there after every kill;
- ``has_key_item`` and ``list_aliases`` agree, and no alias the writer never touched appears.

The writer logs a ``begin`` line (alias, level and the bytes it is about to import) *before* each call
and a ``done`` line after it returns; the parent replays the log over its model of the store. On the
TPM backend, swtpm is killed too (SIGKILL) and restarted before the store is read back; on PKCS#11 the
next open runs the token's crash recovery. The store is read back by a fresh process (SoftHSM2 lists
tokens once per process, and a fresh process is what a real restart is).

Every run prints its seed (and every failure names it); ``HUKSPY_CRASH_SEED=<seed>`` replays the same
rounds: the same operations and kill delays (the kill lands on the same instruction only as far as
timing allows). ``HUKSPY_CRASH_KILLS`` sets the
rounds on the software backend (hardware backends run a third of them, at least 3).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KILLS: Final = int(os.environ.get("HUKSPY_CRASH_KILLS", "12"))
SEED: Final = os.environ.get("HUKSPY_CRASH_SEED")
N_ALIASES: Final = 4  # crash-0..3 (imported, generated, deleted) and keep-0..3 (only overwritten)
LEVELS: Final = (0, 1, 2)  # HuksAuthStorageLevel DE, CE, ECE
#: The longest the writer runs before it is killed, per backend (a TPM or token operation is slower).
MAX_DELAY: Final = {"software": 0.3, "pkcs11": 1.5, "tpm2": 0.8, "service": 0.5}
BLOCK: Final = bytes(range(16))  # the one AES-ECB block and the MAC input the observer computes

# The writer: the URI on stdin (it may carry a PIN: never on a command line), then it changes keys as
# fast as it can until it is killed. os.write on an O_APPEND file: each line reaches the kernel before
# the call it announces starts, and stays there when the process is killed.
WRITER: Final = textwrap.dedent(
    """
    import json, os, random, sys
    from hukspy import HuksOptions, HuksParam, HuksTag as T, Keystore

    seed, log_path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    uri = sys.stdin.readline().strip()
    rng = random.Random(seed)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    def note(**line):
        os.write(log, (json.dumps(line) + "\\n").encode())
    ks = Keystore(uri)
    print("ready", flush=True)
    AES, ECC, HMAC = 20, 2, 50
    while True:
        keep = rng.random() < 0.5
        alias = f"{'keep' if keep else 'crash'}-{rng.randrange(n)}"
        level = rng.choice((0, 1, 2))
        lv = HuksParam(T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
        roll = rng.random()
        if roll < 0.4:
            key = rng.randbytes(32)
            note(op="begin", alias=alias, level=level, state=["aes", key.hex()])
            ks.import_key_item(alias, HuksOptions([
                HuksParam(T.HUKS_TAG_ALGORITHM, AES), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                HuksParam(T.HUKS_TAG_PURPOSE, 3), lv], key))
            note(op="done")
        elif roll < 0.7:
            key = rng.randbytes(32)
            note(op="begin", alias=alias, level=level, state=["hmac", key.hex()])
            ks.import_key_item(alias, HuksOptions([
                HuksParam(T.HUKS_TAG_ALGORITHM, HMAC), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                HuksParam(T.HUKS_TAG_PURPOSE, 128), HuksParam(T.HUKS_TAG_DIGEST, 12), lv], key))
            note(op="done")
        elif roll < 0.85 or keep:
            note(op="begin", alias=alias, level=level, state=["ecc", None])
            ks.generate_key_item(alias, HuksOptions([
                HuksParam(T.HUKS_TAG_ALGORITHM, ECC), HuksParam(T.HUKS_TAG_KEY_SIZE, 256),
                HuksParam(T.HUKS_TAG_PURPOSE, 12), lv]))
            pub = ks.export_key_item(alias, HuksOptions([lv])).out_data
            note(op="done", pub=pub.hex())
        else:
            note(op="begin", alias=alias, level=level, state=None)
            if ks.has_key_item(alias, HuksOptions([lv])):
                ks.delete_key_item(alias, HuksOptions([lv]))
            note(op="done")
    """
)

# The observer: reopens the store and reports, per alias and level, what is there.
OBSERVER: Final = textwrap.dedent(
    """
    import json, sys
    from hukspy import HuksError, HuksOptions, HuksParam, HuksTag as T, Keystore

    aliases = json.loads(sys.argv[1])
    block = bytes(range(16))
    uri = sys.stdin.readline().strip()
    out = {"keys": {}, "listed": {}}
    where = "open"
    try:
        with Keystore(uri) as ks:
            for level in (0, 1, 2):
                lv = HuksParam(T.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
                out["listed"][str(level)] = ks.list_aliases(HuksOptions([lv])).key_aliases
                for alias in aliases:
                    where = f"{alias}@{level}"
                    if not ks.has_key_item(alias, HuksOptions([lv])):
                        out["keys"][f"{alias}@{level}"] = None
                        continue
                    props = ks.get_key_item_properties(alias, HuksOptions([lv])).properties or []
                    alg = {p.tag: p.value for p in props}[T.HUKS_TAG_ALGORITHM]
                    if alg == 2:
                        seen = ["ecc", ks.export_key_item(alias, HuksOptions([lv])).out_data.hex()]
                    else:
                        init = [HuksParam(T.HUKS_TAG_ALGORITHM, alg), lv]
                        if alg == 20:
                            init += [HuksParam(T.HUKS_TAG_PURPOSE, 1), HuksParam(T.HUKS_TAG_BLOCK_MODE, 1),
                                     HuksParam(T.HUKS_TAG_PADDING, 0)]
                        else:
                            init += [HuksParam(T.HUKS_TAG_PURPOSE, 128), HuksParam(T.HUKS_TAG_DIGEST, 12)]
                        h = ks.init_session(alias, HuksOptions(init)).handle
                        res = ks.finish_session(h, HuksOptions(in_data=block)).out_data
                        seen = ["aes" if alg == 20 else "hmac", res.hex()]
                    out["keys"][f"{alias}@{level}"] = seen
    except HuksError as exc:  # where, and which call (the line of this script)
        out = {"error": exc.code, "at": where, "line": exc.__traceback__.tb_lineno, "msg": str(exc)}
    print(json.dumps(out))
    """
)

State = tuple[str, str | None] | None  # ("aes"|"hmac", key hex) / ("ecc", public key hex or None) / absent


@dataclass
class Target:
    """A keystore to crash: its URI, what dies with the writer (``crash``: the keystore service, SIGKILL,
    just before the writer) and what to do after the writer is killed (restart swtpm or the service)."""

    backend: str
    uri: str
    after_kill: Callable[[], None]
    crash: Callable[[], None] = lambda: None


@contextlib.contextmanager
def _target(open_backend: Callable[..., Any], backend: str, tmp: Path) -> Iterator[Target]:
    if backend == "service":
        # A software keystore behind a real `hukspy serve` (docs/service.md): the service is killed with
        # SIGKILL in the middle of the writer's calls, then started again on the same state.
        from hukspy.testing.service import ServiceProcess

        service = ServiceProcess(f"software:{tmp / 'keys'}", tmp / "run" / "hukspy.sock", tmp / "state")
        service.start()
        try:
            yield Target(backend, service.uri, service.start, service.kill)
        finally:
            service.stop()
        return
    kwargs = {"label": "crash"} if backend == "pkcs11" else {}
    with open_backend(backend, tmp, **kwargs) as (uri, provider):
        if backend != "tpm2":
            yield Target(backend, uri, lambda: None)
            return

        def power_cut() -> None:
            """swtpm dies with the writer (SIGKILL, no orderly shutdown), then starts on its state."""
            proc = provider._proc  # the instance's swtpm process: killed the hard way, not .stop()
            if proc is not None:
                proc.kill()
                proc.wait()
            provider.stop()
            provider.start()

        yield Target(backend, uri, power_cut)


def _expected(state: State) -> str:
    if state is None:
        return "absent"
    kind, value = state
    return f"{kind} {'(any public key)' if value is None else value[:16] + '...'}"


def _matches(state: State, seen: list[str] | None) -> bool:
    """Whether what the observer saw is ``state``: pyca computes the ECB block or MAC of the bytes."""
    if state is None or seen is None:
        return state is None and seen is None
    kind, value = state
    if kind != seen[0]:
        return False
    if kind == "ecc":
        return value is None or value == seen[1]
    assert value is not None
    key = bytes.fromhex(value)
    if kind == "aes":
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - one known block
        return enc.update(BLOCK) + enc.finalize() == bytes.fromhex(seen[1])
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(BLOCK)
    return mac.finalize() == bytes.fromhex(seen[1])


def _replay(log: Path, model: dict[str, State]) -> tuple[dict[str, State], tuple[str, State] | None, int]:
    """The model after every acknowledged change in ``log``, the change in flight (if any), and the
    number of acknowledged changes."""
    model = dict(model)
    pending: tuple[str, State] | None = None
    acked = 0
    lines = log.read_text().splitlines() if log.exists() else []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # the last line, cut by the kill: its call never started
            continue
        if entry["op"] == "begin":
            st = entry["state"]
            pending = (f"{entry['alias']}@{entry['level']}", None if st is None else (st[0], st[1]))
        else:
            assert pending is not None, f"{log}: a done line without its begin"
            where, st = pending
            if st is not None and st[0] == "ecc":
                st = ("ecc", entry["pub"])
            model[where] = st
            pending = None
            acked += 1
    return model, pending, acked


def _round(target: Target, tmp: Path, aliases: list[str], model: dict[str, State], master: int, seed: int,
           round_: int) -> tuple[dict[str, State], int]:
    """One writer killed at a random moment, then the store read back and checked against the model.
    Returns the model as observed (the in-flight change resolved) and the changes acknowledged."""
    rng = random.Random(seed)
    log = tmp / f"round-{round_}.log"
    where = f"{target.backend} round {round_} (replay: HUKSPY_CRASH_SEED={master})"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(seed), str(log), str(N_ALIASES)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        child.stdin.write(target.uri + "\n")
        child.stdin.close()
        ready = child.stdout.readline().strip()
        if ready != "ready":
            child.wait(30)
            pytest.fail(f"{where}: the writer did not start: {child.stderr.read()[-2000:]}")
        time.sleep(rng.uniform(0.02, MAX_DELAY[target.backend]))
        if child.poll() is not None:
            pytest.fail(f"{where}: the writer died before the kill: {child.stderr.read()[-2000:]}")
        if target.backend == "service":
            child.send_signal(signal.SIGSTOP)  # its call in flight stays in the service, which dies now
            target.crash()
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for f in (child.stdout, child.stderr):
            if f is not None:
                f.close()
    assert child.returncode == -signal.SIGKILL, f"{where}: the writer ended with {child.returncode}"
    target.after_kill()

    after, pending, acked = _replay(log, model)
    obs = subprocess.run(
        [sys.executable, "-c", OBSERVER, json.dumps(aliases)],
        input=target.uri + "\n", capture_output=True, text=True, timeout=300, check=False,
    )
    assert obs.returncode == 0, f"{where}: the store could not be read back: {obs.stderr[-2000:]}"
    seen = json.loads(obs.stdout.strip().splitlines()[-1])
    assert "error" not in seen, f"{where}: reading the store back raised HuksError {seen}"
    resolved: dict[str, State] = {}
    for key, got in seen["keys"].items():
        candidates = [after.get(key)]
        if pending is not None and pending[0] == key:
            candidates.append(pending[1])
        hit = next((c for c in candidates if _matches(c, got)), "none")
        assert hit != "none", (
            f"{where}: {key} is {got[0] + ' ' + got[1][:16] + '...' if got else 'absent'}; expected "
            f"{' or '.join(_expected(c) for c in candidates)} "
            f"({'the change in flight' if len(candidates) > 1 else 'every change to it was acknowledged'})"
        )
        resolved[key] = ("ecc", got[1]) if hit is not None and hit[0] == "ecc" else hit  # type: ignore[index]
    for level in LEVELS:
        present = {a for a in aliases if resolved[f"{a}@{level}"] is not None}
        listed = set(seen["listed"][str(level)])
        assert listed == present, f"{where}: level {level}: list_aliases {sorted(listed)} != present"
    for key, st in model.items():
        if key.startswith("keep-") and st is not None:
            assert resolved[key] is not None, f"{where}: the pre-existing {key} was lost by an overwrite"
    return resolved, acked


def _rounds(backend: str) -> int:
    return KILLS if backend == "software" else max(3, KILLS // 3)


@pytest.mark.parametrize("backend", ["software", "pkcs11", "tpm2", "service"])
def test_writer_killed_at_random_moments_loses_nothing_acknowledged(
    open_backend: Callable[..., Any], backend: str, tmp_path: Path
) -> None:
    master = int(SEED) if SEED is not None else random.SystemRandom().randrange(2**32)
    rounds = _rounds(backend)
    print(f"crash {backend}: HUKSPY_CRASH_SEED={master} replays this run")
    aliases = [f"{p}-{i}" for p in ("crash", "keep") for i in range(N_ALIASES)]
    model: dict[str, State] = {f"{a}@{lv}": None for a in aliases for lv in LEVELS}
    total = 0
    with _target(open_backend, backend, tmp_path / "keystore") as target:
        seeds = random.Random(master)
        for round_ in range(rounds):
            model, acked = _round(target, tmp_path, aliases, model, master, seeds.randrange(2**32), round_)
            total += acked
    print(f"crash {backend}: {rounds} kills, {total} acknowledged changes checked")
    assert total > 0, "the writer never got a change acknowledged: the test exercised nothing"
    assert any(st is not None for k, st in model.items() if k.startswith("keep-"))
