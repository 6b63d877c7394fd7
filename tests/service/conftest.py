"""Fixtures of the keystore-service tests: real ``hukspy serve`` processes (``hukspy.testing.service``).

The socket lives in a world-traversable directory (0755) so clients of other uids reach it; the
service's state (``home``) in a 0700 directory of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hukspy.testing.service import ServiceProcess, service_dirs


@pytest.fixture
def make_service() -> Iterator[Callable[..., ServiceProcess]]:
    """``make_service(keystore_uri, config=None)``: a started service on fresh directories; stopped at
    the end of the test."""
    started: list[ServiceProcess] = []

    def make(keystore: str = "", config: str | os.PathLike[str] | None = None) -> ServiceProcess:
        sock, home = service_dirs()
        service = ServiceProcess(keystore or f"software:{home / 'keys'}", sock, home, config)
        started.append(service)
        service.start()
        sock.parent.chmod(0o755)
        return service

    yield make
    for service in started:
        service.stop()
        shutil.rmtree(Path(service.home).parent, ignore_errors=True)


@pytest.fixture(scope="module")
def software_service() -> Iterator[ServiceProcess]:
    """One software-keystore service for a test module."""
    sock, home = service_dirs()
    service = ServiceProcess(f"software:{home / 'keys'}", sock, home)
    service.start()
    yield service
    service.stop()
    shutil.rmtree(home.parent, ignore_errors=True)
