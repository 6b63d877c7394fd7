"""The access-control part of the conformance suite: access groups (``KEY_ACCESS_GROUP``) and, where
the keystore has a user credential, user-auth keys (docs/userauth.md). Every backend runs it through
``KeystoreConformanceTests``; the groups used are real Unix groups of the machine (the process's own
effective group, and one it is not a member of), so nothing is simulated.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any, Final

import pytest

from hukspy.enums import HuksTag
from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.params import HuksParam, HuksSessionHandle
from hukspy.service.client import ServiceUserAuth
from hukspy.testing import simple as _c
from hukspy.testing.service import service_hook
from hukspy.testing.support import options, param, raises_code, unique_alias
from hukspy.testing.userauth import FakeClock, reset_user_auth
from hukspy.userauth import UserAuth
from hukspy.userauth.token import sign_token

__all__ = ["AccessGroupTests", "AuthKeyTests", "foreign_group", "forge_token", "own_group"]

_TAG = HuksTag


def own_group() -> str:
    """The name of the calling process's effective group (it is always a member)."""
    return grp.getgrgid(os.getegid()).gr_name


def foreign_group() -> str | None:
    """The name of a group of this machine the calling process is not a member of, or None."""
    mine = {os.getegid(), *os.getgroups()}
    for g in sorted(grp.getgrall(), key=lambda g: g.gr_gid):
        if g.gr_gid not in mine and "\x1e" not in g.gr_name:
            return g.gr_name
    return None


def _group(name: str) -> HuksParam:
    return param(_TAG.HUKS_TAG_KEY_ACCESS_GROUP, name.encode())


class AccessGroupTests:
    """KEY_ACCESS_GROUP (issue 13 item 6, docs/userauth.md): a group key lives in the group's namespace,
    reached only with the tag and only by members; other groups are 12000018."""

    def test_group_key_lives_in_the_group_namespace(self, keystore: Keystore) -> None:
        simple = _c.simple(keystore)
        group = _group(own_group())
        alias = unique_alias("group")
        keystore.generate_key_item(alias, options(*simple.gen, group))
        try:
            assert alias in keystore.list_aliases(options(group)).key_aliases
            assert alias not in keystore.list_aliases(options()).key_aliases, "a group key is not private"
            assert keystore.has_key_item(alias, options()) is False
            with raises_code(12000011):
                keystore.init_session(alias, options(*simple.init))
            props = keystore.get_key_item_properties(alias, options(group)).properties or []
            assert any(p.tag == _TAG.HUKS_TAG_KEY_ACCESS_GROUP for p in props)
            handle = keystore.init_session(alias, options(*simple.init, group)).handle
            keystore.abort_session(handle, options())
            # the same alias privately is another key
            keystore.generate_key_item(alias, options(*simple.gen))
            try:
                assert alias in keystore.list_aliases(options()).key_aliases
                keystore.delete_key_item(alias, options())
                assert keystore.has_key_item(alias, options(group)) is True, "delete reached the group key"
            finally:
                if keystore.has_key_item(alias, options()):
                    keystore.delete_key_item(alias, options())
        finally:
            keystore.delete_key_item(alias, options(group))
        assert keystore.has_key_item(alias, options(group)) is False

    def test_group_the_caller_is_not_in_is_12000018(self, keystore: Keystore) -> None:
        name = foreign_group()
        if name is None:
            pytest.skip("every group of this machine has the test process as a member")
        simple = _c.simple(keystore)
        bad = _group(name)
        alias = unique_alias("foreign")
        before = keystore.list_aliases(options()).key_aliases
        calls: dict[str, Callable[[], object]] = {
            "generate": lambda: keystore.generate_key_item(alias, options(*simple.gen, bad)),
            "has": lambda: keystore.has_key_item(alias, options(bad)),
            "exist": lambda: keystore.is_key_item_exist(alias, options(bad)),
            "properties": lambda: keystore.get_key_item_properties(alias, options(bad)),
            "delete": lambda: keystore.delete_key_item(alias, options(bad)),
            "list": lambda: keystore.list_aliases(options(bad)),
            "init": lambda: keystore.init_session(alias, options(*simple.init, bad)),
        }
        wrong: list[str] = []
        for label, call in calls.items():
            try:
                call()
            except HuksError as exc:
                if exc.code != 12000018:
                    wrong.append(f"{label}: {exc.code}")
            else:
                wrong.append(f"{label}: no error")
        assert not wrong, "\n".join(wrong)
        assert keystore.list_aliases(options()).key_aliases == before

    def test_unknown_or_malformed_group_is_12000018(self, keystore: Keystore) -> None:
        simple = _c.simple(keystore)
        for value in (b"hukspy-no-such-group-\x01", b"\xff\xfe", b"g" * 129, b"\x00", b""):
            with raises_code(12000018):
                keystore.list_aliases(options(param(_TAG.HUKS_TAG_KEY_ACCESS_GROUP, value)))
            bad = param(_TAG.HUKS_TAG_KEY_ACCESS_GROUP, value)
            with raises_code(12000018):
                keystore.generate_key_item(unique_alias("bad-group"), options(*simple.gen, bad))


