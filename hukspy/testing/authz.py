"""The access-control part of the conformance suite: access groups (``KEY_ACCESS_GROUP``) and, where
the keystore has a user credential, user-auth keys (docs/userauth.md). Every backend runs it through
``KeystoreConformanceTests``; the groups used are real Unix groups of the machine (the process's own
effective group, and one it is not a member of), so nothing is simulated.
"""

from __future__ import annotations

import grp
import os
from collections.abc import Callable

import pytest

from hukspy.enums import HuksTag
from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.params import HuksParam
from hukspy.testing import conformance as _c
from hukspy.testing.support import options, param, raises_code, unique_alias

__all__ = ["AccessGroupTests", "foreign_group", "own_group"]

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
        simple = _c._simple(keystore)
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
        simple = _c._simple(keystore)
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
        simple = _c._simple(keystore)
        for value in (b"hukspy-no-such-group-\x01", b"\xff\xfe", b"g" * 129, b"\x00", b""):
            with raises_code(12000018):
                keystore.list_aliases(options(param(_TAG.HUKS_TAG_KEY_ACCESS_GROUP, value)))
            bad = param(_TAG.HUKS_TAG_KEY_ACCESS_GROUP, value)
            with raises_code(12000018):
                keystore.generate_key_item(unique_alias("bad-group"), options(*simple.gen, bad))
