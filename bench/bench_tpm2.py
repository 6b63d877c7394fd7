"""The TPM column: hukspy over swtpm vs tpm2-pytss direct with the key already loaded.

    .venv/bin/python bench/bench_tpm2.py                 # starts its own swtpm (hukspy_tpm2.testing)
    .venv/bin/python bench/bench_tpm2.py --seconds 3 --rounds 3

Cells (1 thread, ops/s):

- ECDSA P-256 sign: hukspy ``init_session`` + ``finish_session`` (SHA-256 of a 32-byte message, on the
  host) vs ``ESAPI.sign`` of a precomputed digest;
- RSA-2048 sign (PKCS#1 v1.5, SHA-256): the same shape;
- HMAC-SHA256 of 1 KiB: hukspy session vs ``ESAPI.hmac``;
- AES 1 KiB: HUKS AES has no CFB mode, so hukspy runs AES-256-CBC (NONE padding) against raw CBC; the
  "backend" rows run the TPM backend's own ``Operation`` (no facade) in CFB and CBC against raw.

Both sides use the same swtpm, one after the other (swtpm has three object slots: the two sides cannot
each keep an SRK and a key loaded at once). Each cell runs ``--rounds`` times alternating sides; the
best round of each side is reported, and the ratio hukspy/raw. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Callable

from hukspy_tpm2 import Tpm2Backend
from hukspy_tpm2.testing import swtpm_instance
from tpm2_pytss import ESAPI, TCTILdr
from tpm2_pytss.constants import TPM2_ALG, TPM2_RH, TPM2_ST, TPMA_OBJECT
from tpm2_pytss.types import (
    TPM2B_DIGEST,
    TPM2B_IV,
    TPM2B_MAX_BUFFER,
    TPM2B_PUBLIC,
    TPMT_SIG_SCHEME,
    TPMT_TK_HASHCHECK,
)

import hukspy
from hukspy import HuksOptions, HuksParam
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.spec import KeySpec, OpKind, OpSpec

T, A, PU, D, PD, M = HuksTag, HuksKeyAlg, HuksKeyPurpose, HuksKeyDigest, HuksKeyPadding, HuksCipherMode
BASE = TPMA_OBJECT.FIXEDTPM | TPMA_OBJECT.FIXEDPARENT | TPMA_OBJECT.SENSITIVEDATAORIGIN
BASE |= TPMA_OBJECT.USERWITHAUTH | TPMA_OBJECT.NODA
SRK = "ecc256:aes128cfb"
TICKET = TPMT_TK_HASHCHECK(tag=TPM2_ST.HASHCHECK, hierarchy=TPM2_RH.NULL)
KIB = os.urandom(1024)
MSG = os.urandom(32)


def rate(seconds: float, fn: Callable[[], object]) -> float:
    fn()  # warm-up (loads the key)
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def P(tag: int, value: int | bytes) -> HuksParam:  # noqa: N802
    return HuksParam(tag, value)


def O(*params: HuksParam, data: bytes | None = None) -> HuksOptions:  # noqa: E743, N802
    return HuksOptions(list(params), data)


CELLS = {
    "ECDSA P-256 sign": (
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
        ),
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_ECC),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
        ),
        MSG,
    ),
    "RSA-2048 sign (PKCS1, SHA-256)": (
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA),
            P(T.HUKS_TAG_KEY_SIZE, 2048),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
            P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_PKCS1_V1_5),
        ),
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_RSA),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_SIGN),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
            P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_PKCS1_V1_5),
        ),
        MSG,
    ),
    "HMAC-SHA256 1 KiB": (
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_MAC),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
        ),
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_HMAC),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_MAC),
            P(T.HUKS_TAG_DIGEST, D.HUKS_DIGEST_SHA256),
        ),
        KIB,
    ),
    "AES-256-CBC 1 KiB": (
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
            P(T.HUKS_TAG_KEY_SIZE, 256),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_ENCRYPT),
            P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_CBC),
            P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
        ),
        (
            P(T.HUKS_TAG_ALGORITHM, A.HUKS_ALG_AES),
            P(T.HUKS_TAG_PURPOSE, PU.HUKS_KEY_PURPOSE_ENCRYPT),
            P(T.HUKS_TAG_BLOCK_MODE, M.HUKS_MODE_CBC),
            P(T.HUKS_TAG_PADDING, PD.HUKS_PADDING_NONE),
            P(T.HUKS_TAG_IV, bytes(16)),
        ),
        KIB,
    ),
}


#: The same cells on the backend's own ``Operation`` (no facade): key spec and op spec.
BACKEND_OPS = {
    "ECDSA P-256 sign": (
        KeySpec(A.HUKS_ALG_ECC, 256, PU.HUKS_KEY_PURPOSE_SIGN),
        OpSpec(OpKind.SIGN, A.HUKS_ALG_ECC, digest=D.HUKS_DIGEST_SHA256),
    ),
    "RSA-2048 sign (PKCS1, SHA-256)": (
        KeySpec(A.HUKS_ALG_RSA, 2048, PU.HUKS_KEY_PURPOSE_SIGN),
        OpSpec(OpKind.SIGN, A.HUKS_ALG_RSA, padding=PD.HUKS_PADDING_PKCS1_V1_5, digest=D.HUKS_DIGEST_SHA256),
    ),
    "HMAC-SHA256 1 KiB": (
        KeySpec(A.HUKS_ALG_HMAC, 256, PU.HUKS_KEY_PURPOSE_MAC, D.HUKS_DIGEST_SHA256),
        OpSpec(OpKind.MAC, A.HUKS_ALG_HMAC, digest=D.HUKS_DIGEST_SHA256),
    ),
    "AES-256-CBC 1 KiB": (
        KeySpec(A.HUKS_ALG_AES, 256, PU.HUKS_KEY_PURPOSE_ENCRYPT),
        OpSpec(
            OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CBC, padding=PD.HUKS_PADDING_NONE, iv=bytes(16)
        ),
    ),
    "AES-256-CFB 1 KiB": (
        KeySpec(A.HUKS_ALG_AES, 256, PU.HUKS_KEY_PURPOSE_ENCRYPT),
        OpSpec(
            OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CFB, padding=PD.HUKS_PADDING_NONE, iv=bytes(16)
        ),
    ),
}
_KEY_OF = {"AES-256-CFB 1 KiB": "AES-256-CBC 1 KiB"}  # the CFB row runs on the CBC cell's key


def hukspy_rates(uri: str, home: str, seconds: float) -> tuple[dict[str, float], dict[str, float]]:
    """(Keystore ops/s, backend Operation ops/s) per cell."""
    ks_out: dict[str, float] = {}
    be_out: dict[str, float] = {}
    with hukspy.Keystore(uri, home=home) as ks:
        for name, (gen, init, data) in CELLS.items():
            if not ks.has_key_item(name, O()):
                ks.generate_key_item(name, O(*gen))
            opts, fin = O(*init), O(data=data)

            def session(a: str = name, o: HuksOptions = opts, f: HuksOptions = fin) -> object:
                return ks.finish_session(ks.init_session(a, o), f)

            ks_out[name] = rate(seconds, session)
        be = ks._backend
        assert isinstance(be, Tpm2Backend)
        for name, (spec, op) in BACKEND_OPS.items():
            rec = be.records().get(1, _KEY_OF.get(name, name))
            assert rec is not None

            def run(
                r: bytes = rec.ref,
                k: KeySpec = spec,
                o: OpSpec = op,
                d: bytes = KIB if "KiB" in name else MSG,
            ) -> object:
                return be.begin(r, k, o).finish(d)

            be_out[name] = rate(seconds, run)
    return ks_out, be_out


def raw_rates(tcti: str, seconds: float) -> dict[str, float]:
    out: dict[str, float] = {}
    name, _, conf = tcti.partition(":")
    with TCTILdr(name, conf) as tctx, ESAPI(tctx) as e:
        srk, *_ = e.create_primary(
            None,
            TPM2B_PUBLIC.parse(
                SRK, objectAttributes=TPMA_OBJECT.DEFAULT_TPM2_TOOLS_CREATEPRIMARY_ATTRS | TPMA_OBJECT.NODA
            ),
        )

        def loaded(template: str, attrs: int, fix: Callable[[TPM2B_PUBLIC], None] | None = None) -> object:
            t = TPM2B_PUBLIC.parse(template, objectAttributes=attrs)
            if fix is not None:
                fix(t)
            priv, pub, *_ = e.create(srk, None, t)
            return e.load(srk, priv, pub)

        digest = TPM2B_DIGEST(hashlib.sha256(MSG).digest())
        for cell, template, scheme_alg in (
            ("ECDSA P-256 sign", "ecc256", TPM2_ALG.ECDSA),
            ("RSA-2048 sign (PKCS1, SHA-256)", "rsa2048", TPM2_ALG.RSASSA),
        ):
            h = loaded(template, BASE | TPMA_OBJECT.SIGN_ENCRYPT | TPMA_OBJECT.DECRYPT)
            scheme = TPMT_SIG_SCHEME(scheme=scheme_alg)
            scheme.details.any.hashAlg = TPM2_ALG.SHA256
            out[cell] = rate(seconds, lambda h=h, s=scheme: e.sign(h, digest, s, TICKET))  # type: ignore[misc]
            e.flush_context(h)

        def hmac_fix(t: TPM2B_PUBLIC) -> None:
            t.publicArea.parameters.keyedHashDetail.scheme.details.hmac.hashAlg = TPM2_ALG.SHA256

        h = loaded("hmac", BASE | TPMA_OBJECT.SIGN_ENCRYPT, hmac_fix)
        buf = TPM2B_MAX_BUFFER(KIB)
        out["HMAC-SHA256 1 KiB"] = rate(seconds, lambda: e.hmac(h, buf, TPM2_ALG.SHA256))
        e.flush_context(h)

        def aes_fix(t: TPM2B_PUBLIC) -> None:
            t.publicArea.parameters.symDetail.sym.mode.sym = TPM2_ALG.NULL

        h = loaded("aes256", BASE | TPMA_OBJECT.SIGN_ENCRYPT | TPMA_OBJECT.DECRYPT, aes_fix)
        iv = TPM2B_IV(bytes(16))
        for cell, mode in (("AES-256-CBC 1 KiB", TPM2_ALG.CBC), ("AES-256-CFB 1 KiB", TPM2_ALG.CFB)):
            out[cell] = rate(seconds, lambda m=mode: e.encrypt_decrypt_2(h, False, m, iv, buf))  # type: ignore[misc]
        e.flush_context(h)
        e.flush_context(srk)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0, help="seconds per cell and round")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per side (best is kept)")
    args = ap.parse_args()
    os.environ.setdefault("TSS2_LOG", "all+none")
    best_k: dict[str, float] = {}
    best_b: dict[str, float] = {}
    best_r: dict[str, float] = {}

    def keep(best: dict[str, float], new: dict[str, float]) -> None:
        for k, v in new.items():
            best[k] = max(best.get(k, 0.0), v)

    with tempfile.TemporaryDirectory() as home, swtpm_instance() as tpm:
        for _ in range(args.rounds):
            ks_rates, be_rates = hukspy_rates(tpm.uri, home, args.seconds)
            keep(best_k, ks_rates)
            keep(best_b, be_rates)
            keep(best_r, raw_rates(tpm.tcti, args.seconds))
    print(
        "ops/s, 1 thread, best of",
        args.rounds,
        "rounds;",
        "Keystore = hukspy.Keystore session (init+finish);",
    )
    print("backend = the TPM backend's Operation without the facade; raw = tpm2-pytss with the key loaded")
    print(
        f"{'operation':32} {'Keystore':>9} {'backend':>9} {'raw':>9} {'Keystore/raw':>13} {'backend/raw':>12}"
    )
    for k in best_b:
        ksr = best_k.get(k)
        ks_cell = f"{ksr:9.0f}" if ksr else f"{'n/a':>9}"
        ratio = f"{ksr / best_r[k]:13.2f}" if ksr else f"{'n/a':>13}"
        print(f"{k:32} {ks_cell} {best_b[k]:9.0f} {best_r[k]:9.0f} {ratio} {best_b[k] / best_r[k]:12.2f}")


if __name__ == "__main__":
    main()
