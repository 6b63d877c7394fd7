"""What the facade remembers to be fast (docs/benchmarks.md, "What is cached"): ``hukspy.memo.Memo``,
the parsed-options memo of ``ParamSet.parse`` and the plan memo of ``Keystore``. A remembered answer is
exactly the one a fresh check would give, and memory stays bounded however many distinct options come.

Freshness across processes and threads (a key changed elsewhere) is proven on every backend by the
conformance suite (``hukspy.testing.conformance.FreshnessTests``).

``HUKSPY_MEMO_CALLS`` sets the calls of the memory test (default 30,000, about 10 s on the software
keystore; 1,000,000 is the issue's figure and takes several minutes).
"""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from hukspy import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksKeyPurpose, HuksOptions, HuksTag, Keystore
from hukspy.memo import Memo
from hukspy.params import HuksParam, ParamSet
from hukspy.testing import P, options, raises_code

_T = HuksTag
_GCM = (
    P(_T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES),
    P(_T.HUKS_TAG_KEY_SIZE, 256),
    P(_T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT),
    P(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
    P(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
)


def test_memo_is_a_bounded_lru() -> None:
    memo: Memo[int, str] = Memo(3)
    for i in range(3):
        memo.put(i, str(i))
    assert memo.get(0) == "0"  # 0 is now the most recently used
    memo.put(3, "3")  # drops 1, the least recently used
    assert [memo.get(i) for i in range(4)] == ["0", None, "2", "3"]
    assert len(memo) == 3
    memo.clear()
    assert len(memo) == 0


def test_memo_from_many_threads_stays_bounded() -> None:
    memo: Memo[tuple[int, int], int] = Memo(64)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5000):
                memo.put((n, i % 100), i)
                memo.get((n, (i * 7) % 100))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(memo) == 64


def test_a_list_changed_in_place_is_parsed_again() -> None:
    props = [P(_T.HUKS_TAG_KEY_SIZE, 128)]
    assert ParamSet.parse(props)[_T.HUKS_TAG_KEY_SIZE] == 128
    props[0] = P(_T.HUKS_TAG_KEY_SIZE, 256)
    assert ParamSet.parse(props)[_T.HUKS_TAG_KEY_SIZE] == 256
    props.append(P(_T.HUKS_TAG_KEY_SIZE, 512))
    with raises_code(401):
        ParamSet.parse(props)


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (P(_T.HUKS_TAG_KEY_OVERRIDE, True), P(_T.HUKS_TAG_KEY_OVERRIDE, 1)),  # True == 1, but not a bool
        (P(_T.HUKS_TAG_KEY_SIZE, 1), P(_T.HUKS_TAG_KEY_SIZE, True)),  # 1 == True, but a bool
        (P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_KEY_SIZE, 256.0)),  # 256 == 256.0, but a float
        (P(_T.HUKS_TAG_KEY_SIZE, 256), HuksParam(True, 256)),  # a bool is no tag
    ],
)
def test_equal_values_of_another_type_are_not_taken_for_a_parsed_set(
    good: HuksParam, bad: HuksParam
) -> None:
    ParamSet.parse([good])  # remembered
    with raises_code(401):
        ParamSet.parse([bad])


def test_values_that_may_change_are_parsed_every_time() -> None:
    value = bytearray(b"\x01" * 12)
    props = [P(_T.HUKS_TAG_NONCE, value)]
    assert ParamSet.parse(props)[_T.HUKS_TAG_NONCE] == b"\x01" * 12
    value[:] = b"\x02" * 12
    assert ParamSet.parse(props)[_T.HUKS_TAG_NONCE] == b"\x02" * 12
    view = memoryview(value)
    assert ParamSet.parse([P(_T.HUKS_TAG_NONCE, view)])[_T.HUKS_TAG_NONCE] == b"\x02" * 12
    value[:] = b"\x03" * 12
    assert ParamSet.parse([P(_T.HUKS_TAG_NONCE, view)])[_T.HUKS_TAG_NONCE] == b"\x03" * 12
    view.release()


def test_an_iterator_is_read_once() -> None:
    parsed = ParamSet.parse(iter([P(_T.HUKS_TAG_KEY_SIZE, 128)]))
    assert dict(parsed) == {_T.HUKS_TAG_KEY_SIZE: 128}


def test_a_refused_init_is_refused_every_time(software_keystore: Keystore) -> None:
    software_keystore.generate_key_item("gcm", options(*_GCM))
    no_padding = options(*_GCM[:4], P(_T.HUKS_TAG_NONCE, bytes(12)))  # the key has a PADDING: init needs it
    for _ in range(3):
        with raises_code(401):
            software_keystore.init_session("gcm", no_padding)


def test_a_nonce_huks_chose_is_new_every_session(software_keystore: Keystore) -> None:
    software_keystore.generate_key_item("gcm", options(*_GCM))
    init = options(*_GCM)  # no NONCE: HUKS chooses one and appends it to the output
    outs = set()
    for _ in range(5):
        h = software_keystore.init_session("gcm", init)
        outs.add(software_keystore.finish_session(h, options(in_data=b"x" * 16)).out_data[-12:])
    assert len(outs) == 5


def test_memory_stays_flat_over_many_calls_with_distinct_options(software_keystore: Keystore) -> None:
    """``HUKSPY_MEMO_CALLS`` init+abort calls (default 30,000) cycling over 10,000 distinct options
    objects (each its own NONCE): every memo is full after the first cycle, and from then on the number
    of Python memory blocks does not grow; over the whole run it grows by less than 10,000 options
    would take if they were all remembered."""
    calls = int(os.environ.get("HUKSPY_MEMO_CALLS", "30000"))
    distinct = 10_000
    ks = software_keystore
    ks.generate_key_item("gcm", options(*_GCM))
    all_options = [
        HuksOptions([*_GCM, P(_T.HUKS_TAG_NONCE, i.to_bytes(12, "big"))]) for i in range(distinct)
    ]
    empty = options()

    def run(n: int, start: int) -> None:
        for i in range(start, start + n):
            ks.abort_session(ks.init_session("gcm", all_options[i % distinct]), empty)

    before = sys.getallocatedblocks()
    started = time.monotonic()
    run(distinct, 0)
    warm = sys.getallocatedblocks()
    run(calls - distinct, distinct)
    after = sys.getallocatedblocks()
    seconds = time.monotonic() - started
    # bounded memos: 1,024 parsed sets and 1,024 plans at about 20 blocks each, far from 10,000 of each
    assert warm - before < 60_000, f"{warm - before} blocks after the first {distinct} distinct options"
    grew = after - warm
    print(f"blocks: +{warm - before} over the first {distinct} calls, +{grew} over {calls - distinct} more")
    assert grew < 2_000, f"{grew} more blocks over {calls - distinct} more calls ({seconds:.0f} s)"
