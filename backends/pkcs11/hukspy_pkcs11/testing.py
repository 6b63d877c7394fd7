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
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

__all__ = ["SoftHsmUnavailableError", "TokenInfo", "find_softhsm_module", "softhsm_token"]

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
