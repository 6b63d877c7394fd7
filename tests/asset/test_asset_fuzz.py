"""Bad input, property-based (issue 11 item 3): every ASSET function and the ``AssetStore`` constructor
answer anything with their result or an ``AssetError`` whose code is the exact one of the input's class,
an error commits nothing, and the secrets of another owner in the same directory and keystore are
unchanged afterwards.

Each example is a valid input of the function (built from the spec's tables below, asset-reference.md
§3.1-3.2, written here independently of ``hukspy.asset.checks``) with at most one fault applied. Faults
and their codes: not a map / not a list, an unknown key, a value of the wrong type or of 0 or more than
2048 bytes, a missing required tag, a tag the operation does not allow, a value out of its range → 401;
GROUP_ID, REQUIRE_ATTR_ENCRYPTED=true, WRAP_TYPE=TRUSTED_ACCOUNT with SYNC_TYPE TRUSTED_ACCOUNT →
24000017 (24000019 when only one map of a batch has GROUP_ID or REQUIRE_ATTR_ENCRYPTED); USER_ID →
202 (docs/asset.md, "Who the caller is"). A valid input gives a result or the no-match / exists codes
the operation documents (24000002, 24000003; ``query`` RETURN_TYPE=ALL also 401 for an AUTH_TYPE=ANY
asset without a token, and 24000017 without ALIAS).

The functions run on ``asset.default_store()`` (a software keystore in a temp directory), so the module
functions, the methods and ``default_store`` are all covered. ``HUKSPY_FUZZ_EXAMPLES`` (default 2000)
sets the examples per function.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hukspy
import hukspy.keystore
from hukspy import asset
from hukspy.asset import AssetError, Tag
from hukspy.asset import store as asset_store
from hukspy.asset.db import db_name

EXAMPLES: Final = int(os.environ.get("HUKSPY_FUZZ_EXAMPLES", "2000"))
FUZZ: Final = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
T = Tag
OK: Final = 0  # "no exception" in the sets of outcomes
U32: Final = 2**32 - 1

# ------------------------------------------------------------------ the spec's tables (§3.1, §3.2)

LABELS: Final = frozenset(
    T[f"DATA_LABEL_{kind}_{i}"] for kind in ("CRITICAL", "NORMAL", "NORMAL_LOCAL") for i in range(1, 5)
)
UPDATABLE_LABELS: Final = frozenset(t for t in LABELS if "CRITICAL" not in t.name)
ACCESS: Final = frozenset(
    {
        T.ALIAS,
        T.ACCESSIBILITY,
        T.AUTH_TYPE,
        T.IS_PERSISTENT,
        T.SYNC_TYPE,
        T.REQUIRE_PASSWORD_SET,
        T.REQUIRE_ATTR_ENCRYPTED,
        T.GROUP_ID,
        T.WRAP_TYPE,
        T.USER_ID,
    }
)
QUERY_EXTRA: Final = {T.RETURN_LIMIT, T.RETURN_OFFSET, T.RETURN_ORDERED_BY, T.RETURN_TYPE, T.AUTH_TOKEN}


@dataclass(frozen=True)
class Slot:
    """One map argument: its required and allowed tags."""

    required: frozenset[Tag]
    allowed: frozenset[Tag]


ADD: Final = Slot(
    frozenset({T.SECRET, T.ALIAS}), LABELS | ACCESS | {T.OPERATION_TYPE, T.SECRET, T.CONFLICT_RESOLUTION}
)
REMOVE: Final = Slot(frozenset(), LABELS | ACCESS | {T.OPERATION_TYPE})
UPDATE_QUERY: Final = Slot(frozenset({T.ALIAS}), LABELS | ACCESS)
UPDATE: Final = Slot(frozenset(), UPDATABLE_LABELS | {T.SECRET, T.OPERATION_TYPE})
PRE_QUERY: Final = Slot(frozenset(), LABELS | ACCESS | {T.AUTH_VALIDITY_PERIOD})
QUERY: Final = Slot(frozenset(), LABELS | ACCESS | QUERY_EXTRA | {T.OPERATION_TYPE, T.AUTH_CHALLENGE})
POST_QUERY: Final = Slot(frozenset({T.AUTH_CHALLENGE}), frozenset({T.AUTH_CHALLENGE, T.GROUP_ID, T.USER_ID}))
BATCH_ADD: Final = Slot(ADD.required, ADD.allowed - {T.USER_ID})
BATCH_REMOVE: Final = Slot(frozenset({T.ALIAS}), frozenset({T.ALIAS, T.GROUP_ID, T.REQUIRE_ATTR_ENCRYPTED}))
BATCH_UPDATE_QUERY: Final = Slot(UPDATE_QUERY.required, UPDATE_QUERY.allowed - {T.USER_ID})

BOOL_TAGS: Final = frozenset({T.REQUIRE_PASSWORD_SET, T.IS_PERSISTENT, T.REQUIRE_ATTR_ENCRYPTED})
BYTES_TAGS: Final = frozenset(
    {T.SECRET, T.ALIAS, T.AUTH_CHALLENGE, T.AUTH_TOKEN, T.UPDATE_TIME, T.GROUP_ID} | LABELS
)
NUMBER_TAGS: Final = frozenset(Tag) - BOOL_TAGS - BYTES_TAGS
ENUMS: Final[dict[Tag, frozenset[int]]] = {
    T.ACCESSIBILITY: frozenset({0, 1, 2}),
    T.AUTH_TYPE: frozenset({0x00, 0xFF}),
    T.CONFLICT_RESOLUTION: frozenset({0, 1}),
    T.RETURN_TYPE: frozenset({0, 1}),
    T.OPERATION_TYPE: frozenset({0, 1}),
    T.WRAP_TYPE: frozenset({0, 1}),
    T.RETURN_ORDERED_BY: frozenset(int(t) for t in LABELS),
}
#: BYTES tags: inclusive valid lengths (every other BYTES tag: 1..2048).
LENGTHS: Final[dict[Tag, tuple[int, int]]] = {
    T.SECRET: (1, 1024),
    T.ALIAS: (1, 256),
    T.AUTH_CHALLENGE: (32, 32),
    T.AUTH_TOKEN: (1, 1024),
    T.UPDATE_TIME: (1, 1024),
    T.GROUP_ID: (7, 127),
}
#: NUMBER tags that are not enums: inclusive valid ranges.
RANGES: Final[dict[Tag, tuple[int, int]]] = {
    T.AUTH_VALIDITY_PERIOD: (1, 600),
    T.RETURN_LIMIT: (1, 0x10000),
    T.RETURN_OFFSET: (0, U32),
    T.SYNC_TYPE: (0, 7),
    T.USER_ID: (100, 2**31 - 1),
}
#: Tags whose presence alone decides the code (they are their own fault classes, never in a valid map).
SPECIAL: Final = frozenset({T.GROUP_ID, T.USER_ID, T.REQUIRE_ATTR_ENCRYPTED})

# ------------------------------------------------------------------ values
#
# Cheap examples: hypothesis draws the fault class and one seeded ``random.Random`` per example; the maps
# are built from that Random by the small generators below (a generator is ``Random -> value``). Tens
# of hypothesis draws per example cost ~2 ms each time on the CI's 2 cores; this costs ~0.5 ms.

Gen = Callable[[random.Random], object]


def pick(*options: object) -> Gen:
    return lambda r: r.choice(options)


def ints(lo: int, hi: int) -> Gen:
    return lambda r: r.randint(lo, hi)


def one_of(*gens: Gen) -> Gen:
    return lambda r: r.choice(gens)(r)


def blob(lo: int, hi: int) -> Gen:
    """Bytes of ``lo..hi`` in length: mostly short random ones, sometimes the bounds."""

    def gen(r: random.Random) -> bytes:
        n = r.choice((lo, hi)) if r.random() < 0.3 else r.randint(lo, min(hi, lo + 8))
        return r.randbytes(n)

    return gen


ALIASES: Final = (b"a", b"b", b"c", b"d", "é".encode(), b"\x00\xff")
LABEL_VALUES: Final = (b"x", b"y", b"prod")
ANY_INT: Final = one_of(ints(-(2**70), 2**70), ints(-2, 2**32 + 2))


def _valid(tag: Tag) -> Gen:
    if tag == T.ALIAS:
        return one_of(pick(*ALIASES), blob(1, 256))
    if tag in LABELS:
        return one_of(pick(*LABEL_VALUES), blob(1, 2048))
    if tag in BOOL_TAGS:
        return pick(True, False)
    if tag in BYTES_TAGS:
        return blob(*LENGTHS.get(tag, (1, 2048)))
    if tag in ENUMS:
        return pick(*sorted(ENUMS[tag]))
    return ints(*RANGES[tag])


def _out_of_range(tag: Tag) -> Gen | None:
    if tag in BYTES_TAGS:
        lo, hi = LENGTHS.get(tag, (1, 2048))
        parts = ([blob(hi + 1, 2048)] if hi < 2048 else []) + ([blob(1, lo - 1)] if lo > 1 else [])
        return one_of(*parts) if parts else None
    if tag in ENUMS:
        good = ENUMS[tag]
        return lambda r: r.choice(
            [n for n in (r.randint(0, 300), r.randint(0, U32), 0x100) if n not in good] or [7]
        )
    if tag in RANGES:
        lo, hi = RANGES[tag]
        parts = ([ints(0, lo - 1)] if lo > 0 else []) + ([ints(hi + 1, U32)] if hi < U32 else [])
        return one_of(*parts) if parts else None
    return None


_JUNK: Final = pick(None, 1.5, float("inf"), "text", "", [1], (b"a",), {b"a": 1}, object())


def _wrong(tag: Tag) -> Gen:
    """Values that the type check refuses (parse level: 401 whatever the operation)."""
    if tag in BOOL_TAGS:
        return one_of(_JUNK, pick(0, 1, -1, b"\x01", "true"))
    if tag in BYTES_TAGS:
        return one_of(_JUNK, ANY_INT, pick(b"", b"\x5a" * 2049, bytearray(), "é"))
    return one_of(_JUNK, pick(True, False, b"\x01", "1"), ints(-(2**40), -1), ints(2**32, 2**70))


VALID: Final = {t: _valid(t) for t in Tag}
OUT_OF_RANGE: Final = {t: g for t in Tag if (g := _out_of_range(t)) is not None}
WRONG: Final = {t: _wrong(t) for t in Tag}
_KNOWN: Final = frozenset(int(t) for t in Tag)
NOT_A_MAP: Final = one_of(
    _JUNK, ANY_INT, pick(b"", b"map", [{T.ALIAS: b"a"}], frozenset({1}), ((T.ALIAS, b"a"),))
)
NOT_A_LIST: Final = one_of(_JUNK, ANY_INT, pick(b"", "x", {T.ALIAS: b"a"}, frozenset({1}), bytearray(b"a")))
UNKNOWN_KEY: Final = one_of(
    lambda r: r.choice(
        [n for n in (r.randint(0, 2**32), r.randint(-(2**40), 2**40)) if n not in _KNOWN] or [5]
    ),
    pick("ALIAS", "", None, 2.5, b"\x30", (1,), True),
)


# ------------------------------------------------------------------ valid maps and faults


def valid_map(
    r: random.Random, slot: Slot, *, alias: bytes | None = None, pre_query: bool = False
) -> dict[object, object]:
    """A map that passes every check of ``slot`` (no SPECIAL tag, no WRAP/SYNC conflict)."""
    m: dict[object, object] = {t: VALID[t](r) for t in sorted(slot.required)}
    optional = sorted(slot.allowed - slot.required - SPECIAL)
    for t in r.sample(optional, r.randint(0, min(4, len(optional)))):
        m[t] = VALID[t](r)
    if alias is not None:
        m[T.ALIAS] = alias
    if m.get(T.WRAP_TYPE) == 1 and int(m.get(T.SYNC_TYPE, 0)) & 4:  # type: ignore[call-overload]
        m[T.WRAP_TYPE] = 0
    if pre_query and m.get(T.AUTH_TYPE) == 0:
        m[T.AUTH_TYPE] = 0xFF
    if slot is REMOVE and not m and r.random() < 0.9:  # remove({}) empties the store: now and then
        m[T.ALIAS] = r.choice(ALIASES)
    return m


#: Fault classes of one map (the code is in :func:`fault`); "none" is a valid map.
FAULTS: Final = (
    "none",
    "not a map",
    "unknown key",
    "wrong type",
    "missing",
    "not allowed",
    "out of range",
    "group",
    "attr encrypted",
    "system",
    "wrap and sync",
)
ALL_TAGS: Final = sorted(Tag)


def fault(r: random.Random, kind: str, slot: Slot, m: dict[object, object]) -> tuple[object, int] | None:
    """``m`` with one fault of class ``kind`` and that class's code; None if the class does not apply to
    ``slot`` (then the map stays valid)."""
    m = dict(m)
    if kind == "not a map":
        return NOT_A_MAP(r), 401
    if kind == "unknown key":
        m[UNKNOWN_KEY(r)] = VALID[T.ALIAS](r)
        return m, 401
    if kind == "wrong type":
        t = r.choice(ALL_TAGS)
        m[t] = WRONG[t](r)
        return m, 401
    if kind == "missing" and slot.required:
        del m[r.choice(sorted(slot.required))]
        return m, 401
    if kind == "not allowed":
        t = r.choice(sorted(frozenset(Tag) - slot.allowed))
        m[t] = VALID[t](r)
        return m, 401
    if kind == "out of range":
        t = r.choice([t for t in sorted(slot.allowed - SPECIAL) if t in OUT_OF_RANGE])
        m[t] = OUT_OF_RANGE[t](r)
        return m, 401
    if kind == "group" and T.GROUP_ID in slot.allowed:
        m[T.GROUP_ID] = blob(1, 2048)(r)  # the group check runs before the length check
        return m, 24000017
    if kind == "attr encrypted" and T.REQUIRE_ATTR_ENCRYPTED in slot.allowed:
        m[T.REQUIRE_ATTR_ENCRYPTED] = True
        return m, 24000017
    if kind == "system" and T.USER_ID in slot.allowed:
        m[T.USER_ID] = VALID[T.USER_ID](r)
        return m, 202
    if kind == "wrap and sync" and {T.WRAP_TYPE, T.SYNC_TYPE} <= slot.allowed:
        m[T.WRAP_TYPE] = 1
        m[T.SYNC_TYPE] = r.randint(4, 7)
        return m, 24000017
    return None


# ------------------------------------------------------------------ the environment


@dataclass
class Env:
    root: Path
    keystore: hukspy.Keystore
    keep: dict[bytes, bytes]
    keep_store: asset.AssetStore
    version: Callable[[], int]


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    """``default_store()`` on a software keystore in a temp directory (owner ``fuzz.app``) with a PIN
    enrolled, and the assets of another owner (``keep.app``) in the same directory and keystore."""
    root = Path(tempfile.mkdtemp(prefix="hukspy-asset-fuzz-"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUKSPY_HOME", str(root))
        mp.setenv("HUKSPY_KEYSTORE", f"software:{root / 'keystore'}")
        mp.setenv("HUKSPY_APP_ID", "fuzz.app")
        mp.setattr(hukspy.keystore, "_default", None)
        mp.setattr(asset_store, "_default", None)
        ks = hukspy.default_keystore()
        ks.user_auth.enroll_pin(b"fuzz-pin")  # so REQUIRE_PASSWORD_SET assets can be added (24000005 without)
        keep = {b"keep-1": b"secret one", b"keep-2": b"\x00" * 1024, "é".encode(): b"s"}
        keep_store = asset.AssetStore(root / "asset", ks, "keep.app")
        keep_store.batch_add([{T.ALIAS: a, T.SECRET: s} for a, s in keep.items()])
        asset.add({T.ALIAS: b"first", T.SECRET: b"s"})  # creates the fuzzed owner's database
        conn = sqlite3.connect(root / "asset" / f"{db_name('fuzz.app')}.db", check_same_thread=False)

        def version() -> int:
            n: int = conn.execute("PRAGMA data_version").fetchone()[0]
            return n

        try:
            yield Env(root, ks, keep, keep_store, version)
        finally:
            conn.close()
            keep_store.close()
            asset.default_store().close()
            ks.close()


def check_kept(env: Env) -> None:
    """The other owner's secrets are exactly as stored, through a fresh store object."""
    with asset.AssetStore(env.root / "asset", env.keystore, "keep.app") as st:
        rows = st.query({})
        assert sorted(r[T.ALIAS] for r in rows) == sorted(env.keep)  # type: ignore[type-var]
        for alias, secret in env.keep.items():
            got = st.query({T.ALIAS: alias, T.RETURN_TYPE: asset.ReturnType.ALL})[0][T.SECRET]
            assert got == secret


