"""A real ``hukspy serve`` process for tests and benchmarks (docs/service.md): start it, wait until it
answers, kill it (SIGKILL) and start it again on the same state, stop it (SIGTERM).

``ServiceProcess(..., test_hooks=True)`` starts the test server of ``hukspy.testing.service_hooks``
instead: the same server, whose user-auth clock is read from ``clock_file`` (a
``hukspy.testing.userauth.FileFakeClock`` of the test writes it) and which answers the test-only
calls of ``service_hook`` (reset the caller's user-auth records, ...); with ``no_admins`` as well, that
server counts no uid as an administrator, so the test process is an ordinary caller (its own key
namespace, ASSET owners and credential). ``hukspy serve`` has none of this:
a client of it that sends a test call loses its connection (docs/service.md, "Tests").
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hukspy.keystore import Keystore
from hukspy.service.client import ServiceKeystore
from hukspy.testing.processes import stop_process

__all__ = ["ServiceProcess", "running_service", "service_dirs", "service_hook"]

#: The target of the test-only calls (answered by ``hukspy.testing.service_hooks`` only).
HOOK_TARGET = "t"


def service_hook(ks: Keystore, method: str, *args: object) -> Any:
    """The answer of the test server behind ``ks`` (a ``service:`` keystore) to the test-only call
    ``method`` (``hukspy.testing.service_hooks.HOOKS``), run for the caller's uid. Raises ``HuksError``
    12000005 when the service is gone or is not a test server (``hukspy serve`` closes the
    connection), and what the hook raises."""
    if not isinstance(ks, ServiceKeystore):
        raise TypeError(f"not a service: keystore: {ks!r}")
    return ks._call_lost(ks._link.call, HOOK_TARGET, method, args, {})  # a lost service: 12000005


def service_dirs() -> tuple[Path, Path]:
    """A fresh (socket path in a 0755 directory, state directory 0700) pair in a new temp directory: the
    socket is reachable by clients of other uids, the state by the service's uid only."""
    base = Path(tempfile.mkdtemp(prefix="hukspy-svc-"))
    base.chmod(0o755)
    home = base / "state"
    home.mkdir(mode=0o700)
    return base / "run" / "hukspy.sock", home


class ServiceProcess:
    """``hukspy serve --keystore uri --socket socket_path --home home [--config config]``, run with
    ``sys.executable``. ``uri`` is the service URI clients use (``service:<socket_path>``). With
    ``test_hooks`` the test server of ``hukspy.testing.service_hooks`` (same arguments, plus
    ``--clock-file``: ``clock_file``, beside the state directory) runs instead; ``no_admins`` (with
    ``test_hooks`` only) makes it count no uid as an administrator (``--no-admins``)."""

    def __init__(self, keystore: str, socket_path: str | os.PathLike[str], home: str | os.PathLike[str],
                 config: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
                 *, test_hooks: bool = False, no_admins: bool = False) -> None:
        if no_admins and not test_hooks:
            raise ValueError("no_admins is an option of the test server (test_hooks=True)")
        self.keystore = keystore
        self.socket_path = str(socket_path)
        self.home = str(home)
        self.config = None if config is None else str(config)
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.test_hooks = test_hooks
        self.no_admins = no_admins
        #: Where a test server reads its user-auth clock (no file: the machine's clocks).
        self.clock_file = str(Path(self.home).parent / "test-clock.json")

    @property
    def uri(self) -> str:
        return f"service:{self.socket_path}"

    def command(self) -> Sequence[str]:
        program = ["hukspy.testing.service_hooks"] if self.test_hooks else ["hukspy", "serve"]
        cmd = [sys.executable, "-m", *program, "--keystore", self.keystore,
               "--socket", self.socket_path, "--home", self.home]
        if self.test_hooks:
            cmd += ["--clock-file", self.clock_file]
        if self.no_admins:
            cmd.append("--no-admins")
        if self.config is not None:
            cmd += ["--config", self.config]
        return cmd

    def start(self, timeout: float = 60) -> None:
        """Start the service and wait until its socket accepts a connection. Raises ``RuntimeError``
        (with the service's stderr) when it exits or does not answer within ``timeout`` seconds."""
        Path(self.socket_path).parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL,  # noqa: S603
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"hukspy serve exited with {self.proc.returncode}: {err}")
            if self.answers():
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"hukspy serve did not listen on {self.socket_path} within {timeout} s")

    def answers(self) -> bool:
        """Whether something accepts connections on the socket now."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(self.socket_path)
            except OSError:
                return False
            return True

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing of the service's shutdown runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> int | None:
        """SIGTERM (the clean shutdown); the exit status."""
        if self.proc is None:
            return None
        stop_process(self.proc)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return self.proc.returncode


@contextlib.contextmanager
def running_service(keystore: str, socket_path: str | os.PathLike[str], home: str | os.PathLike[str],
                    config: str | os.PathLike[str] | None = None) -> Iterator[ServiceProcess]:
    """A started ``ServiceProcess``, stopped at the end."""
    service = ServiceProcess(keystore, socket_path, home, config)
    service.start()
    try:
        yield service
    finally:
        service.stop()
