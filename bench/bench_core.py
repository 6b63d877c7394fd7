"""hukspy on the software keystore vs pyca/cryptography direct, in the same run.

Prints, as medians of ``--repeat`` turns (hukspy and raw alternate), ops/s for each, the ratio
hukspy/raw (1.0 = no overhead) and the microseconds hukspy adds per call; then the per-session cost
of the facade (AES-GCM 1 KiB ``init_session`` + ``finish_session`` minus pyca's one-shot ``encrypt``)
and the load average before and after. Not a test: nothing is asserted.

    .venv/bin/python bench/bench_core.py [--seconds 1] [--repeat 5] [--clock cpu|wall] [--keystore URI]

``--clock cpu`` (the default) times each cell by the thread's CPU time, so the load of a shared machine
does not count; ``--clock wall`` by the wall clock.

The "fresh nonce" row gives each call a new NONCE in its init options (as an application must): every
call then brings options the facade has not seen before.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

from bench_common import CLOCKS, load_average, paired, props, table
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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

T = HuksTag
P = HuksKeyPurpose
DATA = os.urandom(1024)


def one_shot(ks: hukspy.Keystore, alias: str, p: list[HuksParam], data: bytes) -> bytes:
    h = ks.init_session(alias, HuksOptions(properties=p))
    return ks.finish_session(h, HuksOptions(in_data=data)).out_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="seconds per cell and turn")
    ap.add_argument("--repeat", type=int, default=5, help="turns per cell (medians are printed)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="what the seconds are")
    ap.add_argument("--keystore", default=None, help="keystore URI (default: a temp software keystore)")
    args = ap.parse_args()
    uri = args.keystore or "software:" + tempfile.mkdtemp(prefix="hukspy-bench-")
    before = load_average()
    rows: list[tuple[str, float, float, float, float]] = []
    with hukspy.Keystore(uri) as ks:

        def cell(name: str, ours: Callable[[], object], raw: Callable[[], object]) -> None:
            rows.append((name, *paired(ours, raw, args.seconds, args.repeat, CLOCKS[args.clock])))

        # ECDSA P-256 SHA-256
        ecc = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC),
            (T.HUKS_TAG_KEY_SIZE, 256),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY),
            (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        )
        ks.generate_key_item("bench-ecc", HuksOptions(properties=ecc))
        ecc_sign = [*ecc[:2], HuksParam(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN), ecc[3]]
        raw_ec = ec.generate_private_key(ec.SECP256R1())
        cell("ECDSA P-256 sign",
             lambda: one_shot(ks, "bench-ecc", ecc_sign, DATA[:32]),
             lambda: raw_ec.sign(DATA[:32], ec.ECDSA(hashes.SHA256())))
        # RSA-2048 PKCS#1 v1.5 SHA-256
        rsa_p = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA),
            (T.HUKS_TAG_KEY_SIZE, 2048),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN),
            (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
            (T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS1_V1_5),
        )
        ks.generate_key_item("bench-rsa", HuksOptions(properties=rsa_p))
        raw_rsa = rsa.generate_private_key(65537, 2048)
        cell("RSA-2048 sign",
             lambda: one_shot(ks, "bench-rsa", rsa_p, DATA[:32]),
             lambda: raw_rsa.sign(DATA[:32], padding.PKCS1v15(), hashes.SHA256()))
        # AES-256-GCM encrypt 1 KiB
        gcm = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
            (T.HUKS_TAG_KEY_SIZE, 256),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_ENCRYPT),
            (T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
            (T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
        )
        ks.generate_key_item("bench-aes", HuksOptions(properties=gcm))
        nonce = os.urandom(12)
        gcm_init = [*gcm, HuksParam(T.HUKS_TAG_NONCE, nonce)]
        raw_gcm = AESGCM(AESGCM.generate_key(256))
        cell("AES-256-GCM encrypt 1 KiB",
             lambda: one_shot(ks, "bench-aes", gcm_init, DATA),
             lambda: raw_gcm.encrypt(nonce, DATA, None))
        cell("AES-256-GCM 1 KiB, fresh nonce",
             lambda: one_shot(ks, "bench-aes", [*gcm, HuksParam(T.HUKS_TAG_NONCE, os.urandom(12))], DATA),
             lambda: raw_gcm.encrypt(os.urandom(12), DATA, None))
        # HMAC-SHA256 1 KiB
        mac = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_HMAC),
            (T.HUKS_TAG_KEY_SIZE, 256),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_MAC),
            (T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        )
        ks.generate_key_item("bench-hmac", HuksOptions(properties=mac))
        raw_key = os.urandom(32)

        def raw_hmac() -> bytes:
            h = hmac.HMAC(raw_key, hashes.SHA256())
            h.update(DATA)
            return h.finalize()

        cell("HMAC-SHA256 1 KiB", lambda: one_shot(ks, "bench-hmac", mac, DATA), raw_hmac)
        # ML-DSA-65 sign 1 KiB (issue 15)
        dsa = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ML_DSA),
            (T.HUKS_TAG_KEY_SIZE, 65),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY),
        )
        ks.generate_key_item("bench-mldsa", HuksOptions(properties=dsa))
        dsa_sign = [dsa[0], HuksParam(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN)]
        raw_dsa = mldsa.MLDSA65PrivateKey.generate()
        cell("ML-DSA-65 sign 1 KiB", lambda: one_shot(ks, "bench-mldsa", dsa_sign, DATA),
             lambda: raw_dsa.sign(DATA))
        # ML-KEM-768 decapsulate (issue 15)
        kem = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ML_KEM),
            (T.HUKS_TAG_KEY_SIZE, 768),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_WRAP | P.HUKS_KEY_PURPOSE_UNWRAP),
        )
        ks.generate_key_item("bench-mlkem", HuksOptions(properties=kem))
        kem_ct = ks.encapsulate("bench-mlkem", []).out_data
        raw_kem = mlkem.MLKEM768PrivateKey.generate()
        _, raw_ct = raw_kem.public_key().encapsulate()
        cell("ML-KEM-768 decapsulate", lambda: ks.decapsulate("bench-mlkem", [], kem_ct),
             lambda: raw_kem.decapsulate(raw_ct))
        backend = ks.backend_name
    print(f"hukspy ({backend}) vs pyca/cryptography direct, 1 thread, {args.seconds:g} s ({args.clock}) "
          f"per cell and turn, medians of {args.repeat} turns")
    print(f"before: {before}; after: {load_average()}")
    table(rows)
    gcm_row = next(r for r in rows if r[0] == "AES-256-GCM encrypt 1 KiB")
    print(f"per-session facade cost (AES-GCM 1 KiB init+finish minus pyca one-shot): {gcm_row[4]:.1f} µs")


if __name__ == "__main__":
    main()
