"""``hukspy selftest``: exercise every capability a keystore declares, through the public API only.

``run_selftest(ks)`` reads ``ks.capabilities()``, draws its cases from ``hukspy.testing.cases`` (the
generator the conformance suite uses too) and returns one ``Row`` per check: the rows of every
declared key and operation (``hukspy.selftest.capabilities``), then those of agreement with storage,
derivation, wrapped import, wrap and attestation checked against pyca (``hukspy.selftest.keyops``), a
user-auth key round trip (``hukspy.selftest.auth``), and the removal of the temporary keys. A failed
check is a row, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hukspy.selftest.auth import auth_rows
from hukspy.selftest.capabilities import ALIAS_PREFIX, capability_rows
from hukspy.selftest.keyops import keyop_rows
from hukspy.selftest.rows import CheckFailedError, Row

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["ALIAS_PREFIX", "CheckFailedError", "Row", "keyop_rows", "run_selftest"]


def run_selftest(
    ks: Keystore, *, progress: Callable[[str], None] | None = None, enroll_pin: bool = False
) -> list[Row]:
    """Exercise every capability ``ks`` declares (module docstring) and return one ``Row`` per check,
    ending with the removal of the temporary keys. Never raises ``HuksError``: failures are rows.
    ``progress`` is called with the text of each check as it starts. ``enroll_pin``: the keystore is
    the selftest's own, so the user-auth round trip may enroll a PIN on it (``hukspy.selftest.auth``)."""
    with capability_rows(ks, progress) as rows:
        rows.extend(keyop_rows(ks))
        rows.extend(auth_rows(ks, enroll=enroll_pin))
    return rows
