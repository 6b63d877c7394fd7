"""Three "hosts" on one ASSET store: one PostgreSQL database and one SoftHSM2 token (docs/asset.md,
"PostgreSQL").

Each host is a process with its own ``HUKSPY_HOME`` that opens the shared token (provisioned once, its
URI given in ``$HUKSPY_KEYSTORE``, never on a command line) and the shared database. They start
together (a start file), use one owner, and each does a bounded, counted workload:

- 40 adds of its own aliases (the first ones race to create the owner's store key on the token),
  30 secret updates, 10 removes, a batch_add of 5 more, queries of its own rows and of the others';
- for each of 10 shared aliases, an ``add`` with THROW_ERROR that every host tries at once: exactly one
  host must win each (the others get 24000003), so writers collide on nothing.

A fourth process then checks the exact final state: every surviving write is there with the last
secret written, every removed one is gone, each shared alias holds its one winner's secret, and every
secret decrypts (so all hosts used the same key).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from asset_sql import pg_schema_url

HOSTS = 3
OWN, UPDATED, REMOVED, BATCH, SHARED = 40, 30, 10, 5, 10

HOST = (
    textwrap.dedent(
        """
    import json, os, sys, time
    from hukspy import asset
    T = asset.Tag
    url, owner, name, go = sys.argv[1:5]
    deadline = time.monotonic() + 120
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("the start file never appeared")
        time.sleep(0.01)
    done = {"add": 0, "update": 0, "remove": 0, "batch_add": 0, "query": 0, "wins": []}
    with asset.AssetStore(url, None, owner) as st:
        for i in range(OWN):
            st.add({T.SECRET: f"{name}-{i}-v0".encode(), T.ALIAS: f"{name}-{i}".encode(),
                    T.DATA_LABEL_NORMAL_1: name.encode()})
            done["add"] += 1
            if i < SHARED:
                try:
                    st.add({T.SECRET: f"shared-{i}-{name}".encode(), T.ALIAS: f"shared-{i}".encode()})
                    done["wins"].append(i)
                except asset.AssetError as exc:
                    if exc.code != 24000003:
                        raise
        for i in range(UPDATED):
            st.update({T.ALIAS: f"{name}-{i}".encode()}, {T.SECRET: f"{name}-{i}-v1".encode()})
            done["update"] += 1
        for i in range(UPDATED, OWN):
            st.remove({T.ALIAS: f"{name}-{i}".encode()})
            done["remove"] += 1
        res = st.batch_add([{T.SECRET: f"{name}-b{i}".encode(), T.ALIAS: f"{name}-b{i}".encode(),
                             T.DATA_LABEL_NORMAL_1: name.encode()} for i in range(BATCH)])
        assert res.failed_count == 0, res
        done["batch_add"] += BATCH
        mine = st.query({T.DATA_LABEL_NORMAL_1: name.encode()})
        assert len(mine) == UPDATED + BATCH, len(mine)
        for other in ("host0", "host1", "host2"):
            try:  # whatever another host has written so far decrypts here: one key for the fleet
                (row,) = st.query({T.ALIAS: f"{other}-0".encode(), T.RETURN_TYPE: asset.ReturnType.ALL})
                assert row[T.SECRET] in (f"{other}-0-v0".encode(), f"{other}-0-v1".encode())
                done["query"] += 1
            except asset.AssetError as exc:
                if exc.code != 24000002:
                    raise
    print(json.dumps(done))
    """
    )
    .replace("OWN", str(OWN))
    .replace("UPDATED", str(UPDATED))
    .replace("SHARED", str(SHARED))
    .replace("BATCH", str(BATCH))
)

CHECK = textwrap.dedent(
    """
    import json, sys
    from hukspy import asset
    T = asset.Tag
    url, owner = sys.argv[1:3]
    with asset.AssetStore(url, None, owner) as st:
        rows = st.query({})
        ALL = {T.RETURN_TYPE: asset.ReturnType.ALL}
        every = {r[T.ALIAS]: st.query({T.ALIAS: r[T.ALIAS], **ALL}) for r in rows}
    secrets = {alias.decode(): got[0][T.SECRET].decode() for alias, got in every.items()}
    print(json.dumps(secrets))
    """
)


@pytest.fixture(scope="module")
def fleet_token() -> Iterator[str]:
    """The URI of a SoftHSM2 token made once for the fleet (fails under ``HUKSPY_REQUIRE`` naming
    pkcs11 when SoftHSM2 cannot run, else skips)."""
    required = {n.strip() for n in os.environ.get("HUKSPY_REQUIRE", "").split(",")}
    try:
        from hukspy_pkcs11.testing import softhsm_token

        with softhsm_token(label="asset-fleet") as token:
            yield str(token.uri)
    except (ImportError, FileNotFoundError) as exc:
        if required & {"pkcs11", "all"}:
            pytest.fail(f"HUKSPY_REQUIRE names pkcs11, but SoftHSM2 cannot run: {exc}", pytrace=False)
        pytest.skip(f"SoftHSM2 unavailable: {exc}")


def test_three_hosts_lose_no_write(postgres_url: str, fleet_token: str, tmp_path: Path) -> None:
    url = pg_schema_url(postgres_url)
    owner = "fleet.app"
    go = tmp_path / "go"
    procs = []
    for h in range(HOSTS):
        home = tmp_path / f"home{h}"
        home.mkdir()
        env = {**os.environ, "HUKSPY_HOME": str(home), "HUKSPY_KEYSTORE": fleet_token}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", HOST, url, owner, f"host{h}", str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    go.touch()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-3000:]
        done.append(json.loads(out))
    for d in done:  # every call of every host returned
        assert (d["add"], d["update"], d["remove"], d["batch_add"]) == (OWN, UPDATED, REMOVED, BATCH)
    wins = sorted(i for d in done for i in d["wins"])
    assert wins == list(range(SHARED))  # each shared alias: exactly one winner

    env = {**os.environ, "HUKSPY_HOME": str(tmp_path / "checker"), "HUKSPY_KEYSTORE": fleet_token}
    out = subprocess.run(
        [sys.executable, "-c", CHECK, url, owner], env=env, capture_output=True, timeout=600, check=False
    )
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    expected = {f"host{h}-{i}": f"host{h}-{i}-v1" for h in range(HOSTS) for i in range(UPDATED)}
    expected |= {f"host{h}-b{i}": f"host{h}-b{i}" for h in range(HOSTS) for i in range(BATCH)}
    expected |= {f"shared-{i}": f"shared-{i}-host{h}" for h, d in enumerate(done) for i in d["wins"]}
    assert json.loads(out.stdout) == expected
