"""Fresh SoftHSM2 tokens for tests: ``softhsm_token()``.

SoftHSM2 reads its configuration file (``$SOFTHSM2_CONF``) once, at ``C_Initialize``, so **one process
has one SoftHSM2 configuration**: the first ``softhsm_token()`` of a process creates a private temporary
directory with a ``softhsm2.conf`` and points ``SOFTHSM2_CONF`` at it for the rest of the process; every
token of the process lives in that directory's ``tokens/``. Use it as a per-test-session fixture::

    @pytest.fixture(scope="session")
    def pkcs11_token():
        with softhsm_token() as token:
            yield token          # token.uri opens it: hukspy.Keystore(token.uri)

SoftHSM2 also lists tokens only once, at ``C_Initialize``: a token made later is invisible to this
process (other processes see it). So tokens are not deleted when the ``with`` block ends; a later
``softhsm_token()`` with the same label yields the same token, and the whole directory goes at
process exit. The provisioning is the same as ``softhsm/make-token.sh`` (the shell form, for CI and for
people), written here in Python so that it works from an installed wheel.

``p11kit_token()`` shares such a token the way a network HSM is reached (docs/fleet.md): ``p11-kit
server`` serves it on a Unix socket and the yielded URI names ``p11-kit-client.so``, which reads
``$P11_KIT_SERVER_ADDRESS`` (set for the rest of the process, inherited by subprocesses: the "hosts").
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from hukspy.testing.processes import stop_process

__all__ = [
    "P11KitUnavailableError", "RemoteTokenInfo", "SoftHsmUnavailableError", "TokenInfo",
    "find_p11kit_client", "find_softhsm_module", "p11kit_token", "softhsm_token",
]

#: Where distributions put the module (Debian first); ``$SOFTHSM2_MODULE`` overrides.
MODULE_CANDIDATES: Final = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
#: Where distributions put p11-kit's RPC client module (Debian: package p11-kit-modules).
CLIENT_CANDIDATES: Final = (
    "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so",
    "/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so",
    "/usr/lib64/pkcs11/p11-kit-client.so",
    "/usr/lib/pkcs11/p11-kit-client.so",
)
_CONF_TEMPLATE: Final = """\
# Written by hukspy_pkcs11.testing (same content as softhsm/softhsm2.conf.in).
directories.tokendir = {tokendir}
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
"""


class SoftHsmUnavailableError(RuntimeError):
    """SoftHSM2 (``softhsm2-util`` or ``libsofthsm2.so``) is not installed, or the token cannot be made.

    Test suites turn this into a skip, or into a failure when ``HUKSPY_REQUIRE`` names ``pkcs11``.
    """


@dataclass(frozen=True)
class TokenInfo:
    """A provisioned token: its keystore ``uri``, the ``directory`` holding its files, the SoftHSM2
    ``conf`` file, the ``module`` path, the user ``pin`` and the token ``label``."""

    uri: str
    directory: str
    conf: str
    module: str
    pin: str
    label: str = "hukspy"
    so_pin: str = ""

    def __repr__(self) -> str:
        return f"TokenInfo(label={self.label!r}, directory={self.directory!r}, module={self.module!r})"


def find_softhsm_module() -> str:
    """The path of ``libsofthsm2.so``. Raises ``SoftHsmUnavailableError`` when none is found."""
    env = os.environ.get("SOFTHSM2_MODULE")
    if env:
        if os.path.isfile(env):
            return env
        raise SoftHsmUnavailableError(f"SOFTHSM2_MODULE={env} does not exist")
    for candidate in (*MODULE_CANDIDATES, *sorted(glob.glob("/usr/lib/*/softhsm/libsofthsm2.so"))):
        if os.path.isfile(candidate):
            return candidate
    raise SoftHsmUnavailableError(
        "libsofthsm2.so not found (Debian: apt-get install softhsm2; or set SOFTHSM2_MODULE)"
    )


def _util() -> str:
    util = shutil.which("softhsm2-util")
    if util is None:
        raise SoftHsmUnavailableError("softhsm2-util not found (Debian: apt-get install softhsm2)")
    return util


_lock = threading.Lock()
_process_dir: str | None = None
_tokens: dict[str, TokenInfo] = {}


def _process_conf() -> str:
    """The process's SoftHSM2 directory (created once; ``SOFTHSM2_CONF`` set to its config)."""
    global _process_dir
    if _process_dir is None:
        directory = tempfile.mkdtemp(prefix="hukspy-softhsm-")
        os.makedirs(os.path.join(directory, "tokens"), mode=0o700)
        conf = os.path.join(directory, "softhsm2.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(_CONF_TEMPLATE.format(tokendir=os.path.join(directory, "tokens")))
        os.chmod(conf, 0o600)
        atexit.register(shutil.rmtree, directory, True)
        _process_dir = directory
        os.environ["SOFTHSM2_CONF"] = conf
    return _process_dir


def make_uri(label: str, module: str, pin: str) -> str:
    """The keystore URI of a token (RFC 7512: path ``token``; query ``module-path``, ``pin-value``)."""
    q = urllib.parse.quote
    return f"pkcs11:token={q(label, safe='')}?module-path={q(module, safe='/')}&pin-value={q(pin, safe='')}"


@contextlib.contextmanager
def softhsm_token(label: str = "hukspy", pin: str = "1234", so_pin: str = "5678") -> Iterator[TokenInfo]:
    """A fresh SoftHSM2 token, made on the first call for ``label`` in this process.

    SoftHSM2 sees only the tokens that existed when it initialised (``C_Initialize`` reads the token
    directory once), so a token is never deleted while the process runs: a later call with the same
    label yields the same token (its keys included), and the process's directory is removed at exit.
    A token first made after this process loaded libsofthsm2.so is visible to other processes only.
    Sets ``os.environ["SOFTHSM2_CONF"]`` (see the module docstring). Raises ``SoftHsmUnavailableError``
    when SoftHSM2 is missing or ``softhsm2-util`` fails, ``ValueError`` when ``label`` was made with
    another PIN.
    """
    module = find_softhsm_module()
    util = _util()
    with _lock:
        directory = _process_conf()
        conf = os.path.join(directory, "softhsm2.conf")
        if os.environ.get("SOFTHSM2_CONF") != conf:
            raise SoftHsmUnavailableError(
                "SOFTHSM2_CONF was changed after the first softhsm_token() of this process; SoftHSM2 reads "
                "it once per process"
            )
        info = _tokens.get(label)
        if info is None:
            env = {**os.environ, "SOFTHSM2_CONF": conf}
            proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
                env=env, capture_output=True, text=True, check=False,
            )
            if proc.returncode != 0:
                why = proc.stderr.strip() or proc.stdout.strip()
                raise SoftHsmUnavailableError(f"softhsm2-util --init-token failed: {why}")
            info = TokenInfo(make_uri(label, module, pin), directory, conf, module, pin, label, so_pin)
            _tokens[label] = info
        elif info.pin != pin or info.so_pin != so_pin:
            raise ValueError(f"the token {label!r} of this process was made with other PINs")
    yield info