# ---------------------------------------------------------------- user-auth keys and sessions

_PIN_TYPE = 4  # HUKS_USER_AUTH_TYPE_PIN
_FACE_TYPE = 2
_CLEAR, _ALWAYS = 1, 4
_NORMAL, _CUSTOM, _NONE = 0, 1, 2
PIN: Final = b"424242"


def _auth(auth: int = _PIN_TYPE, access: int = _CLEAR, challenge: int = _NORMAL,
          *extra: HuksParam) -> tuple[HuksParam, ...]:
    return (
        param(_TAG.HUKS_TAG_USER_AUTH_TYPE, auth),
        param(_TAG.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, access),
        param(_TAG.HUKS_TAG_CHALLENGE_TYPE, challenge),
        *extra,
    )


def _xts_pin(index: int, replacement: HuksParam, *, time: bool = False) -> list[HuksParam]:
    """XTS ``usePinNormal`` (``usePinTime`` with ``time``: CHALLENGE_TYPE_NONE, AUTH_TIMEOUT 10) with
    ``properties.splice(index, 1, replacement)``."""
    props = [
        param(_TAG.HUKS_TAG_ALGORITHM, 20),  # AES
        param(_TAG.HUKS_TAG_KEY_SIZE, 256),
        param(_TAG.HUKS_TAG_PURPOSE, 1 | 2),  # ENCRYPT | DECRYPT
        param(_TAG.HUKS_TAG_PADDING, 0),  # NONE
        param(_TAG.HUKS_TAG_BLOCK_MODE, 2),  # CBC
        param(_TAG.HUKS_TAG_USER_AUTH_TYPE, _PIN_TYPE),
        param(_TAG.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, _CLEAR),
        param(_TAG.HUKS_TAG_CHALLENGE_TYPE, _NONE if time else _NORMAL),
        param(_TAG.HUKS_TAG_AUTH_TIMEOUT, 10) if time else param(_TAG.HUKS_TAG_CHALLENGE_POS, 0),
    ]
    props[index] = replacement
    return props


def forge_token(ua: UserAuth, token: bytes, **fields: Any) -> bytes:
    """A token with ``fields`` changed, MACed with the keystore's own token keys (what a UserIAM that
    issued such a token would produce). On a ``service:`` keystore's ``UserAuth`` the test server
    (``hukspy.testing.service_hooks``) does it with the caller uid's token key."""
    if isinstance(ua, ServiceUserAuth):
        return bytes(service_hook(ua._ks, "forge_token", token, fields))
    return sign_token(dataclasses.replace(ua.verify_token(token), **fields), ua._keys)


