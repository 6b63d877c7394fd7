"""Fixtures of the translated ASSET XTS suites (issue 19): an :class:`hukspy.asset.AssetStore` on a
keystore of every backend.

``keystore_uri`` is the project's parametrised fixture (tests/conftest.py: software, PKCS#11 on
SoftHSM2, TPM 2.0 on swtpm), so tests/xts/conftest.py records each case under its backend. A TPM has no
AES-GCM, so its keystore is opened with ``?fallback=sealed`` (docs/asset.md, "Keystores"), as the ASSET
tests of tests/asset do. Each test gets a fresh store (own directory, own owner): upstream's
``beforeEach`` (``cleanData``, remove everything) is thereby done.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import asset


@pytest.fixture
def asset_keystore(keystore_uri: str) -> Iterator[hukspy.Keystore]:
    """A keystore of the backend of ``keystore_uri`` that an asset store can use (sealed keys on TPM)."""
    uri = keystore_uri
    if uri.startswith("tpm2:") and "fallback=sealed" not in uri:
        uri += ("&" if "?" in uri else "?") + "fallback=sealed"
    with hukspy.Keystore(uri) as ks:
        yield ks


@pytest.fixture
def store(asset_keystore: hukspy.Keystore, tmp_path: Path) -> Iterator[asset.AssetStore]:
    """A fresh, empty store of one application (upstream's app under test), closed afterwards."""
    with asset.AssetStore(tmp_path / "asset", asset_keystore, f"xts.asset-{uuid.uuid4().hex[:12]}") as st:
        yield st
