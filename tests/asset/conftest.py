"""Fixtures of the ASSET tests.

``keystore``: a keystore on the project's parametrised ``keystore_uri`` from ``tests/conftest.py`` when
it exists (software, PKCS#11, TPM: the same suite runs over every keystore; a TPM keystore is opened
with ``?fallback=sealed`` because the TPM has no AES-GCM), else the project's ``keystore``, else the URI
in ``$HUKSPY_ASSET_TEST_KEYSTORE``, else a software keystore in a temp dir.
``store``: a fresh :class:`AssetStore` (own directory, unique owner) on that keystore, closed afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import asset


def _parent_provides(fixture: str) -> bool:
    parent = Path(__file__).resolve().parents[1] / "conftest.py"
    return parent.exists() and re.search(rf"def {fixture}\b", parent.read_text()) is not None


def asset_uri(uri: str) -> str:
    """The keystore URI the asset store needs: a TPM has no AES-GCM, so its keys are sealed keys."""
    if uri.startswith("tpm2:") and "fallback=sealed" not in uri:
        return uri + ("&" if "?" in uri else "?") + "fallback=sealed"
    return uri


if _parent_provides("keystore_uri"):

    @pytest.fixture
    def keystore(keystore_uri: str) -> Iterator[hukspy.Keystore]:
        with hukspy.Keystore(asset_uri(keystore_uri)) as ks:
            yield ks

elif not _parent_provides("keystore"):

    @pytest.fixture(scope="session")
    def keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hukspy.Keystore]:
        uri = os.environ.get("HUKSPY_ASSET_TEST_KEYSTORE") or "software:" + str(
            tmp_path_factory.mktemp("asset-keystore")
        )
        ks = hukspy.Keystore(asset_uri(uri))
        yield ks
        ks.close()


@pytest.fixture
def owner() -> str:
    return f"test.app-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> Iterator[asset.AssetStore]:
    with asset.AssetStore(tmp_path / "asset", keystore, owner) as st:
        yield st