class AuthKeyTests:
    """User-auth keys and their sessions (issue 13 item 3, docs/userauth.md): one test per HUKS row of
    the user-auth summary table, and XTS SecurityHuksFaceFingerJsunit HUKS_Cipher_AuthToken_* cases."""

    @pytest.fixture
    def auth_clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def pin_ua(self, keystore: Keystore, auth_clock: FakeClock) -> Iterator[UserAuth]:
        """The keystore's UserAuth on a fake clock, with PIN enrolled (reset before and after)."""
        reset_user_auth(keystore)
        ua = keystore.user_auth
        ua.clock = auth_clock
        ua.enroll_pin(PIN)
        try:
            yield ua
        finally:
            reset_user_auth(keystore)

    def _key(self, ks: Keystore, *auth: HuksParam) -> tuple[str, _c.Simple]:
        simple = _c.simple(ks)
        alias = unique_alias("authkey")
        ks.generate_key_item(alias, options(*simple.gen, *auth))
        return alias, simple

    def _session(self, ks: Keystore, alias: str, simple: _c.Simple, *extra: HuksParam) -> HuksSessionHandle:
        return ks.init_session(alias, options(*simple.init, *extra))

    # -- generate

    def test_HUKS_Cipher_AuthToken_2900_3000_3100_3300_5500_invalid_auth_params_are_401(  # noqa: N802
        self, keystore: Keystore
    ) -> None:
        """SecurityHuksFaceFinger*Jsunit: ``usePinNormal``/``usePinTime`` with one param replaced; -1 on a
        uint tag is what upstream's NAPI reads as 0xFFFFFFFF (hukspy's ParamSet refuses -1 itself, 401)."""
        minus_1 = 2**32 - 1
        cases = {
            "2900 USER_AUTH_TYPE -1": _xts_pin(5, param(_TAG.HUKS_TAG_USER_AUTH_TYPE, minus_1)),
            # the reference gives 401; one XTS variant expects 12000013 (docs/decisions.md)
            "3000 KEY_AUTH_ACCESS_TYPE -1": _xts_pin(6, param(_TAG.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, minus_1)),
            "3100 CHALLENGE_TYPE -1": _xts_pin(7, param(_TAG.HUKS_TAG_CHALLENGE_TYPE, minus_1)),
            "3300 AUTH_TIMEOUT -1 (NONE)": _xts_pin(8, param(_TAG.HUKS_TAG_AUTH_TIMEOUT, minus_1), time=True),
            "5500 PIN with NEW_BIO_ENROLL": _xts_pin(6, param(_TAG.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, 2)),
            "3100 with -1 as given": _xts_pin(7, param(_TAG.HUKS_TAG_CHALLENGE_TYPE, -1)),
        }
        wrong = []
        for label, props in cases.items():
            try:
                keystore.generate_key_item(unique_alias("bad-auth"), options(*props))
            except HuksError as exc:
                if exc.code != 401:
                    wrong.append(f"{label}: {exc.code}")
            else:
                wrong.append(f"{label}: created")
        assert not wrong, "\n".join(wrong)

    def test_UserAuth_Api20_Func_0100_0200_tui_pin_alone_is_12000001(  # noqa: N802
        self, keystore: Keystore
    ) -> None:
        simple = _c.simple(keystore)
        with raises_code(12000001):
            keystore.generate_key_item(unique_alias("tui"), options(*simple.gen, *_auth(32, _ALWAYS)))

    def test_key_auth_purpose_outside_purpose_is_12000003(self, keystore: Keystore) -> None:
        simple = _c.simple(keystore)
        purpose = next(p.value for p in simple.gen if p.tag == _TAG.HUKS_TAG_PURPOSE)
        assert isinstance(purpose, int)
        outside = 0x40 if not purpose & 0x40 else 0x100
        with raises_code(12000003):
            keystore.generate_key_item(unique_alias("ap"), options(
                *simple.gen, *_auth(_PIN_TYPE, _ALWAYS), param(_TAG.HUKS_TAG_KEY_AUTH_PURPOSE, outside)))

    def test_HUKS_Cipher_AuthToken_3200_no_credential_is_12000013_and_always_valid_is_not(  # noqa: N802
        self, keystore: Keystore
    ) -> None:
        reset_user_auth(keystore)
        simple = _c.simple(keystore)
        alias = unique_alias("nocred")
        with raises_code(12000013):  # CHALLENGE_POS is not checked at generate (3200: POS -1)
            pos = param(_TAG.HUKS_TAG_CHALLENGE_POS, 2**32 - 1)
            keystore.generate_key_item(alias, options(*_xts_pin(8, pos)))
        assert keystore.has_key_item(alias, options()) is False
        keystore.generate_key_item(alias, options(*simple.gen, *_auth(_PIN_TYPE, _ALWAYS)))
        keystore.delete_key_item(alias, options())

    def test_device_password_unset_is_12000016_at_generate_init_update(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        simple = _c.simple(keystore)
        need_pw = param(_TAG.HUKS_TAG_IS_DEVICE_PASSWORD_SET, True)
        alias = unique_alias("pw")
        keystore.generate_key_item(alias, options(*simple.gen, need_pw))
        try:
            handle = self._session(keystore, alias, simple).handle
            pin_ua.remove_pin(PIN)
            with raises_code(12000016):
                keystore.update_session(handle, options(in_data=b"x"))
            with raises_code(12000011):  # the failure ended the session
                keystore.update_session(handle, options(in_data=b"x"))
            with raises_code(12000016):
                self._session(keystore, alias, simple)
            with raises_code(12000016):
                keystore.generate_key_item(unique_alias("pw"), options(*simple.gen, need_pw))
        finally:
            keystore.delete_key_item(alias, options())

    # -- sessions

    def test_round_trip_with_a_token_and_later_calls_need_none(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        alias, simple = self._key(keystore, *_auth())
        try:
            h = self._session(keystore, alias, simple)
            assert h.challenge is not None and len(h.challenge) == 32
            token = pin_ua.authenticate(h.challenge, PIN)
            keystore.update_session(h, options(in_data=b"a"), token)
            keystore.update_session(h, options(in_data=b"b"))  # verified once per session
            out = keystore.finish_session(h, options(in_data=b"c")).out_data
            assert isinstance(out, bytes)
            # the token may come as AUTH_TOKEN in the options, too (upstream's NAPI appends it there)
            h2 = self._session(keystore, alias, simple)
            token2 = pin_ua.authenticate(h2.challenge, PIN)
            keystore.finish_session(h2, options(param(_TAG.HUKS_TAG_AUTH_TOKEN, token2), in_data=b"abc"))
        finally:
            keystore.delete_key_item(alias, options())

    def test_token_missing_or_not_280_bytes_is_401_and_ends_the_session(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        alias, simple = self._key(keystore, *_auth())
        try:
            for token in (None, b"", bytes(279), bytes(281)):
                h = self._session(keystore, alias, simple)
                with raises_code(401):
                    keystore.update_session(h, options(in_data=b"a"), token)
                with raises_code(12000011):
                    keystore.finish_session(h, options(in_data=b"a"), pin_ua.authenticate(h.challenge, PIN))
        finally:
            keystore.delete_key_item(alias, options())

    def test_forged_token_or_auth_type_not_allowed_is_12000008(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        alias, simple = self._key(keystore, *_auth())
        face, _ = self._key(keystore, *_auth(_FACE_TYPE, _ALWAYS))
        try:
            h = self._session(keystore, alias, simple)
            token = bytearray(pin_ua.authenticate(h.challenge, PIN))
            token[100] ^= 1  # inside the encrypted part: the HMAC no longer verifies
            with raises_code(12000008):
                keystore.update_session(h, options(in_data=b"a"), bytes(token))
            h = self._session(keystore, alias, simple)
            with raises_code(12000008):
                keystore.update_session(h, options(in_data=b"a"), secrets.token_bytes(280))
            h = self._session(keystore, face, simple)
            with raises_code(12000008):  # a PIN token for a FACE key
                keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(h.challenge, PIN))
        finally:
            keystore.delete_key_item(alias, options())
            keystore.delete_key_item(face, options())

    def test_challenge_mismatch_is_12000012(self, keystore: Keystore, pin_ua: UserAuth) -> None:
        alias, simple = self._key(keystore, *_auth())
        custom, _ = self._key(keystore, *_auth(_PIN_TYPE, _CLEAR, _CUSTOM))
        try:
            h = self._session(keystore, alias, simple)
            other = bytes(b ^ 0xFF for b in h.challenge or b"")
            with raises_code(12000012):
                keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(other, PIN))
            # CUSTOM: only bytes 8*pos .. 8*pos+8 count
            pos = param(_TAG.HUKS_TAG_CHALLENGE_POS, 2)
            h = self._session(keystore, custom, simple, pos)
            assert h.challenge is not None
            near = bytes(8) * 2 + h.challenge[16:24] + bytes(8)
            keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(near, PIN))
            keystore.abort_session(h, options())
            h = self._session(keystore, custom, simple, pos)
            assert h.challenge is not None
            off = h.challenge[:16] + bytes(8) + h.challenge[24:]
            with raises_code(12000012):
                keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(off, PIN))
        finally:
            keystore.delete_key_item(alias, options())
            keystore.delete_key_item(custom, options())

    def test_custom_challenge_pos_missing_or_above_3_is_401_at_init(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        alias, simple = self._key(keystore, *_auth(_PIN_TYPE, _CLEAR, _CUSTOM))
        try:
            with raises_code(401):
                self._session(keystore, alias, simple)
            with raises_code(401):
                self._session(keystore, alias, simple, param(_TAG.HUKS_TAG_CHALLENGE_POS, 4))
            assert keystore.open_sessions == 0
        finally:
            keystore.delete_key_item(alias, options())

    def test_none_challenge_token_older_than_auth_timeout_is_12000009(
        self, keystore: Keystore, pin_ua: UserAuth, auth_clock: FakeClock
    ) -> None:
        alias, simple = self._key(keystore, *_auth(_PIN_TYPE, _CLEAR, _NONE))
        ten = param(_TAG.HUKS_TAG_AUTH_TIMEOUT, 10)
        longer, _ = self._key(keystore, *_auth(_PIN_TYPE, _CLEAR, _NONE, ten))
        try:
            token = pin_ua.authenticate(None, PIN)
            auth_clock.advance(4)  # default AUTH_TIMEOUT is 3 s
            h = self._session(keystore, alias, simple)
            assert h.challenge is None
            with raises_code(12000009):
                keystore.update_session(h, options(in_data=b"a"), token)
            h = self._session(keystore, longer, simple)
            keystore.finish_session(h, options(in_data=b"a"), token)
            h = self._session(keystore, alias, simple)  # fresh enough: within 3 s
            keystore.finish_session(h, options(in_data=b"a"), pin_ua.authenticate(None, PIN))
        finally:
            keystore.delete_key_item(alias, options())
            keystore.delete_key_item(longer, options())

    def test_cleared_password_or_other_user_is_12000007(self, keystore: Keystore, pin_ua: UserAuth) -> None:
        alias, simple = self._key(keystore, *_auth(_PIN_TYPE, _CLEAR))
        always, _ = self._key(keystore, *_auth(_PIN_TYPE, _ALWAYS))
        try:
            h = self._session(keystore, always, simple)
            token = forge_token(pin_ua, pin_ua.authenticate(h.challenge, PIN), user_id=101)
            with raises_code(12000007):
                keystore.update_session(h, options(in_data=b"a"), token)
            pin_ua.remove_pin(PIN)
            pin_ua.enroll_pin(PIN)  # a new credential: a new secure uid
            h = self._session(keystore, alias, simple)
            with raises_code(12000007):
                keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(h.challenge, PIN))
            h = self._session(keystore, always, simple)  # ALWAYS_VALID survives it
            keystore.finish_session(h, options(in_data=b"a"), pin_ua.authenticate(h.challenge, PIN))
        finally:
            keystore.delete_key_item(alias, options())
            keystore.delete_key_item(always, options())

    def test_key_auth_purpose_limits_which_purposes_need_a_token(
        self, keystore: Keystore, pin_ua: UserAuth
    ) -> None:
        enc, dec = 1, 2  # HUKS_KEY_PURPOSE_ENCRYPT, DECRYPT
        cbc = (param(_TAG.HUKS_TAG_BLOCK_MODE, 2), param(_TAG.HUKS_TAG_PADDING, 5))  # CBC, PKCS7
        gen = (param(_TAG.HUKS_TAG_ALGORITHM, 20), param(_TAG.HUKS_TAG_KEY_SIZE, 256),  # AES-256
               param(_TAG.HUKS_TAG_PURPOSE, enc | dec), *cbc)
        alias = unique_alias("authpurpose")
        try:
            keystore.generate_key_item(alias, options(
                *gen, *_auth(), param(_TAG.HUKS_TAG_KEY_AUTH_PURPOSE, dec)))
        except HuksError as exc:
            if exc.code == 12000001:
                pytest.skip(f"{keystore.backend_name} cannot generate AES-256 keys")
            raise
        iv = param(_TAG.HUKS_TAG_IV, bytes(16))
        try:
            h = keystore.init_session(alias, options(gen[0], param(_TAG.HUKS_TAG_PURPOSE, enc), *cbc, iv))
            assert h.challenge is None, "ENCRYPT is outside KEY_AUTH_PURPOSE: no token needed"
            ct = keystore.finish_session(h, options(in_data=b"sixteen byte msg")).out_data
            h = keystore.init_session(alias, options(gen[0], param(_TAG.HUKS_TAG_PURPOSE, dec), *cbc, iv))
            assert h.challenge is not None
            with raises_code(401):
                keystore.finish_session(h, options(in_data=ct))
            h = keystore.init_session(alias, options(gen[0], param(_TAG.HUKS_TAG_PURPOSE, dec), *cbc, iv))
            token = pin_ua.authenticate(h.challenge, PIN)
            assert keystore.finish_session(h, options(in_data=ct), token).out_data == b"sixteen byte msg"
        finally:
            keystore.delete_key_item(alias, options())

    def test_coauth_token_on_a_local_key_is_12000001(self, keystore: Keystore, pin_ua: UserAuth) -> None:
        alias, simple = self._key(keystore, *_auth())
        try:
            h = self._session(keystore, alias, simple)
            token = forge_token(pin_ua, pin_ua.authenticate(h.challenge, PIN), token_type=2)
            with raises_code(12000001):
                keystore.update_session(h, options(in_data=b"a"), token)
            with raises_code(12000011):
                keystore.update_session(h, options(in_data=b"a"), pin_ua.authenticate(h.challenge, PIN))
        finally:
            keystore.delete_key_item(alias, options())

    def test_locked_device_gates_ce_and_ece_keys_with_201(
        self, keystore: Keystore, pin_ua: UserAuth, auth_clock: FakeClock
    ) -> None:
        simple = _c.simple(keystore)
        made = []
        for level in (0, 1, 2):
            alias = unique_alias(f"lvl{level}")
            lv = param(_TAG.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
            keystore.generate_key_item(alias, options(*simple.gen, lv))
            made.append((alias, lv))
        try:
            pin_ua.unlock(PIN)
            pin_ua.lock()
            (de, de_p), (ce, ce_p), (ece, ece_p) = made
            assert keystore.has_key_item(de, options(de_p)) and keystore.has_key_item(ce, options(ce_p))
            with raises_code(201) as info:
                keystore.init_session(ece, options(*simple.init, ece_p))
            assert "locked" in str(info.value)
            auth_clock.boot = "boot-2"  # a reboot: nobody unlocked since
            with raises_code(201):
                keystore.has_key_item(ce, options(ce_p))
            keystore.abort_session(self._session(keystore, de, simple, de_p), options())
            pin_ua.unlock(PIN)
            keystore.abort_session(self._session(keystore, ece, simple, ece_p), options())
        finally:
            pin_ua.unlock(PIN)
            for alias, lv_param in made:
                keystore.delete_key_item(alias, options(lv_param))