BUG_CLASSES: Final = (TypeError, AttributeError, KeyError, IndexError, ValueError, AssertionError, NameError)


def outcome(
    env: Env, fn: Callable[..., object], args: tuple[object, ...], expected: set[int] | int
) -> object:
    """Call ``fn(*args)``; assert that it returned (``OK`` in ``expected``) or raised an ``AssetError``
    with a code in ``expected``, nothing else; an error must commit nothing."""
    allowed = {expected} if isinstance(expected, int) else expected
    what = f"{fn.__name__}{args!r:.600}"
    before = env.version()
    try:
        result = fn(*args)
    except AssetError as err:
        STATS[fn.__name__, err.code] += 1
        assert err.code in allowed, f"{what}: {err!r}, expected {sorted(allowed)}"
        assert not isinstance(err.__cause__, BUG_CLASSES), f"{what}: {err.__cause__!r}"
        assert env.version() == before, f"{what}: a failed call committed a change"
        return err
    STATS[fn.__name__, OK] += 1
    assert OK in allowed, f"{what} returned {result!r:.200}, expected {sorted(allowed)}"
    return result


#: (function, code or OK) -> count, printed by ``pytest -s`` with ``HUKSPY_FUZZ_STATS=1``: how often each
#: outcome came up (a fuzz whose inputs all fail the first check would test little).
STATS: Final[Counter[tuple[str, int]]] = Counter()


