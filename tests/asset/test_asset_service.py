"""The ASSET tests that need nothing but a store, run through the keystore service (docs/service.md):
each gets an ``AssetStore(keystore=Keystore("service:..."))`` of a fresh owner on one real
``hukspy serve`` (software keystore), so every add, query, update and remove crosses the socket and
runs in the service. The tests are those of test_asset_semantics.py and test_asset_checks.py whose only
argument is ``store`` and that do not read the database behind the store's back (``db_exec``,
``store._db``): the ones that open stores by path or reach the database directly stay in-process."""

from __future__ import annotations

import inspect
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_asset_checks
import test_asset_semantics

import hukspy
from hukspy import asset
from hukspy.testing.service import ServiceProcess

for _module in (test_asset_semantics, test_asset_checks):
    for _name, _fn in list(vars(_module).items()):
        if _name.startswith("test_") and inspect.isfunction(_fn) \
                and list(inspect.signature(_fn).parameters) == ["store"] \
                and not any(direct in inspect.getsource(_fn) for direct in ("db_exec", "._db", ".path")):
            globals()[f"test_service_{_module.__name__.removeprefix('test_asset_')}_{_name[5:]}"] = _fn


@pytest.fixture(scope="module")
def asset_service() -> Iterator[ServiceProcess]:
    base = Path(tempfile.mkdtemp(prefix="hukspy-asset-svc-"))
    sock = base / "run" / "hukspy.sock"
    service = ServiceProcess(f"software:{base / 'state' / 'keys'}", sock, base / "state")
    service.start()
    yield service
    service.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def store(asset_service: ServiceProcess) -> Iterator[asset.AssetStore]:
    with hukspy.Keystore(asset_service.uri) as ks, \
            asset.AssetStore(keystore=ks, owner=f"test.app-{uuid.uuid4().hex[:12]}") as st:
        assert type(st).__name__ == "ServiceAssetStore"
        yield st
