"""hukspy on the software keystore vs pyca/cryptography direct, in the same run.

Prints ops/s for each and the ratio hukspy/raw (1.0 = no overhead). Not a test: nothing is asserted.

    .venv/bin/python bench/bench_core.py [--seconds 2] [--keystore URI]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

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


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after a short warm-up)."""
    for _ in range(20):
        fn()
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        n += 50
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def props(*pairs: tuple[int, int | bytes | bool]) -> list[HuksParam]:
    return [HuksParam(t, v) for t, v in pairs]


def one_shot(ks: hukspy.Keystore, alias: str, p: list[HuksParam], data: bytes) -> bytes:
    h = ks.init_session(alias, HuksOptions(properties=p))
    return ks.finish_session(h, HuksOptions(in_data=data)).out_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--keystore", default=None, help="keystore URI (default: a temp software keystore)")
    args = ap.parse_args()
    uri = args.keystore or "software:" + tempfile.mkdtemp(prefix="hukspy-bench-")
    rows: list[tuple[str, float, float]] = []
    with hukspy.Keystore(uri) as ks:
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
        rows.append(
            (
                "ECDSA P-256 sign",
                rate(lambda: one_shot(ks, "bench-ecc", ecc_sign, DATA[:32]), args.seconds),
                rate(lambda: raw_ec.sign(DATA[:32], ec.ECDSA(hashes.SHA256())), args.seconds),
            )
        )
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
        rows.append(
            (
                "RSA-2048 sign",
                rate(lambda: one_shot(ks, "bench-rsa", rsa_p, DATA[:32]), args.seconds),
                rate(lambda: raw_rsa.sign(DATA[:32], padding.PKCS1v15(), hashes.SHA256()), args.seconds),
            )
        )
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
        rows.append(
            (
                "AES-256-GCM encrypt 1 KiB",
                rate(lambda: one_shot(ks, "bench-aes", gcm_init, DATA), args.seconds),
                rate(lambda: raw_gcm.encrypt(nonce, DATA, None), args.seconds),
            )
        )
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

        rows.append(
            (
                "HMAC-SHA256 1 KiB",
                rate(lambda: one_shot(ks, "bench-hmac", mac, DATA), args.seconds),
                rate(raw_hmac, args.seconds),
            )
        )
        # ML-DSA-65 sign 1 KiB (issue 15)
        dsa = props(
            (T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ML_DSA),
            (T.HUKS_TAG_KEY_SIZE, 65),
            (T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY),
        )
        ks.generate_key_item("bench-mldsa", HuksOptions(properties=dsa))
        dsa_sign = [dsa[0], HuksParam(T.HUKS_TAG_PURPOSE, P.HUKS_KEY_PURPOSE_SIGN)]
        raw_dsa = mldsa.MLDSA65PrivateKey.generate()
        rows.append(
            (
                "ML-DSA-65 sign 1 KiB",
                rate(lambda: one_shot(ks, "bench-mldsa", dsa_sign, DATA), args.seconds),
                rate(lambda: raw_dsa.sign(DATA), args.seconds),
            )
        )
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
        rows.append(
            (
                "ML-KEM-768 decapsulate",
                rate(lambda: ks.decapsulate("bench-mlkem", [], kem_ct), args.seconds),
                rate(lambda: raw_kem.decapsulate(raw_ct), args.seconds),
            )
        )
        backend = ks.backend_name
    print(f"hukspy ({backend}) vs pyca/cryptography direct, 1 thread, {args.seconds:g} s per cell")
    print(f"{'operation':<28}{'hukspy ops/s':>14}{'raw ops/s':>14}{'ratio':>8}")
    for name, ours, raw in rows:
        print(f"{name:<28}{ours:>14,.0f}{raw:>14,.0f}{ours / raw:>8.2f}")


if __name__ == "__main__":
    main()