def teardown_module() -> None:
    if os.environ.get("HUKSPY_FUZZ_STATS"):
        for (fn, code), n in sorted(STATS.items()):
            print(f"{fn:>14} {code or 'ok':>9} {n}")


SEEDED: Final = st.randoms(use_true_random=True)
KINDS: Final = st.sampled_from(FAULTS)


def fuzz(env: Env, *strategies: st.SearchStrategy[object]) -> Callable[[Callable[..., None]], None]:
    """Run the decorated body on ``FUZZ`` examples of ``strategies`` at once, then check that the other
    owner's secrets are unchanged."""

    def run(body: Callable[..., None]) -> None:
        FUZZ(given(*strategies)(body))()
        check_kept(env)

    return run


def single(r: random.Random, kind: str, slot: Slot, **kw: object) -> tuple[object, int]:
    """A valid map of ``slot`` with a fault of class ``kind``, and its code (-1: the map is valid)."""
    m = valid_map(r, slot, **kw)  # type: ignore[arg-type]
    faulty = fault(r, kind, slot, m)
    return faulty if faulty is not None else (m, -1)


def some_asset(r: random.Random, auth_type: int = 0) -> None:
    """Add (or overwrite) an asset under one of the fuzzed aliases, so that the store has matches."""
    asset.add({T.ALIAS: r.choice(ALIASES), T.SECRET: b"s", T.CONFLICT_RESOLUTION: 0, T.AUTH_TYPE: auth_type})


