"""Several processes on one TPM without a hukspy service: ``tpm2:tabrmd:`` through tpm2-abrmd in front
of a fresh swtpm (``hukspy_tpm2.testing.tabrmd_instance``), docs/fleet.md.

- the 4-process ASSET test of test_asset_concurrency.py, over the resource manager;
- a keystore opened in another process flushes nothing of this process's TPM objects (the open flushes
  stale handles, which over a resource manager are only the connection's own), where the same open on
  the bare swtpm TCTI does flush them (so the check can fail).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_asset_concurrency import test_four_processes_lose_no_write as four_processes_lose_no_write

import hukspy
from hukspy.asset import AssetStore

tpm2_pytss = pytest.importorskip("tpm2_pytss")
testing = pytest.importorskip("hukspy_tpm2.testing")

if TYPE_CHECKING:
    from hukspy_tpm2.testing import TabrmdInstance


@pytest.fixture(scope="module")
def tabrmd() -> Iterator[TabrmdInstance]:
    """swtpm behind tpm2-abrmd; fails (never skips) under ``HUKSPY_REQUIRE=tpm2`` when it cannot run."""
    try:
        with testing.tabrmd_instance() as inst:
            yield inst
    except testing.SwtpmUnavailableError as exc:
        if testing.require_tpm2():
            pytest.fail(f"HUKSPY_REQUIRE names tpm2, but tpm2-abrmd cannot run here: {exc}", pytrace=False)
        pytest.skip(f"tpm2-abrmd unavailable: {exc}")


def test_four_processes_lose_no_write_over_tabrmd(
    tabrmd: TabrmdInstance, tmp_path: Path, owner: str, request: pytest.FixtureRequest
) -> None:
    with hukspy.Keystore(tabrmd.uri + "?fallback=sealed") as ks:
        four_processes_lose_no_write(tmp_path / "asset", ks, owner, request)
        with AssetStore(tmp_path / "asset", ks, owner) as st:
            assert len(st.query({})) == 4 * 60  # the shared checks ran (they skip nothing here)


OPEN_ELSEWHERE = textwrap.dedent(
    """
    import sys
    import hukspy
    with hukspy.Keystore(sys.argv[1]) as ks:
        assert ks.backend_name == "tpm2"
    """
)


def _transient_survives_open_elsewhere(tcti: str, uri: str) -> bool:
    """Create a transient primary key on ``tcti``, open ``uri`` in another process, and tell whether the
    key is still loaded for this connection afterwards."""
    from tpm2_pytss import ESAPI, TCTILdr, TSS2_Exception
    from tpm2_pytss.types import TPM2B_PUBLIC

    name, _, conf = tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as ectx:
        handle = ectx.create_primary(None, TPM2B_PUBLIC.parse("ecc256"))[0]
        ectx.read_public(handle)
        proc = subprocess.run(
            [sys.executable, "-c", OPEN_ELSEWHERE, uri], capture_output=True, text=True, timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        try:
            ectx.read_public(handle)
        except TSS2_Exception:
            return False
        ectx.flush_context(handle)
        return True


def test_an_open_elsewhere_flushes_nothing_of_ours_over_tabrmd(tabrmd: TabrmdInstance) -> None:
    assert _transient_survives_open_elsewhere(tabrmd.tcti, tabrmd.uri)


def test_an_open_elsewhere_flushes_ours_on_the_bare_swtpm_tcti() -> None:
    """The contrast (docs/tpm2.md): without a resource manager the other process's open flushes every
    transient object in the TPM, ours included."""
    try:
        with testing.swtpm_instance() as tpm:
            assert not _transient_survives_open_elsewhere(tpm.tcti, tpm.uri)
    except testing.SwtpmUnavailableError as exc:
        if testing.require_tpm2():
            pytest.fail(f"HUKSPY_REQUIRE names tpm2, but swtpm cannot run here: {exc}", pytrace=False)
        pytest.skip(f"swtpm unavailable: {exc}")
