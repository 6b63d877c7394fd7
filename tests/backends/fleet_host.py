"""One "host" of a fleet (``Host`` starts one and talks to it): a process with its own
``HUKSPY_HOME`` that keeps one ``Keystore`` open and runs commands read as JSON lines on stdin,
answering one JSON line each on stdout.

Run by tests/backends/test_pkcs11_fleet.py and bench/bench_fleet.py as ``python fleet_host.py``, with
``HUKSPY_KEYSTORE`` naming the shared token (the PIN in ``HUKSPY_PIN``, never on the command line) and
``HUKSPY_HOME`` a directory of its own. A command that raises ``HuksError`` answers ``{"code": N}``.

Commands (``op``): ``gen`` (ECC P-256 sign/verify key ``alias``), ``pub`` (its public key, hex
SPKI), ``sign``/``verify`` (``msg``, ``sig`` hex), ``list``, ``exists``, ``delete``, ``sessions``
(open ``n`` sessions on ``alias`` and keep them open: how many are held and the code that stopped
it), ``release`` (abort them), ``loop`` (``n`` keys ``prefix:i``: generate, sign ``msg``, report
each alias's public key and signature), ``bench`` (sign ``msg`` with ``alias`` until ``seconds``
pass: the count), ``quit``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hukspy import HuksError, Keystore
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPurpose as Pu
from hukspy.enums import HuksTag as T
from hukspy.testing import P, options, run_session

HOST_SCRIPT = Path(__file__)
DEADLINE = 120.0  # seconds for one answer (a loaded CI machine; a healthy answer takes well under 1 s)
SIGN = (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_KEY_SIZE, 256),
        P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN), P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256))
VERIFY = (*SIGN[:2], P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_VERIFY), SIGN[3])
KEY = (*SIGN[:2], P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN | Pu.HUKS_KEY_PURPOSE_VERIFY), SIGN[3])


def without_pin(uri: str) -> str:
    """A keystore URI made by ``hukspy_pkcs11.testing.make_uri`` without its ``pin-value`` (a host gets
    the PIN in ``HUKSPY_PIN``)."""
    return uri.split("&pin-value=")[0]


def _pub(ks: Keystore, alias: str) -> str:
    out = ks.export_key_item(alias, options()).out_data
    assert out is not None
    return out.hex()


def _sign(ks: Keystore, alias: str, msg: bytes) -> str:
    return run_session(ks, alias, SIGN, [msg]).hex()


def _run(ks: Keystore, cmd: dict[str, Any], held: list[int]) -> object:
    op, alias = cmd["op"], cmd.get("alias", "")
    msg = bytes.fromhex(cmd.get("msg", ""))
    if op == "gen":
        ks.generate_key_item(alias, options(*KEY))
        return _pub(ks, alias)
    if op == "pub":
        return _pub(ks, alias)
    if op == "sign":
        return _sign(ks, alias, msg)
    if op == "verify":
        try:
            run_session(ks, alias, VERIFY, [msg], finish=bytes.fromhex(cmd["sig"]))
        except HuksError as exc:
            return {"verified": False, "code": exc.code}
        return {"verified": True}
    if op == "list":
        return sorted(ks.list_aliases(options()).key_aliases or [])
    if op == "exists":
        return ks.has_key_item(alias, options())
    if op == "delete":
        ks.delete_key_item(alias, options())
        return True
    if op == "sessions":
        code = None
        try:
            for _ in range(cmd["n"]):
                held.append(ks.init_session(alias, options(*SIGN)).handle)
        except HuksError as exc:
            code = exc.code
        return {"held": len(held), "code": code}
    if op == "release":
        while held:
            ks.abort_session(held.pop(), options())
        return True
    if op == "loop":
        out = []
        for i in range(cmd["n"]):
            name = f"{cmd['prefix']}:{i}"
            ks.generate_key_item(name, options(*KEY))
            out.append([name, _pub(ks, name), _sign(ks, name, msg)])
        return out
    if op == "bench":
        count, end = 0, time.monotonic() + cmd["seconds"]
        while time.monotonic() < end:
            _sign(ks, alias, msg)
            count += 1
        return count
    raise ValueError(f"unknown op {op!r}")


class Host:
    """A fleet host: ``fleet_host.py`` in a process of its own, with its own ``HUKSPY_HOME``."""

    def __init__(self, uri: str, home: Path, pin: str) -> None:
        """Start a host on keystore ``uri`` (no PIN in it: ``pin`` goes in its environment, never on a
        command line) with ``home`` (created) as its ``HUKSPY_HOME``; ``hello`` is its first answer."""
        home.mkdir(mode=0o700)
        env = {**os.environ, "HUKSPY_HOME": str(home), "HUKSPY_KEYSTORE": uri, "HUKSPY_PIN": pin}
        self.proc = subprocess.Popen(
            [sys.executable, str(HOST_SCRIPT)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, cwd=HOST_SCRIPT.parent,
        )
        self.hello = self.read()

    def read(self) -> dict[str, Any]:
        """The next answer (``DEADLINE`` seconds at most)."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], DEADLINE)
        if not ready:
            raise TimeoutError(f"host {self.proc.pid} gave no answer in {DEADLINE} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"host {self.proc.pid} exited with {self.proc.wait()}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def send(self, op: str, **kw: object) -> None:
        """Send a command without waiting for its answer (``read`` it later)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()

    def call(self, op: str, **kw: object) -> dict[str, Any]:
        """Run one command; ``{"ok": result}`` or ``{"code": HUKS code}``."""
        self.send(op, **kw)
        return self.read()

    def ok(self, op: str, **kw: object) -> Any:
        """Run one command and return its result; ``RuntimeError`` when it answered a HUKS code."""
        self.send(op, **kw)
        return self.ok_reply()

    def ok_reply(self) -> Any:
        """The result of the next answer; ``RuntimeError`` when it is a HUKS code."""
        reply = self.read()
        if "ok" not in reply:
            raise RuntimeError(f"host {self.proc.pid} answered {reply}")
        return reply["ok"]

    def close(self) -> None:
        """Ask the host to quit; kill it after 30 s."""
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main() -> None:
    try:
        ks = Keystore()
    except HuksError as exc:
        print(json.dumps({"code": exc.code}), flush=True)
        return
    held: list[int] = []
    with ks:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["op"] == "quit":
                break
            try:
                reply: dict[str, object] = {"ok": _run(ks, cmd, held)}
            except HuksError as exc:
                reply = {"code": exc.code}
            print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