# ------------------------------------------------------------------ one test per function


#: Functions of one map: the map's slot, and the outcomes of a valid map.
ONE_MAP: Final = {
    "add": (ADD, {OK, 24000003}),
    "remove": (REMOVE, {OK, 24000002}),
    "post_query": (POST_QUERY, {OK}),
}


@pytest.mark.parametrize("name", list(ONE_MAP))
def test_fuzz_one_map_function(env: Env, name: str) -> None:
    fn, (slot, valid) = getattr(asset, name), ONE_MAP[name]

    @fuzz(env, SEEDED, KINDS)
    def _(r: random.Random, kind: str) -> None:
        m, code = single(r, kind, slot)
        outcome(env, fn, (m,), valid if code < 0 else code)
        if r.random() < 0.3:  # matches for remove
            some_asset(r)


def test_fuzz_update(env: Env) -> None:
    @fuzz(env, SEEDED, st.sampled_from((*FAULTS, "empty update")), st.sampled_from(("query", "update")))
    def _(r: random.Random, kind: str, where: str) -> None:
        q, u = valid_map(r, UPDATE_QUERY), valid_map(r, UPDATE) or {T.SECRET: b"new"}
        code = -1
        if kind == "empty update":
            u, code = {}, 401
        else:
            faulty = fault(
                r, kind, UPDATE_QUERY if where == "query" else UPDATE, q if where == "query" else u
            )
            if faulty is not None:
                if where == "query":
                    q, code = faulty  # type: ignore[assignment]
                else:
                    u, code = faulty  # type: ignore[assignment]
        outcome(env, asset.update, (q, u), {OK, 24000002} if code < 0 else code)
        if r.random() < 0.2:
            some_asset(r)


