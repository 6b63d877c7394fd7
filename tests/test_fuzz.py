"""Bad input, property-based: every public function of ``Keystore`` answers anything with its result or
a ``HuksError`` whose code is in that function's documented set, and no bad input changes a stored key.

The documented sets are huks-reference.md §1 (the d.ts ``@throws`` lists) plus 12000012 (what the API
boundary turns an unmapped failure into). Two python-api.md decisions widen them for every function:
401 for an alias or argument of the wrong type or length (§4 "Aliases", §2), and for
``wrap_key_item``/``unwrap_key_item`` 12000001, the code python-api.md §5 gives "what a backend cannot
do" where upstream documents 801.

A ``HuksError`` whose ``__cause__`` is a Python bug class (``TypeError``, ``AttributeError``, ...) is a
bug hidden by the API boundary and fails the test too.

``HUKSPY_FUZZ_EXAMPLES`` (default 2000) sets the examples per function.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hukspy import (
    HuksCipherMode,
    HuksError,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    HuksTag,
    Keystore,
)
from hukspy.pyca import HuksPrivateKey
from hukspy.testing import open_session_count
from hukspy.testing.materials import encode_private

EXAMPLES: Final = int(os.environ.get("HUKSPY_FUZZ_EXAMPLES", "2000"))
FUZZ: Final = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose


def _codes(*short: int) -> frozenset[int]:
    return frozenset(12000000 + s if s < 100 else s for s in short)


_R = range
#: huks-reference.md §1 (documented codes, latest d.ts) + 12000012 + 401 (python-api.md §2/§4).
DOCUMENTED: Final[dict[str, frozenset[int]]] = {
    "generate_key_item": _codes(
        201, 401, 801, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 17, 18, 11, 20, 21, 23, 24, 26
    ),
    "delete_key_item": _codes(201, 401, 801, 4, 5, 11, 12, 14, 18),
    "import_key_item": _codes(401, 801, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 17, 18),
    "import_wrapped_key_item": _codes(201, 401, 801, *_R(1, 7), *_R(11, 16), 17, 18, 20, 21, 23, 24, 26),
    "export_key_item": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 20, 24, 26),
    "get_key_item_properties": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 26),
    "is_key_item_exist": _codes(401, 801, 4, 5, 6, 11, 12, 14, 18),
    "has_key_item": _codes(401, 801, 4, 5, 6, 12, 14, 18),
    "init_session": _codes(201, 401, 801, *_R(1, 7), 10, 11, 12, 14, 18, 20, 21, 23, 24, 26),
    "update_session": _codes(401, 801, *_R(1, 10), 11, 12, 14, 18, 20, 21, 23, 24, 26),
    "finish_session": _codes(401, 801, *_R(1, 10), 11, 12, 14, 17, 18, 20, 21, 23, 24, 26),
    "abort_session": _codes(401, 801, 4, 5, 6, 12, 14, 18, 20, 24, 26),
    "attest_key_item": _codes(201, 401, 801, 1, 4, 5, 6, 11, 12, 14, 18),
    "anon_attest_key_item": _codes(201, 401, 801, *_R(1, 7), 11, 12, 14, 18, 26),
    "list_aliases": _codes(401, 4, 5, 12, 14, 18),
    "wrap_key_item": _codes(201, 401, 801, 1, 4, 5, 11, 12, 14, 18, 26),
    # unwrap: 17 by §4.1 step 8; 6 for a tampered blob (docs/decisions.md)
    "unwrap_key_item": _codes(201, 401, 801, 1, 4, 5, 6, 12, 14, 15, 17, 18, 26),
    "get_sdk_version": _codes(401, 12),
    # hukspy's own (not a HUKS function): where a key lives
    "key_storage": _codes(401, 4, 11, 12),
    # the key as a pyca key (docs/cryptography.md): reads the record and the public key
    "private_key": _codes(401, 1, 3, 4, 5, 11, 12, 14),
    "public_key": _codes(401, 1, 3, 4, 5, 11, 12, 14),
}
#: Exceptions that, as the cause of a HuksError, mean a bug that the API boundary hid.
BUG_CLASSES: Final = (
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    NameError,
    AssertionError,
    UnboundLocalError,
    ZeroDivisionError,
    RecursionError,
)
#: Functions that may legitimately change a stored key when they succeed.
MUTATING: Final = frozenset(
    {
        "generate_key_item",
        "delete_key_item",
        "import_key_item",
        "import_wrapped_key_item",
        "unwrap_key_item",
        "finish_session",
    }
)

VICTIM_EC: Final = "victim-ecc"
VICTIM_MAC: Final = "victim-hmac"
ALIASES: Final = (VICTIM_EC, VICTIM_MAC, "fuzz-a", "fuzz-b", "f")
_DATA: Final = b"the message every check signs and MACs"


# ------------------------------------------------------------------------------------ the victims


@dataclass
class Victims:
    ks: Keystore
    ec_key: ec.EllipticCurvePrivateKey
    mac_key: bytes
    ec_props: list[HuksParam]
    mac_props: list[HuksParam]

    def restore(self) -> None:
        """(Re)create both keys exactly as at the start."""
        self.ks.import_key_item(VICTIM_EC, _ec_options(self.ec_key))
        self.ks.import_key_item(VICTIM_MAC, _mac_options(self.mac_key))

    def check(self, full: bool) -> None:
        """Both keys are there with the same properties; with ``full``, they still work."""
        ks = self.ks
        assert ks.get_key_item_properties(VICTIM_EC, HuksOptions()).properties == self.ec_props
        assert ks.get_key_item_properties(VICTIM_MAC, HuksOptions()).properties == self.mac_props
        exported = ks.export_key_item(VICTIM_EC, HuksOptions()).out_data
        assert exported == self.ec_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if not full:
            return
        h = ks.init_session(VICTIM_EC, HuksOptions(_SIGN)).handle
        sig = ks.finish_session(h, HuksOptions(in_data=_DATA)).out_data
        self.ec_key.public_key().verify(sig, _DATA, ec.ECDSA(hashes.SHA256()))
        h = ks.init_session(VICTIM_EC, HuksOptions(_VERIFY)).handle
        ks.update_session(h, HuksOptions(in_data=_DATA))
        ks.finish_session(h, HuksOptions(in_data=sig))
        h = ks.init_session(VICTIM_MAC, HuksOptions(_MAC)).handle
        got = ks.finish_session(h, HuksOptions(in_data=_DATA)).out_data
        ref = hmac.HMAC(self.mac_key, hashes.SHA256())
        ref.update(_DATA)
        assert got == ref.finalize()


def _p(tag: int, value: int | bool | bytes) -> HuksParam:
    return HuksParam(tag, value)


_SIGN: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]
_VERIFY: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_VERIFY),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]
_MAC: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
    _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
]


def _ec_options(key: ec.EllipticCurvePrivateKey) -> HuksOptions:
    pair = HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    return HuksOptions(
        [
            _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
            _p(_T.HUKS_TAG_KEY_SIZE, 256),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
            _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, pair),
        ],
        encode_private(_A.HUKS_ALG_ECC, 256, key, pair),
    )


def _mac_options(key: bytes) -> HuksOptions:
    return HuksOptions(
        [
            _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
            _p(_T.HUKS_TAG_KEY_SIZE, 256),
            _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
            _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        ],
        key,
    )


@pytest.fixture(scope="module")
def victims() -> Iterator[Victims]:
    """A software keystore (on tmpfs when there is one) holding two keys no bad input may change."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    directory = tempfile.mkdtemp(prefix="hukspy-fuzz-", dir=base)
    ks = Keystore(f"software:{Path(directory) / 'ks'}")
    try:
        v = Victims(ks, ec.generate_private_key(ec.SECP256R1()), os.urandom(32), [], [])
        v.restore()
        v.ec_props = ks.get_key_item_properties(VICTIM_EC, HuksOptions()).properties or []
        v.mac_props = ks.get_key_item_properties(VICTIM_MAC, HuksOptions()).properties or []
        v.check(full=True)
        yield v
        v.check(full=True)
        assert open_session_count(ks) == 0, "the fuzz left sessions open"
    finally:
        ks.close()
        shutil.rmtree(directory, ignore_errors=True)


