"""The conformance suite through ``service:`` keystores: a real service process on the software
keystore, on swtpm and on a SoftHSM2 token; every call crosses the socket.

The user-auth parts (``UserAuthTests``, ``AuthKeyTests``, HUKS_Cipher_AuthToken_3200) move a fake
clock and drop the credential's records between tests. Nothing a client of ``hukspy serve`` sends can
do either, so the services here are the test server of ``hukspy.testing.service_hooks``
(``ServiceProcess(..., test_hooks=True)``): ``hukspy serve``'s server, whose user-auth clock is read
from a file this test writes (the ``clock``/``auth_clock`` fixtures are ``FileFakeClock``s on it; the
machine's clocks while no test holds one) and which answers three test-only calls for the caller's
own credential (``reset_user_auth``, ``user_auth_state``, ``forge_token``: the suite's in-process
helpers dispatch to them for a ``service:`` keystore). The PIN checks, the wrong-PIN schedule, the
lock state, the tokens and every key's auth check still run in the service, on its records.
``test_hukspy_serve_answers_no_test_call`` checks that a production ``hukspy serve`` refuses the
test-only target (the connection is closed: 12000005).

``TestServiceSoftwareUidConformance`` and ``TestServiceTpm2UidConformance`` run the same suite on a test
server started with ``no_admins`` (``hukspy.testing.service_hooks``, ``--no-admins``): the test process
is then an ordinary uid, not an administrator, so every call takes the per-uid path (its own key
namespace ``uid:<uid>``, its own PIN credential); each test's connection checks the handshake said
``"admin": False``.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from _require import unavailable

from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.testing.conformance import KeystoreConformanceTests
from hukspy.testing.service import ServiceProcess, service_dirs, service_hook
from hukspy.testing.userauth import FakeClock, FileFakeClock


class _ThroughTheService(KeystoreConformanceTests):
    @pytest.fixture
    def service(self) -> ServiceProcess:
        raise NotImplementedError  # each backend's class gives its service

    @pytest.fixture
    def keystore_uri(self, service: ServiceProcess) -> str:
        return service.uri

    @pytest.fixture
    def clock(self, service: ServiceProcess) -> Iterator[FakeClock]:
        """UserAuthTests' clock: the service's, through its clock file."""
        clock = FileFakeClock(service.clock_file)
        yield clock
        clock.remove()

    @pytest.fixture
    def auth_clock(self, service: ServiceProcess) -> Iterator[FakeClock]:
        """AuthKeyTests' clock, likewise."""
        clock = FileFakeClock(service.clock_file)
        yield clock
        clock.remove()


@pytest.fixture(scope="module")
def hooked_software_service() -> Iterator[ServiceProcess]:
    sock, home = service_dirs()
    service = ServiceProcess(f"software:{home / 'keys'}", sock, home, test_hooks=True)
    service.start()
    yield service
    service.stop()
    shutil.rmtree(home.parent, ignore_errors=True)


class TestServiceSoftwareConformance(_ThroughTheService):
    @pytest.fixture
    def service(self, hooked_software_service: ServiceProcess) -> ServiceProcess:
        return hooked_software_service


@pytest.fixture(scope="module")
def uid_software_service() -> Iterator[ServiceProcess]:
    """A software test server that counts no uid as an administrator (``no_admins``)."""
    sock, home = service_dirs()
    service = ServiceProcess(f"software:{home / 'keys'}", sock, home, test_hooks=True, no_admins=True)
    service.start()
    yield service
    service.stop()
    shutil.rmtree(home.parent, ignore_errors=True)


class _AsAnOrdinaryUid(_ThroughTheService):
    """The suite as an ordinary uid of a ``no_admins`` test server (the per-uid path)."""

    def init_keystore(self, uri: str) -> Keystore:
        """A client whose handshake said ``"admin": False``: the service counts it as an ordinary uid."""
        ks = Keystore(uri)
        assert ks._link.info["admin"] is False  # type: ignore[attr-defined]
        return ks


class TestServiceSoftwareUidConformance(_AsAnOrdinaryUid):
    """All but ``SLOW_HERE``."""

    #: Left to TestServiceSoftwareConformance: generating RSA keys of every declared size (70-125 s on
    #: the test machine) runs the same code for an ordinary uid as for an administrator; RSA keys on the
    #: per-uid path are still made and used by the RSA ``test_declared_ops`` and on swtpm.
    SLOW_HERE: Final = frozenset({"test_declared_keys[RSA]"})

    @pytest.fixture
    def service(self, uid_software_service: ServiceProcess) -> ServiceProcess:
        return uid_software_service

    @pytest.fixture(autouse=True)
    def _not_slow_here(self, request: pytest.FixtureRequest) -> None:
        if request.node.name in self.SLOW_HERE:
            pytest.skip("as an administrator only (TestServiceSoftwareConformance): see SLOW_HERE")


