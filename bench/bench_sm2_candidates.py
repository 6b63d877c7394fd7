# ruff: noqa: E402, N811 - the candidates are imported one by one, after the path set-up
"""The SM2 implementation candidates of docs/decisions.md ("SM2 and SM3"): sign / verify / encrypt /
decrypt of a 1 KiB message (median of N runs, ms) and a timing probe of scalar multiplication with a
low- and a high-Hamming-weight scalar. Run in a throw-away venv that has gmssl, gmalg and snowland-smx
(they are not hukspy dependencies) and hukspy's requirements:
``python bench/bench_sm2_candidates.py`` from the repository root."""

import os
import secrets
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MSG = os.urandom(1024)
N = int(os.environ.get("N", "30"))


def med(fn, n=N):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


rows = []
# OpenSSL EVP (hukspy.software.sm2)
from hukspy.software import sm2 as o

d, q = o.generate()


def o_sign():
    s = o.Signer(d, q)
    s.update(MSG)
    return s.finish()


sig = o_sign()


def o_verify():
    v = o.Verifier(q)
    v.update(MSG)
    v.finish(sig)


ct = o.encrypt(q, MSG)
rows.append(
    (
        "openssl-evp (hukspy.software.sm2)",
        med(o_sign),
        med(o_verify),
        med(lambda: o.encrypt(q, MSG)),
        med(lambda: o.decrypt(d, q, ct)),
    )
)
# gmssl 3.2.2
from gmssl import sm2 as g

gk = g.CryptSM2(public_key=q[1:].hex(), private_key=d.hex())


def g_sign():
    return gk.sign_with_sm3(MSG)


gsig = g_sign()
assert gk.verify_with_sm3(gsig, MSG)
gct = gk.encrypt(MSG)
rows.append(
    (
        "gmssl 3.2.2",
        med(g_sign, 10),
        med(lambda: gk.verify_with_sm3(gsig, MSG), 10),
        med(lambda: gk.encrypt(MSG), 10),
        med(lambda: gk.decrypt(gct), 10),
    )
)
# gmalg 1.1.2
import gmalg

mk = gmalg.SM2(sk=d, uid=b"1234567812345678", pk=q)
r_s = mk.sign(MSG)
assert mk.verify(MSG, *r_s)
mct = mk.encrypt(MSG)
rows.append(
    (
        "gmalg 1.1.2",
        med(lambda: mk.sign(MSG), 10),
        med(lambda: mk.verify(MSG, *r_s), 10),
        med(lambda: mk.encrypt(MSG), 10),
        med(lambda: mk.decrypt(mct), 10),
    )
)
# snowland-smx 1.1.0
from pysmx import SM2 as s

kp = s.generate_keypair()
pk, sk = kp.publicKey, kp.privateKey


def s_sign():
    return s.Sign(MSG, sk, secrets.token_hex(32), 64)


ssig = s_sign()
assert s.Verify(ssig, MSG, pk, 64)
sct = s.Encrypt(MSG, pk, 64)
rows.append(
    (
        "snowland-smx 1.1.0",
        med(s_sign, 10),
        med(lambda: s.Verify(ssig, MSG, pk, 64), 10),
        med(lambda: s.Encrypt(MSG, pk, 64), 10),
        med(lambda: s.Decrypt(sct, sk, 64), 10),
    )
)
print(f"{'implementation':36} {'sign ms':>9} {'verify ms':>10} {'encrypt ms':>11} {'decrypt ms':>11}")
for name, *vals in rows:
    print(f"{name:36} " + " ".join(f"{v:>10.3f}" for v in vals))

# timing probe: scalar * G with a low-weight and a high-weight scalar of the same length
low, high = (1 << 254) | 1, (1 << 255) - 1  # both 255 bits long: 2 vs 255 one-bits
G = g.default_ecc_table["g"]
print("\nscalar multiplication k*G, low- vs high-Hamming-weight k (median ms):")
print(f"  gmssl  _kg: low {med(lambda: gk._kg(low, G), 20):.3f}  high {med(lambda: gk._kg(high, G), 20):.3f}")
low_o = med(lambda: o.public_point(low.to_bytes(32, "big")), 200)
high_o = med(lambda: o.public_point(high.to_bytes(32, "big")), 200)
print(f"  openssl EC_POINT_mul (public_point): low {low_o:.4f}  high {high_o:.4f}")
