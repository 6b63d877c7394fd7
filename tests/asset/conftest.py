"""Fixtures of the ASSET tests.

``keystore``: the project's parametrised fixture from ``tests/conftest.py`` when it exists (software,
PKCS#11, TPM: the same suite runs over every keystore), else a software keystore in a temp dir.
``store``: a fresh :class:`AssetStore` (own directory, unique owner) on that keystore, closed afterwards.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import asset


def _parent_provides_keystore() -> bool:
    parent = Path(__file__).resolve().parents[1] / "conftest.py"
    return parent.exists() and re.search(r"def keystore\b", parent.read_text()) is not None


if not _parent_provides_keystore():

    @pytest.fixture(scope="session")
    def keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[hukspy.Keystore]:
        ks = hukspy.Keystore("software:" + str(tmp_path_factory.mktemp("asset-keystore")))
        yield ks
        ks.close()


@pytest.fixture
def owner() -> str:
    return f"test.app-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> Iterator[asset.AssetStore]:
    with asset.AssetStore(tmp_path / "asset", keystore, owner) as st:
        yield st