def test_fuzz_pre_query(env: Env) -> None:
    @fuzz(env, SEEDED, st.sampled_from((*FAULTS, "auth type none")))
    def _(r: random.Random, kind: str) -> None:
        if kind == "auth type none":
            m, code = {**valid_map(r, PRE_QUERY), T.AUTH_TYPE: 0}, 401  # pre_query needs AUTH_TYPE=ANY
        else:
            m, code = single(r, kind, PRE_QUERY, pre_query=True)
        got = outcome(env, asset.pre_query, (m,), {OK, 24000002, 24000017} if code < 0 else code)
        if isinstance(got, bytes):
            assert len(got) == 32
            asset.post_query({T.AUTH_CHALLENGE: got})
        if r.random() < 0.1:  # an AUTH_TYPE=ANY asset to pre-query
            some_asset(r, auth_type=0xFF)


def test_fuzz_query(env: Env) -> None:
    @fuzz(env, SEEDED, KINDS)
    def _(r: random.Random, kind: str) -> None:
        m, code = single(r, kind, QUERY)
        expected: set[int] | int = code
        if code < 0:
            assert isinstance(m, dict)
            expected = {OK, 24000002}
            if m.get(T.RETURN_TYPE) == 0:  # ALL needs ALIAS; an AUTH_TYPE=ANY secret needs a token
                expected = {OK, 24000002, 401} if T.ALIAS in m else 24000017
        got = outcome(env, asset.query, (m,), expected)
        if isinstance(got, list):
            assert got and all(isinstance(row, dict) and T.ALIAS in row for row in got)
        if r.random() < 0.1:
            some_asset(r)