class P11KitUnavailableError(SoftHsmUnavailableError):
    """``p11-kit`` or ``p11-kit-client.so`` is missing, or ``p11-kit server`` did not start."""


@dataclass(frozen=True)
class RemoteTokenInfo:
    """A SoftHSM2 ``token`` served by ``p11-kit server``: the keystore ``uri`` through ``client`` (the
    p11-kit-client module) and the server's ``address`` (``$P11_KIT_SERVER_ADDRESS``)."""

    uri: str
    address: str
    client: str
    token: TokenInfo

    def __repr__(self) -> str:
        return f"RemoteTokenInfo(address={self.address!r}, client={self.client!r}, token={self.token!r})"


def find_p11kit_client() -> str:
    """The path of ``p11-kit-client.so`` (``$P11_KIT_CLIENT_MODULE`` overrides). Raises
    ``P11KitUnavailableError`` when none is found."""
    env = os.environ.get("P11_KIT_CLIENT_MODULE")
    found = sorted(glob.glob("/usr/lib/*/pkcs11/p11-kit-client.so"))
    candidates = (env,) if env else (*CLIENT_CANDIDATES, *found)
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            return candidate
    raise P11KitUnavailableError(
        "p11-kit-client.so not found (Debian: apt-get install p11-kit p11-kit-modules; or set "
        "P11_KIT_CLIENT_MODULE)"
    )


_servers: dict[str, RemoteTokenInfo] = {}


def _start_server(token: TokenInfo, client: str) -> RemoteTokenInfo:
    """Start ``p11-kit server`` for ``token`` on a socket in a private directory; stopped at exit."""
    tool = shutil.which("p11-kit")
    if tool is None:
        raise P11KitUnavailableError("p11-kit not found (Debian: apt-get install p11-kit p11-kit-modules)")
    directory = tempfile.mkdtemp(prefix="hukspy-p11kit-")
    socket_path = os.path.join(directory, "pkcs11.sock")
    log_path = os.path.join(directory, "server.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [tool, "server", "-f", "-n", socket_path, "--provider", token.module,
             f"pkcs11:token={urllib.parse.quote(token.label, safe='')}"],
            env={**os.environ, "SOFTHSM2_CONF": token.conf}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log,
        )

    def stop() -> None:
        stop_process(proc)
        shutil.rmtree(directory, ignore_errors=True)

    deadline = time.monotonic() + 15
    while not os.path.exists(socket_path):
        if proc.poll() is not None or time.monotonic() > deadline:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                why = f.read().strip()[-500:]
            stop()
            raise P11KitUnavailableError(f"p11-kit server did not start: {why or 'no socket after 15 s'}")
        time.sleep(0.05)
    atexit.register(stop)
    uri = make_uri(token.label, client, token.pin)
    return RemoteTokenInfo(uri, f"unix:path={socket_path}", client, token)


@contextlib.contextmanager
def p11kit_token(
    label: str = "fleet", pin: str = "1234", so_pin: str = "5678",
) -> Iterator[RemoteTokenInfo]:
    """The SoftHSM2 token ``label`` (``softhsm_token``) served by ``p11-kit server``, started on the first
    call for ``label`` in this process and stopped at exit; the yielded ``uri`` opens it through
    ``p11-kit-client.so``.

    Sets ``os.environ["P11_KIT_SERVER_ADDRESS"]`` (read by p11-kit-client when the process loads it, so a
    process reaches one server: a second label raises ``ValueError``). Raises ``P11KitUnavailableError``
    when p11-kit or its client module is missing or the server does not start, ``SoftHsmUnavailableError``
    as ``softhsm_token`` does.
    """
    client = find_p11kit_client()
    with softhsm_token(label, pin, so_pin) as token, _lock:
        info = _servers.get(label)
        if info is None:
            if _servers:
                raise ValueError(f"this process already serves the token {next(iter(_servers))!r}")
            info = _start_server(token, client)
            _servers[label] = info
            os.environ["P11_KIT_SERVER_ADDRESS"] = info.address
    yield info