@pytest.fixture(scope="module")
def tpm2_service() -> Iterator[ServiceProcess]:
    with _tpm2_service() as service:
        yield service


@contextlib.contextmanager
def _tpm2_service(*, no_admins: bool = False) -> Iterator[ServiceProcess]:
    """A test server of a fresh swtpm (``no_admins``: counting no uid as an administrator)."""
    try:
        from hukspy_tpm2.testing import SwtpmUnavailableError, swtpm_instance
    except ImportError as exc:
        unavailable("tpm2", f"the TPM backend is not installed: {exc}")
    try:
        cm = swtpm_instance()
        inst = cm.__enter__()
    except SwtpmUnavailableError as exc:
        unavailable("tpm2", str(exc))
    try:
        with _running(inst.uri, no_admins=no_admins) as service:
            yield service
    finally:
        cm.__exit__(None, None, None)


@contextlib.contextmanager
def _running(uri: str, **kwargs: Any) -> Iterator[ServiceProcess]:
    """A test server of ``uri`` in fresh directories, stopped and removed afterwards."""
    sock, home = service_dirs()
    service = ServiceProcess(uri, sock, home, test_hooks=True, **kwargs)
    try:
        service.start()
        yield service
    finally:
        service.stop()
        shutil.rmtree(home.parent, ignore_errors=True)


class TestServiceTpm2Conformance(_ThroughTheService):
    @pytest.fixture
    def service(self, tpm2_service: ServiceProcess) -> ServiceProcess:
        return tpm2_service


@pytest.fixture(scope="module")
def uid_tpm2_service() -> Iterator[ServiceProcess]:
    with _tpm2_service(no_admins=True) as service:
        yield service


class TestServiceTpm2UidConformance(_AsAnOrdinaryUid):
    @pytest.fixture
    def service(self, uid_tpm2_service: ServiceProcess) -> ServiceProcess:
        return uid_tpm2_service


@pytest.fixture(scope="module")
def pkcs11_service() -> Iterator[ServiceProcess]:
    """A service on a SoftHSM2 token of its own (label ``service``), logged in with ``$HUKSPY_PIN`` in
    the service's environment (never the PIN on its command line)."""
    try:
        from hukspy_pkcs11.testing import SoftHsmUnavailableError, softhsm_token
    except ImportError as exc:
        unavailable("pkcs11", f"the PKCS#11 backend is not installed: {exc}")
    try:
        cm = softhsm_token(label="service")
        token = cm.__enter__()
    except SoftHsmUnavailableError as exc:
        unavailable("pkcs11", str(exc))
    q = urllib.parse.quote
    uri = f"pkcs11:token={q(token.label, safe='')}?module-path={q(token.module, safe='/')}"
    try:
        with _running(uri, env={"HUKSPY_PIN": token.pin, "SOFTHSM2_CONF": token.conf}) as service:
            yield service
    finally:
        cm.__exit__(None, None, None)


class TestServicePkcs11Conformance(_ThroughTheService):
    @pytest.fixture
    def service(self, pkcs11_service: ServiceProcess) -> ServiceProcess:
        return pkcs11_service


def test_hukspy_serve_answers_no_test_call(software_service: ServiceProcess) -> None:
    """The production service (``hukspy serve``) closes a connection that sends the test-only target:
    nothing resets a credential there; the client's next call connects again."""
    with Keystore(software_service.uri) as ks:
        ks.user_auth.enroll_pin(b"112233")
        try:
            for method in ("reset_user_auth", "user_auth_state"):
                with pytest.raises(HuksError) as ei:
                    service_hook(ks, method)
                assert ei.value.code == 12000005
            assert ks.user_auth.is_pin_set(), "a test call reached the production credential"
        finally:
            ks.user_auth.remove_pin(b"112233")


def test_only_the_test_server_drops_the_administrators(tmp_path: Path) -> None:
    """``--no-admins`` is the test server's: ``hukspy serve`` refuses the option (its own uid and root
    stay administrators), and ``ServiceProcess`` takes ``no_admins`` only with ``test_hooks``."""
    run = subprocess.run(
        [sys.executable, "-m", "hukspy", "serve", "--keystore", f"software:{tmp_path / 'keys'}",
         "--socket", str(tmp_path / "s.sock"), "--no-admins"],
        capture_output=True, timeout=60, check=False,
    )
    assert run.returncode == 2 and b"--no-admins" in run.stderr
    assert not (tmp_path / "s.sock").exists()
    with pytest.raises(ValueError, match="test server"):
        ServiceProcess("software:", tmp_path / "s.sock", tmp_path, no_admins=True)