#: Fault classes of a batch as a whole; "map" applies one of FAULTS to one of its maps.
BATCH_FAULTS: Final = ("none", "map", "not a list", "empty", "too many", "twice")


def batch(r: random.Random, kind: str, map_kind: str, slot: Slot, *, empty_ok: bool) -> tuple[object, int]:
    """A valid list of 1..4 maps of ``slot`` with distinct aliases and a fault of class ``kind``, and its
    code (-1: the list is valid)."""
    n = r.randint(1, 4)
    maps: list[object] = [valid_map(r, slot, alias=a) for a in r.sample(ALIASES, n)]
    if kind == "map":
        i = r.randrange(n)
        faulty = fault(r, map_kind, slot, maps[i])  # type: ignore[arg-type]
        if faulty is not None:
            maps[i], code = faulty
            # this map alone has GROUP_ID / REQUIRE_ATTR_ENCRYPTED: inconsistent when there are others
            alone = isinstance(maps[i], dict) and bool(
                {T.GROUP_ID, T.REQUIRE_ATTR_ENCRYPTED} & maps[i].keys()
            )  # type: ignore[union-attr]
            return maps, 24000019 if code == 24000017 and alone and n > 1 else code
    if kind == "not a list":
        return NOT_A_LIST(r), 401
    if kind == "empty":
        return [], OK if empty_ok else 401
    if kind == "too many":
        return [maps[0]] * 101, 401
    if kind == "twice" and slot is BATCH_ADD:
        return [*maps, maps[0]], 401
    return maps, -1


def test_fuzz_batch_add(env: Env) -> None:
    @fuzz(env, SEEDED, st.sampled_from(BATCH_FAULTS), KINDS)
    def _(r: random.Random, kind: str, map_kind: str) -> None:
        maps, code = batch(r, kind, map_kind, BATCH_ADD, empty_ok=False)
        got = outcome(env, asset.batch_add, (maps,), OK if code < 0 else code)
        if isinstance(got, asset.BatchResult):
            assert got.failed_count == len(got.failed_error_infos)
            assert {e.err_code for e in got.failed_error_infos} <= {24000003}


def test_fuzz_batch_remove(env: Env) -> None:
    @fuzz(env, SEEDED, st.sampled_from(BATCH_FAULTS), KINDS)
    def _(r: random.Random, kind: str, map_kind: str) -> None:
        maps, code = batch(r, kind, map_kind, BATCH_REMOVE, empty_ok=True)
        outcome(env, asset.batch_remove, (maps,), OK if code < 0 else code)
        if r.random() < 0.3:
            some_asset(r)


