"""The conformance suite through ``service:`` keystores: a real ``hukspy serve`` on the software
keystore, on swtpm and on a SoftHSM2 token; every call crosses the socket."""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator

import pytest
from _require import unavailable

from hukspy.testing.conformance import KeystoreConformanceTests
from hukspy.testing.service import ServiceProcess, service_dirs


class _ThroughTheService(KeystoreConformanceTests):
    @pytest.fixture
    def ua(self) -> None:
        # UserAuthTests drive the credential in-process (a FakeClock, reset_user_auth on the records),
        # which a client of the service cannot reach; tests/service/test_service_uids.py checks user
        # auth through the service. Skipped, not passed, so the gap shows in every run.
        pytest.skip("UserAuthTests need the credential in-process (FakeClock, reset_user_auth)")

    @pytest.fixture
    def pin_ua(self) -> None:
        # AuthKeyTests likewise put the keystore's UserAuth on a FakeClock and reset its records; the
        # token path through the service is tests/service/test_service_uids.py's.
        pytest.skip("AuthKeyTests need the credential in-process (FakeClock, reset_user_auth)")

    def test_HUKS_Cipher_AuthToken_3200_no_credential_is_12000013_and_always_valid_is_not(
        self,
    ) -> None:
        pytest.skip("resets the credential's records in-process (reset_user_auth)")


class TestServiceSoftwareConformance(_ThroughTheService):
    @pytest.fixture
    def keystore_uri(self, software_service: ServiceProcess) -> str:
        return software_service.uri


@pytest.fixture(scope="module")
def tpm2_service() -> Iterator[ServiceProcess]:
    try:
        from hukspy_tpm2.testing import SwtpmUnavailableError, swtpm_instance
    except ImportError as exc:
        unavailable("tpm2", f"the TPM backend is not installed: {exc}")
    try:
        cm = swtpm_instance()
        inst = cm.__enter__()
    except SwtpmUnavailableError as exc:
        unavailable("tpm2", str(exc))
    sock, home = service_dirs()
    service = ServiceProcess(inst.uri, sock, home)
    try:
        service.start()
        yield service
    finally:
        service.stop()
        shutil.rmtree(home.parent, ignore_errors=True)
        cm.__exit__(None, None, None)


class TestServiceTpm2Conformance(_ThroughTheService):
    @pytest.fixture
    def keystore_uri(self, tpm2_service: ServiceProcess) -> str:
        return tpm2_service.uri


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
    sock, home = service_dirs()
    service = ServiceProcess(uri, sock, home, env={"HUKSPY_PIN": token.pin, "SOFTHSM2_CONF": token.conf})
    try:
        service.start()
        yield service
    finally:
        service.stop()
        shutil.rmtree(home.parent, ignore_errors=True)
        cm.__exit__(None, None, None)


class TestServicePkcs11Conformance(_ThroughTheService):
    @pytest.fixture
    def keystore_uri(self, pkcs11_service: ServiceProcess) -> str:
        return pkcs11_service.uri
