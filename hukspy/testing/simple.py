"""The cheapest key and session a keystore offers (a generated MAC, cipher or signature key and a
streaming session recipe), shared by the conformance suite's rule tests (``hukspy.testing.conformance``)
and its access-control section (``hukspy.testing.authz``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hukspy.backend import OpCap
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksTag
from hukspy.keystore import Keystore
from hukspy.params import HuksParam
from hukspy.spec import OpKind
from hukspy.testing.cases import KIND_PURPOSE, PURPOSE_CLASS, extreme_sizes
from hukspy.testing.checks import describe
from hukspy.testing.support import ensure_generated, options, param, unique_alias

__all__ = ["Simple", "init_params", "score", "simple"]

_MODE = HuksCipherMode
_ALG = HuksKeyAlg
_TAG = HuksTag


@dataclass(frozen=True)
class Simple:
    """A generated key and a session recipe that streams data: the cheapest the backend offers."""

    cap: OpCap
    size: int
    gen: tuple[HuksParam, ...]
    init: tuple[HuksParam, ...]

    def make(self, ks: Keystore, alias: str | None = None) -> str:
        alias = alias or unique_alias("simple")
        ks.generate_key_item(alias, options(*self.gen))
        return alias

    def shared(self, ks: Keystore) -> str:
        extra = tuple(p for p in self.gen if p.tag == _TAG.HUKS_TAG_DIGEST)
        return ensure_generated(ks, self.cap.key_alg, self.size, PURPOSE_CLASS[self.cap.kind], extra)


def score(cap: OpCap) -> int:
    """How cheap a session of ``cap`` is (0 best; 99: not a candidate)."""
    if cap.kind is OpKind.MAC and cap.key_alg == _ALG.HUKS_ALG_HMAC:
        return 0
    if (
        cap.kind is OpKind.ENCRYPT
        and cap.key_alg in (_ALG.HUKS_ALG_AES, _ALG.HUKS_ALG_SM4)
        and cap.mode
        in (
            _MODE.HUKS_MODE_CTR,
            _MODE.HUKS_MODE_ECB,
            _MODE.HUKS_MODE_CBC,
        )
    ):
        return 1
    if cap.kind is OpKind.SIGN and cap.key_alg in (_ALG.HUKS_ALG_ECC, _ALG.HUKS_ALG_ED25519):
        return 2
    if cap.kind is OpKind.SIGN and cap.key_alg == _ALG.HUKS_ALG_RSA:
        return 3
    return 99


def init_params(cap: OpCap) -> list[HuksParam]:
    """The init params of a session of ``cap``: ALGORITHM, PURPOSE, and its mode, padding and digest."""
    init = [param(_TAG.HUKS_TAG_ALGORITHM, cap.alg), param(_TAG.HUKS_TAG_PURPOSE, KIND_PURPOSE[cap.kind])]
    for tag, value in (
        (_TAG.HUKS_TAG_BLOCK_MODE, cap.mode),
        (_TAG.HUKS_TAG_PADDING, cap.padding),
        (_TAG.HUKS_TAG_DIGEST, cap.digest),
    ):
        if value is not None:
            init.append(param(tag, value))
    return init


def simple(ks: Keystore) -> Simple:
    caps = ks.capabilities()
    candidates = []
    for cap in caps.ops:
        rank = score(cap)
        if rank == 99:
            continue
        sizes = [
            s for s in extreme_sizes(caps, cap) if (k := caps.key(cap.key_alg, s)) is not None and k.generate
        ]
        if sizes:
            size = 256 if 256 in sizes else 2048 if 2048 in sizes else sizes[0]
            candidates.append((rank, describe(cap), cap, size))
    if not candidates:
        pytest.skip(f"{ks.backend_name} declares no MAC, cipher or signature it can generate a key for")
    _, _, cap, size = min(candidates, key=lambda c: (c[0], c[1]))
    purpose = PURPOSE_CLASS[cap.kind]
    gen = [
        param(_TAG.HUKS_TAG_ALGORITHM, cap.key_alg),
        param(_TAG.HUKS_TAG_KEY_SIZE, size),
        param(_TAG.HUKS_TAG_PURPOSE, purpose),
    ]
    init = init_params(cap)
    if cap.kind is OpKind.MAC and cap.digest is not None:
        gen.append(param(_TAG.HUKS_TAG_DIGEST, cap.digest))
    if cap.mode in (_MODE.HUKS_MODE_CBC, _MODE.HUKS_MODE_CTR, _MODE.HUKS_MODE_OFB, _MODE.HUKS_MODE_CFB):
        init.append(param(_TAG.HUKS_TAG_IV, bytes(16)))
    return Simple(cap, size, tuple(gen), tuple(init))