UPDATE_FAULTS: Final = ("none", "update", "empty update", "lengths", "updates not a list")


def test_fuzz_batch_update(env: Env) -> None:
    @fuzz(env, SEEDED, st.sampled_from(BATCH_FAULTS), KINDS, st.sampled_from(UPDATE_FAULTS))
    def _(r: random.Random, kind: str, map_kind: str, update_kind: str) -> None:
        queries, code = batch(r, kind, map_kind, BATCH_UPDATE_QUERY, empty_ok=False)
        n = len(queries) if isinstance(queries, list) else 1
        updates: object = [valid_map(r, UPDATE) or {T.SECRET: b"new"} for _ in range(n)]
        if code < 0 and isinstance(updates, list):  # the queries are valid: a fault in the updates
            if update_kind == "update":
                i = r.randrange(n)
                faulty = fault(r, map_kind, UPDATE, updates[i])
                if faulty is not None:
                    updates[i], code = faulty
            elif update_kind == "empty update":
                updates[r.randrange(n)] = {}
                code = 401
            elif update_kind == "lengths":
                updates, code = [*updates, {T.SECRET: b"x"}], 401
            elif update_kind == "updates not a list":
                updates, code = NOT_A_LIST(r), 401
        got = outcome(env, asset.batch_update, (queries, updates), OK if code < 0 else code)
        if isinstance(got, asset.BatchResult):
            assert got.failed_count == len(got.failed_error_infos)
            assert {e.err_code for e in got.failed_error_infos} <= {24000002}
        if r.random() < 0.2:
            some_asset(r)


# ------------------------------------------------------------------ the constructor


class BytesPath(os.PathLike[bytes]):
    def __fspath__(self) -> bytes:
        return b"/tmp/x"


def test_fuzz_asset_store(env: Env) -> None:
    root = env.root
    bad_owners = one_of(
        pick("", b"app", 7, 2.5, "é" * 513, ["app"]),
        lambda r: "".join(chr(r.randint(32, 0x10FFFF)) for _ in range(r.randint(0, 4))) + "\udc80",
    )
    good_owners = one_of(
        pick(None, "fuzz.app", "keep.app", "é" * 512, "a\0b"),
        lambda r: "".join(
            chr(r.choice([r.randint(32, 126), r.randint(0xE000, 0x10FFFF)])) for _ in range(12)
        ),
    )
    bad_paths = one_of(
        pick(3, b"/tmp/x", 2.5, [str(root)], BytesPath(), "", bytearray(b"/tmp")),
        lambda r: f"{root}/{r.randint(0, 9)}\0{r.random()}",
        pick(f"{root}/\ud800", Path(f"{root}/\ud800")),
    )
    good_paths = one_of(
        pick(None, root / "asset", str(root / "other"), Path(str(root / "sub") + "\udcff")),
        pick(root / "asset" / ".keys.lock" / "sub"),  # under a file: opens; a read finds nothing
        lambda r: root / "".join(r.choice("abc") for _ in range(r.randint(1, 4))),
    )
    bad_keystores = pick("software:", 3, object(), root, env.keystore.capabilities())

    @fuzz(env, SEEDED, st.sampled_from(("valid", "owner", "path", "keystore", "default keystore broken")))
    def _(r: random.Random, kind: str) -> None:
        owner = (bad_owners if kind == "owner" else good_owners)(r)
        path = (bad_paths if kind == "path" else good_paths)(r)
        keystore = r.choice([None, env.keystore]) if kind in ("valid", "owner", "path") else None
        if kind == "keystore":
            keystore = bad_keystores(r)
        expected = {"valid": OK, "default keystore broken": 24000001}.get(kind, 401)
        saved = hukspy.keystore._default
        if kind == "default keystore broken":
            os.environ["HUKSPY_KEYSTORE"] = "nosuch:"
            hukspy.keystore._default = None
        try:
            got = outcome(env, asset.AssetStore, (path, keystore, owner), expected)
        finally:
            os.environ["HUKSPY_KEYSTORE"] = f"software:{root / 'keystore'}"
            hukspy.keystore._default = saved
        if isinstance(got, asset.AssetStore):
            with got:
                assert got.keystore is (env.keystore if keystore is None else keystore)
                outcome(env, got.query, ({T.ALIAS: b"nothing-here"},), 24000002)

    assert hukspy.default_keystore() is env.keystore
