"""ASSET throughput as the store grows: ops/s at 1k, 10k and 100k assets in one store.

    .venv/bin/python bench/bench_asset.py                       # software keystore in a temp dir
    .venv/bin/python bench/bench_asset.py --keystore 'pkcs11:token=...?module-path=...&pin-value=...'
    .venv/bin/python bench/bench_asset.py --sizes 1000,10000 --ops 200

For each size the store is filled (with batch_add, 100 per call) and then measured:
add (a new alias each time), query by alias with RETURN_TYPE=ATTRIBUTES and with ALL (decrypts through
the keystore), a page of 100 at offset 0, and a page of 100 at a random offset (SQLite walks the rows
before an offset, so this one grows with the size). Flat ops/s across sizes means a flat per-operation
cost. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import hukspy
from hukspy import asset

T = asset.Tag


def rate(n: int, fn: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def measure(st: asset.AssetStore, count: int, added: int, ops: int, rng: random.Random) -> list[float]:
    """ops/s of: add, query attrs by alias, query ALL by alias, page at 0, page at a random offset."""

    def add(i: int) -> None:
        st.add({T.SECRET: secrets.token_bytes(32), T.ALIAS: f"added-{added + i}".encode()})

    aliases = [f"fill-{rng.randrange(count)}".encode() for _ in range(ops)]
    pages = max(1, ops // 5)
    offsets = [rng.randrange(max(1, count - 100)) for _ in range(pages)]
    return [
        rate(ops, add),
        rate(ops, lambda i: st.query({T.ALIAS: aliases[i]})),
        rate(ops, lambda i: st.query({T.ALIAS: aliases[i], T.RETURN_TYPE: asset.ReturnType.ALL})),
        rate(pages, lambda i: st.query({T.RETURN_LIMIT: 100})),
        rate(pages, lambda i: st.query({T.RETURN_LIMIT: 100, T.RETURN_OFFSET: offsets[i]})),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keystore", help="keystore URI (default: software keystore in a temp dir)")
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated store sizes")
    ap.add_argument("--ops", type=int, default=500, help="operations per measurement")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-asset-"))
    uri = args.keystore or f"software:{tmp / 'keystore'}"
    rng = random.Random(1)
    try:
        with hukspy.Keystore(uri) as ks, asset.AssetStore(tmp / "asset", ks, "bench.app") as st:
            print(f"keystore: {ks.backend_name} ({uri.split('?')[0]})")
            header = (
                f"{'assets':>7} | {'fill/s':>7} | {'add/s':>7} | {'query attrs/s':>13} | "
                f"{'query ALL/s':>11} | {'page@0/s':>8} | {'page@rand/s':>11}"
            )
            print(header)
            print("-" * len(header))
            count = 0
            added = 0
            for size in sizes:
                start = time.perf_counter()
                first = count
                while count < size:
                    n = min(100, size - count)
                    st.batch_add(
                        [
                            {
                                T.SECRET: secrets.token_bytes(32),
                                T.ALIAS: f"fill-{count + i}".encode(),
                                T.DATA_LABEL_NORMAL_1: f"{(count + i) % 97}".encode(),
                            }
                            for i in range(n)
                        ]
                    )
                    count += n
                fill = (count - first) / (time.perf_counter() - start)

                row = measure(st, count, added, args.ops, rng)
                added += args.ops
                print(
                    f"{size:>7} | {fill:>7.0f} | {row[0]:>7.0f} | {row[1]:>13.0f} | "
                    f"{row[2]:>11.0f} | {row[3]:>8.0f} | {row[4]:>11.0f}",
                    flush=True,
                )
            total = sum(f.stat().st_size for f in (tmp / "asset").iterdir())
            print(f"database files: {total / 1e6:.1f} MB for {count + added} assets")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
