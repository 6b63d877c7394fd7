"""Bad input at a user-auth key's session (issue 13, "Bad input"; docs/userauth.md "Sessions"): random
tokens of any length, real tokens with one bit flipped, tokens for random challenges, CHALLENGE_POS
values. Only ``HuksError`` with the codes of the token table comes out, the failure ends the session,
and nothing stored changes: the key still works with a good token and its record is the same."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hukspy import HuksError, HuksTag, Keystore
from hukspy.testing.support import options, param, raises_code
from hukspy.userauth import UserAuth, UserAuthError

EXAMPLES: Final = int(os.environ.get("HUKSPY_FUZZ_EXAMPLES", "2000")) // 40  # each PIN check is a slow hash
FUZZ: Final = settings(max_examples=max(EXAMPLES, 20), deadline=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PIN: Final = b"8642"
SECRET: Final = bytes(range(32))
#: What a bad token may give (docs/userauth.md, the token table).
TOKEN_CODES: Final = frozenset({401, 12000001, 12000007, 12000008, 12000009, 12000012})
_T = HuksTag
_KEY: Final = (
    param(_T.HUKS_TAG_ALGORITHM, 50),  # HMAC
    param(_T.HUKS_TAG_KEY_SIZE, 256),
    param(_T.HUKS_TAG_PURPOSE, 128),  # MAC
    param(_T.HUKS_TAG_DIGEST, 12),  # SHA256
    param(_T.HUKS_TAG_USER_AUTH_TYPE, 4),
    param(_T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 1),
)
_INIT: Final = (
    param(_T.HUKS_TAG_ALGORITHM, 50), param(_T.HUKS_TAG_PURPOSE, 128), param(_T.HUKS_TAG_DIGEST, 12)
)


@dataclass
class Victim:
    ks: Keystore
    ua: UserAuth
    props: dict[str, object]


@pytest.fixture(scope="module")
def victim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Victim]:
    home: Path = tmp_path_factory.mktemp("fuzzauth")
    with Keystore("software:", home=str(home)) as ks:
        ua = ks.user_auth
        ua.enroll_pin(PIN)
        for alias, challenge in (("normal", 0), ("custom", 1), ("none", 2)):
            kind = param(_T.HUKS_TAG_CHALLENGE_TYPE, challenge)
            ks.import_key_item(alias, options(*_KEY, kind, in_data=SECRET))
        props = {a: ks.get_key_item_properties(a, options()).properties for a in ("normal", "custom", "none")}
        yield Victim(ks, ua, props)


def _good_round_trip(v: Victim, alias: str, *extra: object) -> None:
    h = v.ks.init_session(alias, options(*_INIT, *extra))  # type: ignore[arg-type]
    token = v.ua.authenticate(h.challenge, PIN)
    mac = v.ks.finish_session(h, options(in_data=b"m"), token).out_data
    assert mac == hmac.new(SECRET, b"m", hashlib.sha256).digest()


_TOKENS = st.one_of(
    st.binary(max_size=600),
    st.binary(min_size=280, max_size=280),
    st.tuples(st.integers(0, 280 * 8 - 1)).map(lambda t: ("flip", t[0])),
    st.binary(min_size=32, max_size=32).map(lambda c: ("challenge", c)),
    st.sampled_from([None, "", 280, bytearray(280), memoryview(bytes(280))]),
)


@FUZZ
@given(token=_TOKENS, alias=st.sampled_from(["normal", "custom", "none"]), pos=st.integers(0, 3),
       at_finish=st.booleans())
def test_bad_tokens_only_give_token_codes_and_change_nothing(
    victim: Victim, token: object, alias: str, pos: int, at_finish: bool
) -> None:
    v = victim
    extra = (param(_T.HUKS_TAG_CHALLENGE_POS, pos),) if alias == "custom" else ()
    h = v.ks.init_session(alias, options(*_INIT, *extra))
    if isinstance(token, tuple) and token[0] == "flip":
        good = bytearray(v.ua.authenticate(h.challenge, PIN))
        good[token[1] // 8] ^= 1 << (token[1] % 8)
        token = bytes(good)
    elif isinstance(token, tuple):
        token = v.ua.authenticate(token[1], PIN)
    call = v.ks.finish_session if at_finish else v.ks.update_session
    try:
        call(h, options(in_data=b"m"), token)  # type: ignore[arg-type]
    except HuksError as exc:
        assert exc.code in TOKEN_CODES, exc
        with raises_code(12000011):  # any failure ends the session
            v.ks.finish_session(h, options(in_data=b"m"))
    else:  # a token that happens to be good (a challenge that does not matter, a flip the MAC misses)
        if not at_finish:
            v.ks.abort_session(h, options())
    assert v.ks.open_sessions == 0
    assert v.ks.get_key_item_properties(alias, options()).properties == v.props[alias]
    _good_round_trip(v, alias, *extra)


@FUZZ
@given(challenge=st.one_of(st.binary(max_size=64), st.none(), st.text(max_size=4), st.integers()),
       pin=st.one_of(st.binary(max_size=12), st.text(max_size=12), st.none(), st.integers()))
def test_authenticate_with_anything_gives_a_token_or_user_auth_error(
    victim: Victim, challenge: object, pin: object
) -> None:
    try:
        token = victim.ua.authenticate(challenge, pin)  # type: ignore[arg-type]
    except UserAuthError:
        pass
    else:
        assert isinstance(token, bytes) and len(token) == 280
    victim.ua.unlock(PIN)  # a wrong PIN counts: reset the schedule so the next example may authenticate
