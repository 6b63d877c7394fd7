"""Throughput of 1, 2 and 3 hosts on one token shared through p11-kit (loopback only), docs/fleet.md.

    .venv/bin/python bench/bench_fleet.py [--seconds 3] [--keys 5] [--hosts 1,2,3]

A fresh SoftHSM2 token is served by ``p11-kit server`` on a Unix socket (hukspy_pkcs11.testing.
p11kit_token); each host is a process (tests/backends/fleet_host.py) with its own ``HUKSPY_HOME`` and
one ``Keystore`` through p11-kit-client.so. For N = 1, 2, 3 hosts at once it prints:

- ECDSA P-256 signatures per second (``init_session`` + ``finish_session`` on one key per host, every
  host signing for ``--seconds``), per host and in total;
- keys per second when every host generates ``--keys`` keys and signs once with each.

Then one host on the same token with SoftHSM2 loaded directly (no p11-kit) for the cost of the remoting.
Bounded: every phase lasts ``--seconds`` or ``--keys`` keys per host. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from hukspy_pkcs11.testing import RemoteTokenInfo, p11kit_token

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "backends"))
from fleet_host import Host, without_pin  # after the path is set

MSG = b"message to sign" * 4


def _run(uris: list[str], pin: str, seconds: float, keys: int, base: Path) -> tuple[list[int], float]:
    """Signatures per host in ``seconds``, and keys/s of generate+sign with every host at once."""
    hosts: list[Host] = []
    try:
        for i, uri in enumerate(uris):
            hosts.append(Host(uri, base / f"home-{uuid.uuid4().hex[:8]}-{i}", pin))
        aliases = [f"bench:{uuid.uuid4().hex[:12]}" for _ in hosts]
        for host, alias in zip(hosts, aliases, strict=True):
            host.ok("gen", alias=alias)
            host.ok("sign", alias=alias, msg=MSG.hex())  # warm: the key's record cached, a session made
        for host, alias in zip(hosts, aliases, strict=True):
            host.send("bench", alias=alias, msg=MSG.hex(), seconds=seconds)
        counts = [int(host.ok_reply()) for host in hosts]
        start = time.monotonic()
        prefix = f"bench:{uuid.uuid4().hex[:12]}"
        for i, host in enumerate(hosts):
            host.send("loop", prefix=f"{prefix}:{i}", n=keys, msg=MSG.hex())
        made = [host.ok_reply() for host in hosts]
        elapsed = time.monotonic() - start
        for host, alias, rows in zip(hosts, aliases, made, strict=True):
            for name, _, _ in rows:
                host.ok("delete", alias=name)
            host.ok("delete", alias=alias)
        return counts, len(hosts) * keys / elapsed
    finally:
        for host in hosts:
            host.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--hosts", default="1,2,3", help="the host counts to run, in this order")
    args = parser.parse_args()
    with p11kit_token("fleet-bench") as token, tempfile.TemporaryDirectory() as tmp:
        shared: RemoteTokenInfo = token
        print(f"p11-kit server at {shared.address}; SoftHSM2 {shared.token.module}; "
              f"{args.seconds:g} s of signing and {args.keys} keys per host")
        print(f"{'hosts':<8}{'sign/s per host':>24}{'sign/s total':>14}{'keys/s total':>14}")
        for n in (int(x) for x in args.hosts.split(",")):
            uris = [without_pin(shared.uri)] * n
            counts, keys_per_s = _run(uris, shared.token.pin, args.seconds, args.keys, Path(tmp))
            per_host = " ".join(f"{c / args.seconds:.0f}" for c in counts)
            print(f"{n:<8}{per_host:>24}{sum(counts) / args.seconds:>14.0f}{keys_per_s:>14.1f}")
        direct = [without_pin(shared.token.uri)]
        counts, keys_per_s = _run(direct, shared.token.pin, args.seconds, args.keys, Path(tmp))
        print(f"{'1 direct':<8}{counts[0] / args.seconds:>24.0f}{counts[0] / args.seconds:>14.0f}"
              f"{keys_per_s:>14.1f}   (libsofthsm2.so in the host, no p11-kit)")


if __name__ == "__main__":
    main()
