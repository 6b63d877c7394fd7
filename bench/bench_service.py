"""The keystore service's cost: each operation of bench_core.py in-process and through ``service:``
(a real ``hukspy serve`` on a software keystore), and the service's throughput with 1, 2 and 4 client
processes. Prints µs per operation (wall clock), the difference (what the socket round trips add), the
ratio, the CPU µs per operation (in-process: the caller's; through the service: the client's plus the
service process's, so the machine's other load does not count), and ops/s.
Not a test: nothing is asserted. The figures of docs/service.md come from this script.

    .venv/bin/python bench/bench_service.py [--seconds 2] [--repeat 3] [--clients 1,2,4] [--only AES,HMAC]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench_common import load_average, props

import hukspy
from hukspy import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksOptions,
    HuksParam,
    HuksTag,
)
from hukspy.testing.service import ServiceProcess

T = HuksTag
P = HuksKeyPurpose
DATA = os.urandom(1024)


#: name → (generate params, init params, input)
OPS: dict[str, tuple[list[HuksParam], list[HuksParam], bytes]] = {}
_ecc = props((T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC), (T.HUKS_TAG_KEY_SIZE, 256),
             (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY),
             (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256))
_ecc_sign = [*_ecc[:2], HuksParam(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN), _ecc[3]]
OPS["ECDSA P-256 sign"] = (_ecc, _ecc_sign, DATA[:32])
_rsa = props((T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), (T.HUKS_TAG_KEY_SIZE, 2048),
             (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN),
             (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
             (T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5))
OPS["RSA-2048 sign"] = (_rsa, _rsa, DATA[:32])
_gcm = props((T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), (T.HUKS_TAG_KEY_SIZE, 256),
             (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT),
             (T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
             (T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE))
OPS["AES-256-GCM encrypt 1 KiB"] = (_gcm, [*_gcm, HuksParam(T.HUKS_TAG_NONCE, os.urandom(12))], DATA)
_mac = props((T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC), (T.HUKS_TAG_KEY_SIZE, 256),
             (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_MAC),
             (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256))
OPS["HMAC-SHA256 1 KiB"] = (_mac, _mac, DATA)


@functools.cache
def alias(name: str) -> str:
    """The key alias of operation ``name`` (computed once: not part of what is timed)."""
    return "bench-" + "".join(c for c in name if c.isalnum())


def prepare(ks: hukspy.Keystore) -> None:
    for name, (gen, _, _) in OPS.items():
        ks.generate_key_item(alias(name), HuksOptions(properties=gen))


def one_shot(ks: hukspy.Keystore, name: str) -> None:
    _, init, data = OPS[name]
    h = ks.init_session(alias(name), HuksOptions(properties=init))
    ks.finish_session(h, HuksOptions(in_data=data))


def us_per_op(
    fn: Callable[[], object], seconds: float, service_pid: int | None = None
) -> tuple[float, float]:
    """Mean wall-clock µs per call of ``fn`` over about ``seconds`` (after a warm-up), and the CPU µs
    per call it took: this thread's, plus the service process's when ``service_pid`` is given (its
    user+system time from /proc, 10 ms ticks: enough over a second of calls)."""
    for _ in range(20):
        fn()
    n, start, cpu, served = 0, time.perf_counter(), time.thread_time(), service_cpu(service_pid)
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = time.perf_counter()
        if now - start >= seconds:
            used = time.thread_time() - cpu + service_cpu(service_pid) - served
            return (now - start) / n * 1e6, used / n * 1e6


def service_cpu(pid: int | None) -> float:
    """Seconds of CPU (user + system, all threads) process ``pid`` used so far; 0 for None."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(uri: str, name: str, seconds: float, threads: int = 1) -> None:
    """One client process of the throughput rows: one-shot ``name`` for ``seconds`` on ``threads``
    threads sharing one ``Keystore``; prints the count."""
    counts = [0] * threads
    with hukspy.Keystore(uri) as ks:
        one_shot(ks, name)
        deadline = time.perf_counter() + seconds

        def loop(i: int) -> None:
            while time.perf_counter() < deadline:
                one_shot(ks, name)
                counts[i] += 1

        workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    print(sum(counts))


