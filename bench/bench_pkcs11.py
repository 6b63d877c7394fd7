"""hukspy over SoftHSM2 vs python-pkcs11 direct, on the same token and the same key objects.

    .venv/bin/python bench/bench_pkcs11.py [--seconds 1] [--repeat 3] [--threads 1,2,4] [--uri 'pkcs11:...']

Without ``--uri`` a fresh SoftHSM2 token is provisioned in a temp dir (hukspy_pkcs11.testing). For each
operation (ECDSA P-256 sign with SHA-256, RSA-2048 PKCS#1 v1.5 SHA-256 sign, AES-256-GCM encrypt 1 KiB,
HMAC-SHA256 1 KiB) it prints ops/s of hukspy (``init_session`` + ``finish_session``) and of
python-pkcs11 on the same key object (each thread its own session, the module re-initialised with OS
locking as hukspy does), with 1, 2 and 4 threads (``--threads``), and the ratio hukspy/raw: medians of
``--repeat`` turns, hukspy and raw alternating. Then, per operation, the N-thread/1-thread scaling of
both, and the load average before and after. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pkcs11
from bench_common import load_average
from hukspy_pkcs11._native import load
from hukspy_pkcs11.testing import softhsm_token
from hukspy_pkcs11.token import parse_uri
from pkcs11 import Mechanism, ObjectClass

import hukspy
from hukspy import HuksCipherMode as M
from hukspy import HuksKeyAlg as A
from hukspy import HuksKeyDigest as D
from hukspy import HuksKeyPadding as Pad
from hukspy import HuksKeyPurpose as Pu
from hukspy import HuksTag as T
from hukspy.testing import P, options

KIB = bytes(range(256)) * 4
NONCE = bytes(12)

CASES = {
    "ECDSA P-256 sign": (
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_KEY_SIZE, 256),
         P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN | Pu.HUKS_KEY_PURPOSE_VERIFY),
         P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN),
         P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
        b"message to sign" * 4, ObjectClass.PRIVATE_KEY,
    ),
    "RSA-2048 sign": (
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA), P(T.HUKS_TAG_KEY_SIZE, 2048),
         P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN | Pu.HUKS_KEY_PURPOSE_VERIFY),
         P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_PKCS1_V1_5)),
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_SIGN),
         P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_PKCS1_V1_5)),
        b"message to sign" * 4, ObjectClass.PRIVATE_KEY,
    ),
    "AES-GCM 1 KiB": (
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_KEY_SIZE, 256),
         P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT | Pu.HUKS_KEY_PURPOSE_DECRYPT)),
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_ENCRYPT),
         P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_GCM), P(T.HUKS_TAG_PADDING, Pad.HUKS_PADDING_NONE),
         P(T.HUKS_TAG_NONCE, NONCE)),
        KIB, ObjectClass.SECRET_KEY,
    ),
    "HMAC-SHA256 1 KiB": (
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_KEY_SIZE, 256),
         P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC), P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
        (P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC), P(T.HUKS_TAG_PURPOSE, Pu.HUKS_KEY_PURPOSE_MAC),
         P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256)),
        KIB, ObjectClass.SECRET_KEY,
    ),
}


def raw_call(name: str, key: object) -> Callable[[bytes], bytes]:
    """The python-pkcs11 call that does what hukspy does for ``name`` (ECDSA hashes on the host)."""
    if name.startswith("ECDSA"):
        return lambda data: key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)  # type: ignore[attr-defined]
    if name.startswith("RSA"):
        return lambda data: key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)  # type: ignore[attr-defined]
    if name.startswith("AES"):
        param = pkcs11.GCMParams(NONCE, b"", 128)
        return lambda data: key.encrypt(data, mechanism=Mechanism.AES_GCM, mechanism_param=param)  # type: ignore[attr-defined]
    return lambda data: key.sign(data, mechanism=Mechanism.SHA256_HMAC)  # type: ignore[attr-defined]


def rate(threads: int, seconds: float, make: Callable[[], Callable[[], object]]) -> float:
    """Total ops/s of ``threads`` threads, each running the callable ``make()`` returns."""
    counts = [0] * threads
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(i: int) -> None:
        fn = make()
        fn()  # warm-up (caches, sessions)
        start.wait()
        n = 0
        while not stop.is_set():
            fn()
            n += 1
        counts[i] = n

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


@contextmanager
def token_uri(uri: str | None) -> Iterator[str]:
    if uri:
        yield uri
        return
    with softhsm_token(label="bench") as tok:
        yield tok.uri


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="seconds per cell and turn")
    ap.add_argument("--repeat", type=int, default=3, help="turns per cell (medians are printed)")
    ap.add_argument("--threads", default="1,2,4", help="thread counts, comma-separated")
    ap.add_argument("--uri", default=None)
    args = ap.parse_args()
    counts = [int(n) for n in args.threads.split(",")]
    before = load_average()
    with ExitStack() as stack:
        uri = stack.enter_context(token_uri(args.uri))
        ks = stack.enter_context(hukspy.Keystore(uri, session_limit=64))
        parsed = parse_uri(uri.partition(":")[2])
        token = load(parsed.module_path).lib.get_token(token_label=parsed.token)
        rows = []
        for name, (gen, init, data, cls) in CASES.items():
            alias = f"bench-{name}"
            ks.generate_key_item(alias, options(*gen))

            def hukspy_op(init: tuple[hukspy.HuksParam, ...] = init, alias: str = alias,
                          data: bytes = data) -> Callable[[], object]:
                opts = options(*init)
                fin = options(*init, in_data=data)
                return lambda: ks.finish_session(ks.init_session(alias, opts).handle, fin)

            def raw_op(name: str = name, alias: str = alias, data: bytes = data,
                       cls: ObjectClass = cls) -> Callable[[], object]:
                session = token.open(rw=True)  # logged in already (hukspy's login is per process)
                key = session.get_key(object_class=cls, label=alias)
                call = raw_call(name, key)
                return lambda: call(data)

            for threads in counts:
                hs, rs = [], []
                for _ in range(args.repeat):
                    hs.append(rate(threads, args.seconds, hukspy_op))
                    rs.append(rate(threads, args.seconds, raw_op))
                ratio = statistics.median(h / r for h, r in zip(hs, rs, strict=True))
                rows.append((name, threads, statistics.median(hs), statistics.median(rs), ratio))
            ks.delete_key_item(alias, options())
    print(f"hukspy over SoftHSM2 vs python-pkcs11, {args.seconds:g} s per cell and turn, medians of "
          f"{args.repeat} turns")
    print(f"before: {before}; after: {load_average()}")
    print(f"{'operation':<20} {'threads':>7} {'hukspy ops/s':>13} {'raw ops/s':>11} {'hukspy/raw':>10} "
          f"{'+µs/op (1 thr)':>15}")
    for name, threads, h, r, ratio in rows:
        extra = f"{(1 / h - 1 / r) * 1e6:15.1f}" if threads == 1 else ""
        print(f"{name:<20} {threads:>7} {h:>13,.0f} {r:>11,.0f} {ratio:>10.2f} {extra}")
    print("scaling, N threads / 1 thread (hukspy | raw):")
    for name in CASES:
        by = {t: (h, r) for n, t, h, r, _ in rows if n == name}
        if 1 in by:
            parts = [f"{t}: {by[t][0] / by[1][0]:.2f}x | {by[t][1] / by[1][1]:.2f}x"
                     for t in counts if t != 1]
            print(f"  {name:<20} " + ", ".join(parts))


if __name__ == "__main__":
    main()
