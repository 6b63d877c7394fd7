"""A real swtpm for tests, CI and benchmarks: ``swtpm_instance()``.

``swtpm_instance()`` provisions a fresh TPM 2.0 state in a temp directory with ``swtpm_setup --tpm2
--create-ek-cert`` (RSA and ECC EKs with certificates from a local CA whose files stay inside that
directory), starts ``swtpm socket --tpm2`` on a free TCP port pair (``port`` for commands, ``port + 1``
for control, as the ``swtpm`` TCTI expects), waits for it by polling (connect, then ``GetRandom``)
without fixed sleeps, and stops it at the end. ``stop()``/``start()`` restart the same state, which is
how the fault tests kill the TPM mid-run.

``swtpm_instance(provision=False)`` starts a **plain** TPM instead, as most CI setups and firmware TPMs
are: an empty state directory, no ``swtpm_setup`` (so no EK certificate in NV and no persisted EK),
``swtpm socket --tpm2 --flags startup-clear``.

Layout of the base directory (a temp dir, or ``state_dir`` when given):

- ``<state_dir>/tpm2-00.permall``: the TPM's persistent state (swtpm's own file);
- ``<state_dir>/localca/``: the swtpm-localca CA (root cert ``swtpm-localca-rootca-cert.pem``,
  issuer ``issuercert.pem``) that signed the EK certificates, and the setup configs and log;
- ``<state_dir>/swtpm.log``: swtpm's log.

``SwtpmUnavailableError`` is raised when swtpm or swtpm_setup is not installed; test suites turn it into a
skip, or a failure when ``HUKSPY_REQUIRE`` names ``tpm2``.

``tabrmd_instance()`` puts the resource manager ``tpm2-abrmd`` in front of a fresh swtpm, on a private
D-Bus session bus (``dbus-daemon``) under a bus name of its own, so that several processes can share
the TPM (``tpm2:tabrmd:...``, docs/tpm2.md and docs/fleet.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from hukspy.testing.processes import stop_process

__all__ = [
    "SwtpmInstance", "SwtpmUnavailableError", "TabrmdInstance", "require_tpm2", "set_dictionary_attack",
    "swtpm_instance",
    "tabrmd_instance",
]

_READY_TIMEOUT_S: Final = 20.0
_POLL_S: Final = 0.005


class SwtpmUnavailableError(RuntimeError):
    """swtpm (or swtpm_setup, or tpm2-pytss) is not installed on this machine."""


def require_tpm2() -> bool:
    """Whether ``HUKSPY_REQUIRE`` (comma-separated backend names) makes a missing TPM a failure."""
    wanted = {w.strip() for w in os.environ.get("HUKSPY_REQUIRE", "").split(",")}
    return "tpm2" in wanted or "all" in wanted


def _which(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SwtpmUnavailableError(
            f"{name} is not installed (Debian: apt-get install swtpm swtpm-tools; see ci/swtpm.sh)"
        )
    return path


def _ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        lo, hi = 32768, 60999
    return lo, hi


def _free_port_pair() -> int:
    """A port P such that P and P+1 were both free on 127.0.0.1 a moment ago.

    Chosen outside the kernel's ephemeral range: the swtpm TCTI opens one TCP connection per TPM
    command, so a busy machine has tens of thousands of ephemeral ports in TIME_WAIT, and an ephemeral
    port handed out by ``bind(0)`` is often next to one of them."""
    lo, hi = _ephemeral_range()
    low, high = (20000, lo - 2) if lo - 2 > 20000 else (hi + 1, 65533)
    for _ in range(500):
        port = low + secrets.randbelow(high - low)
        try:
            for p in (port, port + 1):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free TCP port pair on 127.0.0.1")


def _provision(state_dir: str) -> None:
    """Manufacture a TPM in ``state_dir``: EKs with certificates from a CA under ``localca/``."""
    setup = _which("swtpm_setup")
    localca = _which("swtpm_localca")
    _which("swtpm")
    ca = os.path.join(state_dir, "localca")
    os.makedirs(ca, mode=0o700, exist_ok=True)
    ca_conf = os.path.join(ca, "swtpm-localca.conf")
    with open(ca_conf, "w", encoding="utf-8") as f:
        f.write(
            f"statedir = {ca}\n"
            f"signingkey = {ca}/signkey.pem\n"
            f"issuercert = {ca}/issuercert.pem\n"
            f"certserial = {ca}/certserial\n"
        )
    ca_opts = os.path.join(ca, "swtpm-localca.options")
    with open(ca_opts, "w", encoding="utf-8") as f:
        f.write("--platform-manufacturer hukspy\n--platform-version 2.1\n--platform-model swtpm\n")
    setup_conf = os.path.join(ca, "swtpm_setup.conf")
    with open(setup_conf, "w", encoding="utf-8") as f:
        f.write(
            f"create_certs_tool = {localca}\n"
            f"create_certs_tool_config = {ca_conf}\n"
            f"create_certs_tool_options = {ca_opts}\n"
            "active_pcr_banks = sha256\n"
        )
    tmp = os.path.join(ca, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp, XDG_CONFIG_HOME=ca, HOME=ca)
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            setup,
            "--tpm2",
            "--tpmstate",
            state_dir,
            "--create-ek-cert",
            "--config",
            setup_conf,
            "--logfile",
            os.path.join(ca, "setup.log"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        with open(os.path.join(ca, "setup.log"), encoding="utf-8", errors="replace") as f:
            log = f.read()[-2000:]
        raise RuntimeError(f"swtpm_setup failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")


class SwtpmInstance:
    """A running (or stopped) swtpm on one state directory and one TCP port pair.

    ``uri`` is the hukspy keystore URI (``tpm2:swtpm:host=127.0.0.1,port=N``), ``tcti`` the TCTI
    string, ``ca_dir`` the directory of the local CA that signed the EK certificates (absent on a
    plain TPM). ``provisioned``: the state was made by ``swtpm_setup`` (swtpm then runs with
    ``--flags not-need-init,startup-clear``); a plain one runs with ``--flags startup-clear`` only.
    """

    def __init__(self, state_dir: str, port: int, *, provisioned: bool = True) -> None:
        self.state_dir = state_dir
        self.port = port
        self.provisioned = provisioned
        self.ca_dir = os.path.join(state_dir, "localca")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def tcti(self) -> str:
        return f"swtpm:host=127.0.0.1,port={self.port}"

    @property
    def uri(self) -> str:
        return f"tpm2:{self.tcti}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start swtpm on this state (a restart after ``stop`` keeps every persistent object and the
        owner seed, so key blobs still load); return when it answers ``GetRandom``."""
        if self.running:
            return
        swtpm = _which("swtpm")
        err_fd = self._stderr_file()
        try:
            self._proc = self._popen(swtpm, err_fd)
        finally:
            os.close(err_fd)
        self._wait_ready()

    def _popen(self, swtpm: str, err_fd: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                swtpm,
                "socket",
                "--tpm2",
                "--tpmstate",
                f"dir={self.state_dir}",
                "--server",
                f"type=tcp,port={self.port},bindaddr=127.0.0.1",
                "--ctrl",
                f"type=tcp,port={self.port + 1},bindaddr=127.0.0.1",
                "--flags",
                "not-need-init,startup-clear" if self.provisioned else "startup-clear",
                "--log",
                f"file={os.path.join(self.state_dir, 'swtpm.log')},level=1",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_fd,
        )

    def _stderr_file(self) -> int:
        path = os.path.join(self.state_dir, "swtpm.stderr")
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        last: BaseException | None = None
        while time.monotonic() < deadline:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                path = os.path.join(self.state_dir, "swtpm.stderr")
                with open(path, encoding="utf-8", errors="replace") as f:
                    err = f.read()[-1000:]
                raise RuntimeError(f"swtpm exited at start: {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    pass
                _probe(self.tcti)
                return
            except (OSError, RuntimeError) as exc:  # TSS2_Exception is a RuntimeError
                last = exc
            time.sleep(_POLL_S)
        self.stop()
        raise RuntimeError(f"swtpm on port {self.port} not ready after {_READY_TIMEOUT_S} s: {last}")

    def stop(self) -> None:
        """Stop swtpm (SIGTERM, then SIGKILL). Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_process(proc)

    def __repr__(self) -> str:
        return (
            f"SwtpmInstance(port={self.port}, state_dir={self.state_dir!r}, "
            f"provisioned={self.provisioned}, running={self.running})"
        )


def _probe(tcti: str) -> None:
    """One ``GetRandom`` through tpm2-pytss: raises until the TPM answers."""
    try:
        from tpm2_pytss import ESAPI, TCTILdr
    except ImportError as exc:  # pragma: no cover - the package depends on it
        raise SwtpmUnavailableError(f"tpm2-pytss is not installed: {exc}") from exc
    os.environ.setdefault("TSS2_LOG", "all+none")
    name, _, conf = tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as ectx:
        ectx.get_random(8)


def set_dictionary_attack(tcti: str, *, max_tries: int, recovery_s: int, lockout_recovery_s: int = 1) -> None:
    """Set the TPM's dictionary-attack parameters and clear its failure counter, with the empty lockout
    authorization a fresh swtpm has (TPM2_DictionaryAttackParameters, TPM2_DictionaryAttackLockReset).
    Only DA-protected objects are affected: hukspy makes every object noDA except the PIN object of
    ``hukspy_tpm2.pin``. Call it while no other client holds the TPM."""
    from tpm2_pytss import ESAPI, TCTILdr
    from tpm2_pytss.constants import ESYS_TR

    name, _, conf = tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as ectx:
        ectx.dictionary_attack_lock_reset(ESYS_TR.LOCKOUT)
        ectx.dictionary_attack_parameters(max_tries, recovery_s, lockout_recovery_s, ESYS_TR.LOCKOUT)


@contextlib.contextmanager
def swtpm_instance(state_dir: str | None = None, *, provision: bool = True) -> Iterator[SwtpmInstance]:
    """A provisioned, running swtpm; stopped (and its temp dir removed) on exit.

    ``state_dir``: reuse (and, when empty, provision) this directory instead of a fresh temp one; it is
    not removed. ``provision=False``: a plain TPM (module docstring), never given to ``swtpm_setup``.
    Raises ``SwtpmUnavailableError`` when swtpm (or, to provision, swtpm_setup) is not installed.
    """
    _which("swtpm")
    if provision:
        _which("swtpm_setup")
    owned = state_dir is None
    base = tempfile.mkdtemp(prefix="hukspy-swtpm-") if state_dir is None else state_dir
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        if provision and not os.path.exists(os.path.join(base, "tpm2-00.permall")):
            _provision(base)
        inst: SwtpmInstance | None = None
        for _ in range(5):  # the free port pair may be taken between probe and bind
            inst = SwtpmInstance(base, _free_port_pair(), provisioned=provision)
            try:
                inst.start()
                break
            except RuntimeError:
                inst.stop()
                inst = None
        if inst is None:
            raise RuntimeError("could not start swtpm on a free port")
        # Tests enter many wrong PINs (docs/userauth.md, "On a TPM"): swtpm's default of 3 failures and
        # 1000 s per failure would lock the PIN object for the rest of the run.
        set_dictionary_attack(inst.tcti, max_tries=1000, recovery_s=1)
        try:
            yield inst
        finally:
            inst.stop()
    finally:
        if owned:
            shutil.rmtree(base, ignore_errors=True)


@dataclass(frozen=True)
class TabrmdInstance:
    """tpm2-abrmd on a private session bus (``bus_address``) in front of ``swtpm``: ``tcti`` and ``uri``
    (``tpm2:tabrmd:bus_name=...,bus_type=session``) reach it from any process that has
    ``DBUS_SESSION_BUS_ADDRESS=bus_address`` (set for this process while the instance runs)."""

    tcti: str
    bus_address: str
    swtpm: SwtpmInstance

    @property
    def uri(self) -> str:
        return f"tpm2:{self.tcti}"


def _tabrmd_tcti_installed() -> bool:
    import ctypes.util

    return ctypes.util.find_library("tss2-tcti-tabrmd") is not None


@contextlib.contextmanager
def tabrmd_instance() -> Iterator[TabrmdInstance]:
    """A fresh swtpm behind tpm2-abrmd on a private D-Bus session bus; all stopped on exit.

    Sets ``os.environ["DBUS_SESSION_BUS_ADDRESS"]`` while it runs (restored after), so keystores of this
    process and its subprocesses reach it. Raises ``SwtpmUnavailableError`` when swtpm, tpm2-abrmd,
    dbus-daemon or the tabrmd TCTI (Debian: libtss2-tcti-tabrmd0) is missing, ``RuntimeError`` when
    they do not start.
    """
    abrmd = shutil.which("tpm2-abrmd") or next(
        (p for p in ("/usr/sbin/tpm2-abrmd", "/sbin/tpm2-abrmd") if os.path.exists(p)), None)
    if abrmd is None:
        raise SwtpmUnavailableError("tpm2-abrmd is not installed (Debian: apt-get install tpm2-abrmd)")
    dbus = shutil.which("dbus-daemon")
    if dbus is None:
        raise SwtpmUnavailableError("dbus-daemon is not installed (Debian: apt-get install dbus)")
    if not _tabrmd_tcti_installed():
        raise SwtpmUnavailableError("the tabrmd TCTI is not installed (Debian: libtss2-tcti-tabrmd0)")
    bus_name = f"com.intel.tss2.Tabrmd.hukspy{secrets.token_hex(6)}"
    tcti = f"tabrmd:bus_name={bus_name},bus_type=session"
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    with swtpm_instance() as tpm, contextlib.ExitStack() as stack:
        bus = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [dbus, "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        stack.callback(stop_process, bus)
        assert bus.stdout is not None  # noqa: S101 - stdout=PIPE
        address = bus.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError(f"dbus-daemon exited with {bus.wait()} without an address")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        stack.callback(_restore_env, "DBUS_SESSION_BUS_ADDRESS", saved)
        log = os.path.join(tpm.state_dir, "tabrmd.log")
        with open(log, "wb") as f:
            rm = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [abrmd, "--session", "--allow-root", f"--dbus-name={bus_name}", f"--tcti={tpm.tcti}",
                 "--flush-all"],
                stdin=subprocess.DEVNULL, stdout=f, stderr=f,
            )
        stack.callback(stop_process, rm)
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while True:
            if rm.poll() is not None:
                with open(log, encoding="utf-8", errors="replace") as f:
                    raise RuntimeError(f"tpm2-abrmd exited with {rm.returncode}: {f.read()[-1000:]}")
            try:
                _probe(tcti)
                break
            except RuntimeError as exc:  # TSS2_Exception: not on the bus yet
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tpm2-abrmd not ready after {_READY_TIMEOUT_S} s: {exc}") from exc
                time.sleep(0.05)
        yield TabrmdInstance(tcti, address, tpm)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def main() -> None:
    """``python -m hukspy_tpm2.testing [--plain] [STATE_DIR]``: start a provisioned (``--plain``: a
    plain) swtpm, print its keystore URI and the EK CA directory, and keep it running until interrupted
    (for manual tests and benchmarks)."""
    import signal
    import sys

    args = sys.argv[1:]
    plain = "--plain" in args
    rest = [a for a in args if a != "--plain"]
    with swtpm_instance(rest[0] if rest else None, provision=not plain) as inst:
        print(f"HUKSPY_KEYSTORE={inst.uri}")
        print("EK CA: none (plain TPM)" if plain else f"EK CA: {inst.ca_dir}")
        sys.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