def throughput(uri: str, name: str, clients: int, seconds: float, threads: int = 1) -> float:
    """ops/s of ``clients`` client processes (each with ``threads`` threads on one keystore)."""
    procs = [subprocess.Popen([sys.executable, __file__, "--client", uri, name, str(seconds), str(threads)],
                              stdout=subprocess.PIPE) for _ in range(clients)]
    total = sum(int(p.communicate()[0]) for p in procs)
    return total / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--clients", default="1,2,4", help="client counts of the throughput rows ('': none)")
    ap.add_argument("--only", default="", help="comma-separated words: only the operations naming one")
    ap.add_argument("--repeat", type=int, default=3, help="turns per cell (the median is printed)")
    ap.add_argument("--client", nargs=4, metavar=("URI", "OP", "SECONDS", "THREADS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:
        client(args.client[0], args.client[1], float(args.client[2]), int(args.client[3]))
        return
    base = Path(tempfile.mkdtemp(prefix="hukspy-bench-service-"))
    sock = base / "run" / "hukspy.sock"
    service = ServiceProcess(f"software:{base / 'service-keys'}", sock, base / "state")
    service.start()
    try:
        local_uri = f"software:{base / 'local-keys'}"
        with hukspy.Keystore(local_uri) as local, hukspy.Keystore(service.uri) as remote:
            prepare(local)
            prepare(remote)
            print(f"per operation, 1 client, median of {args.repeat} turns of {args.seconds:g} s "
                  "(in-process and service in turns); one-shot = init_session + finish_session")
            print(load_average())
            print(f"{'operation':<28}{'in-process µs':>15}{'service µs':>12}{'added µs':>10}{'ratio':>7}"
                  f"{'CPU in-proc':>13}{'CPU service':>13}{'CPU added':>11}")
            cheap = [("has_key_item (1 call)",
                      lambda ks: ks.has_key_item(alias("HMAC-SHA256 1 KiB"), HuksOptions()))]
            pid = service.proc.pid if service.proc is not None else None
            for name, fn in [*((n, lambda ks, n=n: one_shot(ks, n)) for n in OPS), *cheap]:
                if args.only and not any(word.lower() in name.lower() for word in args.only.split(",")):
                    continue
                turns = [(us_per_op(lambda fn=fn: fn(local), args.seconds),
                          us_per_op(lambda fn=fn: fn(remote), args.seconds, pid)) for _ in range(args.repeat)]
                here = statistics.median(h[0] for h, _ in turns)
                there = statistics.median(t[0] for _, t in turns)
                added = statistics.median(t[0] - h[0] for h, t in turns)
                ratio = statistics.median(t[0] / h[0] for h, t in turns)
                cpu_here = statistics.median(h[1] for h, _ in turns)
                cpu_there = statistics.median(t[1] for _, t in turns)
                print(f"{name:<28}{here:>15,.0f}{there:>12,.0f}{added:>10,.0f}{ratio:>7.2f}"
                      f"{cpu_here:>13,.0f}{cpu_there:>13,.0f}{cpu_there - cpu_here:>11,.0f}")
            print(load_average())
        if not args.clients:
            return
        print(f"\nthroughput through the service, {args.seconds:g} s, one-shot operations (ops/s, all)")
        print(load_average())
        counts = [int(c) for c in args.clients.split(",")]
        print(f"(median of {args.repeat} turns; 'processes': one keystore each; 'threads': of one process "
              "on one keystore)")
        print(f"{'operation':<40}" + "".join(f"{c:>10}" for c in counts) + f"{'2 vs 1':>8}")
        for name in ("RSA-2048 sign", "AES-256-GCM encrypt 1 KiB"):
            for mode in ("processes", "threads"):
                rates = [statistics.median(
                    throughput(service.uri, name, 1 if mode == "threads" else c, args.seconds,
                               c if mode == "threads" else 1) for _ in range(args.repeat)) for c in counts]
                pair = {1, 2} <= set(counts)
                two = f"{rates[counts.index(2)] / rates[counts.index(1)]:>8.2f}" if pair else ""
                print(f"{name + ', ' + mode:<40}" + "".join(f"{r:>10,.0f}" for r in rates) + two)
        print(load_average())
    finally:
        service.stop()


if __name__ == "__main__":
    main()
