"""The TPM column: hukspy over swtpm vs tpm2-pytss direct with the key already loaded.

    .venv/bin/python bench/bench_tpm2.py                 # starts its own swtpm (hukspy_tpm2.testing)
    .venv/bin/python bench/bench_tpm2.py --seconds 10 --batch 25

Cells (1 thread, ops/s):

- ECDSA P-256 sign: hukspy ``init_session`` + ``finish_session`` (SHA-256 of a 32-byte message, on the
  host) vs ``ESAPI.sign`` of a precomputed digest;
- RSA-2048 sign (PKCS#1 v1.5, SHA-256): the same shape;
- HMAC-SHA256 of 1 KiB: hukspy session vs ``ESAPI.hmac``;
- AES 1 KiB: HUKS AES has no CFB mode, so hukspy runs AES-256-CBC (NONE padding) against raw CBC; the
  "backend" rows run the TPM backend's own ``Operation`` (no facade) in CFB and CBC against raw.

The three sides (Keystore session, the backend's ``Operation`` without the facade, raw tpm2-pytss) run
on the same swtpm at the same time, interleaved in small batches, so that the load of a shared machine
hits them alike. swtpm has three object slots: hukspy's SRK and key, and the raw key (loaded under a
raw SRK that is then flushed). The last column is the µs the facade adds to the backend's
``Operation`` per session (1/Keystore - 1/backend). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Callable

from bench_common import load_average
from hukspy_tpm2 import Tpm2Backend
from hukspy_tpm2.testing import swtpm_instance
from tpm2_pytss import ESAPI, TCTILdr
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG, TPM2_RH, TPM2_ST, TPMA_OBJECT
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


def _scheme(alg: int) -> TPMT_SIG_SCHEME:
    sch = TPMT_SIG_SCHEME(scheme=alg)
    sch.details.any.hashAlg = TPM2_ALG.SHA256
    return sch


def _raw_template(cell: str) -> TPM2B_PUBLIC:
    both = BASE | TPMA_OBJECT.SIGN_ENCRYPT | TPMA_OBJECT.DECRYPT
    if cell.startswith("ECDSA"):
        return TPM2B_PUBLIC.parse("ecc256", objectAttributes=both)
    if cell.startswith("RSA"):
        return TPM2B_PUBLIC.parse("rsa2048", objectAttributes=both)
    if cell.startswith("HMAC"):
        t = TPM2B_PUBLIC.parse("hmac", objectAttributes=BASE | TPMA_OBJECT.SIGN_ENCRYPT)
        t.publicArea.parameters.keyedHashDetail.scheme.details.hmac.hashAlg = TPM2_ALG.SHA256
        return t
    t = TPM2B_PUBLIC.parse("aes256", objectAttributes=both)
    t.publicArea.parameters.symDetail.sym.mode.sym = TPM2_ALG.NULL
    return t


def _raw_call(e: ESAPI, cell: str, h: ESYS_TR) -> Callable[[], object]:
    digest = TPM2B_DIGEST(hashlib.sha256(MSG).digest())
    buf, iv = TPM2B_MAX_BUFFER(KIB), TPM2B_IV(bytes(16))
    if cell.startswith("ECDSA"):
        sch = _scheme(TPM2_ALG.ECDSA)
        return lambda: e.sign(h, digest, sch, TICKET)
    if cell.startswith("RSA"):
        sch = _scheme(TPM2_ALG.RSASSA)
        return lambda: e.sign(h, digest, sch, TICKET)
    if cell.startswith("HMAC"):
        return lambda: e.hmac(h, buf, TPM2_ALG.SHA256)
    mode = TPM2_ALG.CFB if "CFB" in cell else TPM2_ALG.CBC
    return lambda: e.encrypt_decrypt_2(h, False, mode, iv, buf)


def _raw_io_call(e: ESAPI, cell: str, h: ESYS_TR) -> Callable[[], object]:
    """The same call as a program would make it: inputs built from bytes (and the message hashed) per
    call, the result read back as bytes."""
    if cell.startswith(("ECDSA", "RSA")):
        sch = _scheme(TPM2_ALG.ECDSA if cell.startswith("ECDSA") else TPM2_ALG.RSASSA)

        def sign() -> bytes:
            sig = e.sign(h, TPM2B_DIGEST(hashlib.sha256(MSG).digest()), sch, TICKET)
            return bytes(sig.marshal())

        return sign
    if cell.startswith("HMAC"):
        return lambda: bytes(e.hmac(h, TPM2B_MAX_BUFFER(KIB), TPM2_ALG.SHA256))
    mode = TPM2_ALG.CFB if "CFB" in cell else TPM2_ALG.CBC

    def crypt() -> bytes:
        ct, iv = e.encrypt_decrypt_2(h, False, mode, TPM2B_IV(bytes(16)), TPM2B_MAX_BUFFER(KIB))
        return bytes(ct) + bytes(iv)

    return crypt


def interleave(sides: list[Callable[[], object]], seconds: float, batch: int) -> list[float]:
    """ops/s of each side, run in turns of ``batch`` operations for ``seconds`` in all."""
    for fn in sides:
        fn()  # warm-up: loads the key
    spent = [0.0] * len(sides)
    count = [0] * len(sides)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for i, fn in enumerate(sides):
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            spent[i] += time.perf_counter() - start
            count[i] += batch
    return [c / t for c, t in zip(count, spent, strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0, help="seconds per cell (three sides together)")
    ap.add_argument("--batch", type=int, default=25, help="operations per side before switching sides")
    args = ap.parse_args()
    os.environ.setdefault("TSS2_LOG", "all+none")
    before = load_average()
    rows: list[tuple[str, float | None, float, float, float]] = []
    with (
        tempfile.TemporaryDirectory() as home,
        swtpm_instance() as tpm,
        hukspy.Keystore(tpm.uri, home=home) as ks,
    ):
        be = ks._backend
        assert isinstance(be, Tpm2Backend)
        name, _, conf = tpm.tcti.partition(":")
        srk_attrs = TPMA_OBJECT.DEFAULT_TPM2_TOOLS_CREATEPRIMARY_ATTRS | TPMA_OBJECT.NODA
        with TCTILdr(name, conf) as tctx, ESAPI(tctx) as e:
            for cell, (spec, op) in BACKEND_OPS.items():
                key_alias = _KEY_OF.get(cell, cell)
                gen, init, data = CELLS[key_alias]
                if not ks.has_key_item(key_alias, O()):
                    ks.generate_key_item(key_alias, O(*gen))
                rec = be.records().get(1, key_alias)
                assert rec is not None

                def load_raw(t: object, cell: str = cell) -> ESYS_TR:
                    # with hukspy's lock held; with_slot evicts hukspy's objects while slots are short
                    srk, *_ = be.tpm.with_slot(
                        lambda: e.create_primary(None, TPM2B_PUBLIC.parse(SRK, objectAttributes=srk_attrs))
                    )
                    priv, pub, *_ = be.tpm.with_slot(lambda: e.create(srk, None, _raw_template(cell)))
                    h = be.tpm.with_slot(lambda: e.load(srk, priv, pub))
                    e.flush_context(srk)
                    return h

                raw_h = be.tpm.run(load_raw)
                payload = KIB if "KiB" in cell else MSG

                def backend_side(
                    r: bytes = rec.ref, k: KeySpec = spec, o: OpSpec = op, d: bytes = payload
                ) -> object:
                    return be.begin(r, k, o).finish(d)

                sides: list[Callable[[], object]] = [
                    _raw_call(e, cell, raw_h),
                    _raw_io_call(e, cell, raw_h),
                    backend_side,
                ]
                if cell in CELLS:
                    opts, fin = O(*init), O(data=data)

                    def keystore_side(
                        a: str = key_alias, o: HuksOptions = opts, f: HuksOptions = fin
                    ) -> object:
                        return ks.finish_session(ks.init_session(a, o), f)

                    sides.append(keystore_side)
                got = interleave(sides, args.seconds, args.batch)
                rows.append((cell, got[3] if len(got) > 3 else None, got[2], got[1], got[0]))
                e.flush_context(raw_h)
    print(f"ops/s, 1 thread; the sides take turns of {args.batch} operations for {args.seconds} s per cell.")
    print(f"before: {before}; after: {load_average()}")
    print("Keystore = a hukspy.Keystore session (init+finish); backend = the TPM backend's Operation")
    print("without the facade; raw = tpm2-pytss with the key loaded and its inputs built once;")
    print("raw-io = the same, building the inputs from bytes and reading the result as bytes per call.")
    head = ("operation", "Keystore", "backend", "raw-io", "raw", "KS/raw", "be/raw", "KS/raw-io", "be/raw-io",
            "+µs KS")
    print(f"{head[0]:32}" + "".join(f" {h:>9}" for h in head[1:]))
    for cell, keystore, backend, raw_io, raw in rows:
        nums = [keystore, backend, raw_io, raw]
        ratios = [None if keystore is None else keystore / raw, backend / raw]
        ratios += [None if keystore is None else keystore / raw_io, backend / raw_io]
        line = "".join(f" {'n/a':>9}" if v is None else f" {v:9.0f}" for v in nums)
        line += "".join(f" {'n/a':>9}" if v is None else f" {v:9.2f}" for v in ratios)
        line += f" {'n/a':>9}" if keystore is None else f" {(1 / keystore - 1 / backend) * 1e6:9.0f}"
        print(f"{cell:32}{line}")


if __name__ == "__main__":
    main()