# ------------------------------------------------------------------------------------ strategies

_SLOW_ALGS: Final = frozenset(
    {_A.HUKS_ALG_RSA, _A.HUKS_ALG_DSA, _A.HUKS_ALG_DH}
)  # no slow keygen in the loop


def _enum_values(*enums: type) -> list[int]:
    return sorted({int(m) for e in enums for m in e})  # type: ignore[attr-defined]


_PLAUSIBLE: Final[dict[int, st.SearchStrategy[object]]] = {
    _T.HUKS_TAG_ALGORITHM: st.sampled_from(_enum_values(HuksKeyAlg)),
    _T.HUKS_TAG_PURPOSE: st.one_of(st.sampled_from(_enum_values(HuksKeyPurpose)), st.integers(0, 1023)),
    _T.HUKS_TAG_KEY_SIZE: st.sampled_from(
        [0, 8, 64, 128, 192, 224, 256, 384, 512, 521, 1024, 2048, 4097, 2**32 - 1]
    ),
    _T.HUKS_TAG_DIGEST: st.sampled_from([*_enum_values(HuksKeyDigest), 3, 99]),
    _T.HUKS_TAG_PADDING: st.sampled_from([*_enum_values(HuksKeyPadding), 99]),
    _T.HUKS_TAG_BLOCK_MODE: st.sampled_from([*_enum_values(HuksCipherMode), 0, 99]),
    _T.HUKS_TAG_IMPORT_KEY_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_KEY_OVERRIDE: st.booleans(),
    _T.HUKS_TAG_AUTH_STORAGE_LEVEL: st.integers(0, 3),
    _T.HUKS_TAG_IV: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_NONCE: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_AE_TAG: st.binary(min_size=0, max_size=20),
    _T.HUKS_TAG_ASSOCIATED_DATA: st.binary(max_size=20),
    _T.HUKS_TAG_DERIVE_KEY_SIZE: st.integers(0, 100),
    _T.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_KEY_STORAGE_FLAG: st.integers(0, 3),
    _T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG: st.integers(0, 4),
    _T.HUKS_TAG_KEY_ALIAS: st.binary(max_size=10),
    _T.HUKS_TAG_IS_ALLOWED_WRAP: st.booleans(),
    _T.HUKS_TAG_KEY_WRAP_TYPE: st.integers(0, 3),
    _T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE: st.integers(0, 6),
    _T.HUKS_TAG_USER_AUTH_TYPE: st.integers(0, 8),
    _T.HUKS_TAG_AE_TAG_LEN: st.integers(0, 20),
    _T.HUKS_TAG_ATTESTATION_CHALLENGE: st.binary(max_size=20),
}
_ANY_VALUE: Final = st.one_of(
    st.integers(-(2**65), 2**65),
    st.booleans(),
    st.binary(max_size=40),
    st.text(max_size=5),
    st.none(),
    st.floats(allow_nan=True),
    st.builds(bytearray, st.binary(max_size=8)),
    st.binary(max_size=8).map(lambda b: memoryview(b)),
    st.lists(st.integers(), max_size=2),
)
_ANY_TAG: Final = st.one_of(
    st.sampled_from(_enum_values(HuksTag)),
    st.integers(0, 2**32 - 1),
    st.integers(-(2**40), 2**70),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
_PLAUSIBLE_PARAM: Final = st.one_of([st.builds(HuksParam, st.just(t), s) for t, s in _PLAUSIBLE.items()])
_PARAM: Final = st.one_of(
    _PLAUSIBLE_PARAM,
    _PLAUSIBLE_PARAM,
    st.builds(HuksParam, st.sampled_from(_enum_values(HuksTag)), _ANY_VALUE),
    st.builds(HuksParam, _ANY_TAG, _ANY_VALUE),
    st.one_of(st.integers(), st.text(max_size=3), st.tuples(st.integers(), st.integers()), st.none()),
)


@st.composite
def _weighted(draw: st.DrawFn, *choices: tuple[int, st.SearchStrategy[object]]) -> object:
    """Pick one strategy with the given weights (``one_of`` weighs its flattened branches equally, so
    a handful of junk alternatives would drown the well-formed ones), then draw from it."""
    ticket = draw(st.integers(0, sum(w for w, _ in choices) - 1))
    for weight, strategy in choices:
        if ticket < weight:
            return draw(strategy)
        ticket -= weight
    raise AssertionError("unreachable")


_JUNK_PROPERTIES: Final = st.one_of(
    st.lists(_PARAM, max_size=8),
    st.lists(_PARAM, max_size=8).map(tuple),
    st.integers(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.dictionaries(st.integers(), st.integers(), max_size=2),
)
#: Well-formed properties: known tags, values of the right type, no tag twice (so they get past 401).
_WELL_PROPERTIES: Final = st.lists(_PLAUSIBLE_PARAM, max_size=6, unique_by=lambda p: p.tag)
_PROPERTIES: Final = _weighted((6, _WELL_PROPERTIES), (2, st.none()), (2, _JUNK_PROPERTIES))
_TOKEN: Final = _weighted(
    (8, st.none()), (2, st.one_of(st.binary(max_size=80), st.text(max_size=4), st.integers()))
)
_IN_DATA: Final = _weighted(
    (2, st.none()),
    (6, st.binary(max_size=300)),
    (1, st.builds(bytearray, st.binary(max_size=50))),
    (1, st.binary(max_size=50).map(lambda b: memoryview(b))),
    (1, st.one_of(st.text(max_size=5), st.integers())),
)
_JUNK_OPTIONS: Final = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(HuksOptions, _JUNK_PROPERTIES, _IN_DATA),
)
_OPTIONS: Final = _weighted((8, st.builds(HuksOptions, _PROPERTIES, _IN_DATA)), (2, _JUNK_OPTIONS))


def _recipe(
    bases: list[list[HuksParam]], data: st.SearchStrategy[object] = _IN_DATA
) -> st.SearchStrategy[object]:
    """A valid request mutated a little: drop up to two of its params, add or override up to three
    (one value per tag, so the mutation reaches the checks behind ParamSet's 401)."""

    def build(base: list[HuksParam], drop: set[int], extra: list[HuksParam], in_data: object) -> HuksOptions:
        params = {int(p.tag): p for i, p in enumerate(base) if i not in drop}
        params.update({int(p.tag): p for p in extra})
        return HuksOptions(list(params.values()), in_data)  # type: ignore[arg-type]

    return st.builds(
        build,
        st.sampled_from(bases),
        st.sets(st.integers(0, 5), max_size=2),
        st.lists(_PLAUSIBLE_PARAM, max_size=3),
        data,
    )


def _gen(alg: int, size: int, purpose: int, *extra: HuksParam) -> list[HuksParam]:
    return [
        _p(_T.HUKS_TAG_ALGORITHM, alg),
        _p(_T.HUKS_TAG_KEY_SIZE, size),
        _p(_T.HUKS_TAG_PURPOSE, purpose),
        *extra,
    ]


_SHA256: Final = _p(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)
_GEN_BASES: Final = [
    _gen(_A.HUKS_ALG_AES, 256, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
    _gen(_A.HUKS_ALG_AES, 128, _PU.HUKS_KEY_PURPOSE_DERIVE, _SHA256),
    _gen(_A.HUKS_ALG_HMAC, 256, _PU.HUKS_KEY_PURPOSE_MAC, _SHA256),
    _gen(_A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY, _SHA256),
    _gen(_A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_AGREE),
    _gen(_A.HUKS_ALG_ED25519, 256, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
    _gen(_A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE),
    _gen(_A.HUKS_ALG_SM4, 128, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
    _gen(_A.HUKS_ALG_3DES, 192, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
]
_FIXED_EC: Final = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())
_PAIR: Final = _p(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)
_EC_PAIR_BYTES: Final = encode_private(
    _A.HUKS_ALG_ECC, 256, _FIXED_EC, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
)


def _damaged(good: bytes) -> st.SearchStrategy[object]:
    """``good`` key material, or a truncated, extended or bit-flipped copy, or anything."""
    return st.one_of(
        st.just(good),
        st.integers(0, len(good)).map(lambda n: good[:n]),
        st.binary(min_size=1, max_size=8).map(lambda b: good + b),
        st.integers(0, len(good) * 8 - 1).map(
            lambda i: good[: i // 8] + bytes([good[i // 8] ^ (1 << (i % 8))]) + good[i // 8 + 1 :]
        ),
        _IN_DATA,
    )


_IMPORT_OPTIONS: Final = st.one_of(
    _recipe([_GEN_BASES[0]], _damaged(bytes(range(32)))),
    _recipe([_GEN_BASES[2]], _damaged(bytes(range(32, 64)))),
    _recipe([_GEN_BASES[3] + [_PAIR], _GEN_BASES[4] + [_PAIR]], _damaged(_EC_PAIR_BYTES)),
    _recipe([_GEN_BASES[5] + [_p(_T.HUKS_TAG_IMPORT_KEY_TYPE, 1)]], _damaged(bytes(range(7, 39)))),
    _OPTIONS,
)
_GEN_OPTIONS: Final = _weighted((7, _recipe(_GEN_BASES)), (3, _OPTIONS))
_AES_ECB: Final = [
    _p(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
    _p(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
    _p(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
    _p(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
]
_INIT_OPTIONS: Final = _weighted((7, _recipe([_SIGN, _VERIFY, _MAC, _AES_ECB])), (3, _OPTIONS))
#: Options of update/finish/abort: mostly just data, sometimes params (which must not matter, or 401).
_SESSION_OPTIONS: Final = _weighted(
    (6, st.builds(HuksOptions, st.none(), st.binary(max_size=200))),
    (4, _OPTIONS),
)
_ALIAS: Final = _weighted(
    (6, st.sampled_from(ALIASES)),
    (2, st.text(max_size=140)),
    (
        2,
        st.one_of(
            st.just(""),
            st.just("a" * 129),
            st.just("\u00e9" * 65),
            st.binary(max_size=10),
            st.integers(),
            st.none(),
        ),
    ),
)
_HANDLE: Final = _weighted(
    (5, st.just("live")),
    (1, st.just("live-object")),
    (2, st.integers(-5, 2**66)),
    (1, st.one_of(st.booleans(), st.none(), st.text(max_size=4), st.floats())),
)


def _tame(options: object) -> object:
    """Keep slow key generation (RSA/DSA/DH) out of the loop: such an ALGORITHM becomes AES."""
    if not isinstance(options, HuksOptions) or not isinstance(options.properties, list | tuple):
        return options
    props = [
        HuksParam(p.tag, int(_A.HUKS_ALG_AES))
        if isinstance(p, HuksParam)
        and p.tag == _T.HUKS_TAG_ALGORITHM
        and p.value in _SLOW_ALGS
        and not isinstance(p.value, bool)
        else p
        for p in options.properties
    ]
    return HuksOptions(props, options.in_data)


# ------------------------------------------------------------------------------------ the property


def _check_error(name: str, err: HuksError) -> None:
    assert err.code in DOCUMENTED[name], f"{name} raised undocumented {err.code}: {err}"
    cause: BaseException | None = err.__cause__
    while cause is not None:
        assert not isinstance(cause, BUG_CLASSES), (
            f"{name} hid a bug behind HuksError {err.code}: {type(cause).__name__}: {cause}"
        )
        cause = cause.__cause__


def _check_result(name: str, result: object) -> None:
    if name in (
        "generate_key_item",
        "delete_key_item",
        "import_key_item",
        "import_wrapped_key_item",
        "abort_session",
    ):
        assert result is None
    elif name in ("is_key_item_exist", "has_key_item"):
        assert isinstance(result, bool)
        if name == "is_key_item_exist":
            assert result is True
    elif name == "init_session":
        assert isinstance(result, HuksSessionHandle) and 0 < result.handle < 2**64
    elif name == "list_aliases":
        assert isinstance(result, HuksListAliasesReturnResult)
        assert result.key_aliases == sorted(result.key_aliases)
        assert all(isinstance(a, str) for a in result.key_aliases)
    elif name == "get_sdk_version":
        assert result == "2.0.0.5"
    elif name == "key_storage":
        assert result == "software"
    elif name == "private_key":
        assert isinstance(result, HuksPrivateKey)
    elif name == "public_key":
        assert callable(getattr(result, "public_bytes", None))
    else:
        assert isinstance(result, HuksReturnResult)
        assert isinstance(result.out_data, bytes)


_COUNTER = [0]


def _exercise(v: Victims, name: str, call: Callable[[], object], alias: object = None) -> None:
    ks = v.ks
    try:
        result = call()
    except HuksError as err:
        event(f"HuksError {err.code}")
        _check_error(name, err)
    except Exception as exc:
        pytest.fail(f"{name} let a {type(exc).__name__} escape: {exc}")
    else:
        event("returned")
        _check_result(name, result)
        if isinstance(result, HuksSessionHandle):
            ks.abort_session(result.handle, HuksOptions())
        if name in MUTATING and alias in (VICTIM_EC, VICTIM_MAC):
            v.restore()  # a valid request may replace a victim; put it back as it was
    _COUNTER[0] += 1
    # every example: both keys there, same properties and public key; every 20th: they still work
    v.check(full=_COUNTER[0] % 20 == 0)


def _live(v: Victims, handle: object) -> tuple[object, int | None]:
    """Replace the "live" markers with a real session on the victim key; return (handle, to_abort)."""
    if handle in ("live", "live-object"):
        s = v.ks.init_session(VICTIM_EC, HuksOptions(_SIGN))
        return (s if handle == "live-object" else s.handle), s.handle
    return handle, None


_ALIAS_FUNCTIONS: Final = (
    "delete_key_item",
    "export_key_item",
    "get_key_item_properties",
    "is_key_item_exist",
    "has_key_item",
    "attest_key_item",
    "anon_attest_key_item",
    "wrap_key_item",
    "key_storage",
    "private_key",
    "public_key",
)


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("name", _ALIAS_FUNCTIONS)
def test_alias_functions(victims: Victims, name: str, data: st.DataObject) -> None:
    alias = data.draw(_ALIAS, "alias")
    options = data.draw(_OPTIONS, "options")
    method = getattr(victims.ks, name)
    _exercise(victims, name, lambda: method(alias, options), alias)


@FUZZ
@given(alias=_ALIAS, options=_GEN_OPTIONS)
def test_generate_key_item(victims: Victims, alias: object, options: object) -> None:
    options = _tame(options)
    _exercise(victims, "generate_key_item", lambda: victims.ks.generate_key_item(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, options=_IMPORT_OPTIONS)
def test_import_key_item(victims: Victims, alias: object, options: object) -> None:
    _exercise(victims, "import_key_item", lambda: victims.ks.import_key_item(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, wrapping=_ALIAS, options=_OPTIONS)
def test_import_wrapped_key_item(victims: Victims, alias: object, wrapping: object, options: object) -> None:
    _exercise(
        victims,
        "import_wrapped_key_item",
        lambda: victims.ks.import_wrapped_key_item(alias, wrapping, options),  # type: ignore[arg-type]
        alias,
    )


@FUZZ
@given(
    alias=_ALIAS, options=_OPTIONS, wrapped=st.one_of(st.binary(max_size=200), st.none(), st.text(max_size=3))
)
def test_unwrap_key_item(victims: Victims, alias: object, options: object, wrapped: object) -> None:
    _exercise(victims, "unwrap_key_item", lambda: victims.ks.unwrap_key_item(alias, options, wrapped), alias)  # type: ignore[arg-type]


@FUZZ
@given(alias=_ALIAS, options=_INIT_OPTIONS)
def test_init_session(victims: Victims, alias: object, options: object) -> None:
    _exercise(victims, "init_session", lambda: victims.ks.init_session(alias, options), alias)  # type: ignore[arg-type]


@FUZZ
@given(handle=_HANDLE, options=_SESSION_OPTIONS, token=_TOKEN)
@pytest.mark.parametrize("name", ["update_session", "finish_session"])
def test_update_finish_session(
    victims: Victims, name: str, handle: object, options: object, token: object
) -> None:
    real, to_abort = _live(victims, handle)
    method = getattr(victims.ks, name)
    try:
        _exercise(victims, name, lambda: method(real, options, token))
    finally:
        if to_abort is not None:
            victims.ks.abort_session(to_abort, HuksOptions())


@FUZZ
@given(handle=_HANDLE, options=_SESSION_OPTIONS)
def test_abort_session(victims: Victims, handle: object, options: object) -> None:
    real, to_abort = _live(victims, handle)
    try:
        _exercise(victims, "abort_session", lambda: victims.ks.abort_session(real, options))  # type: ignore[arg-type]
    finally:
        if to_abort is not None:
            victims.ks.abort_session(to_abort, HuksOptions())


@FUZZ
@given(options=_OPTIONS)
@pytest.mark.parametrize("name", ["list_aliases", "get_sdk_version"])
def test_options_only_functions(victims: Victims, name: str, options: object) -> None:
    method = getattr(victims.ks, name)
    _exercise(victims, name, lambda: method(options))


def test_every_public_function_is_fuzzed() -> None:
    """The table above covers every public method of Keystore (a new one must be added here)."""
    public = {
        n
        for n in dir(Keystore)
        if not n.startswith("_") and callable(getattr(Keystore, n)) and n not in ("close", "capabilities")
    }
    assert public == set(DOCUMENTED), f"fuzz table out of date: {sorted(public ^ set(DOCUMENTED))}"
