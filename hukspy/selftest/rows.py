"""The selftest's table: ``Row``, the failure of a check, and the two ways a row is made (a timed
check, the removal of the temporary keys)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hukspy.errors import HuksError
from hukspy.names import JSON
from hukspy.params import HuksOptions

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["CheckFailedError", "Row", "check", "remove_aliases", "timed_row"]


@dataclass(frozen=True)
class Row:
    """One line of the selftest: what was tried, whether it worked, the error or detail, the time."""

    alg: str
    size: int
    op: str
    params: str
    ok: bool
    detail: str = ""
    ms: float = 0.0

    @property
    def capability(self) -> str:
        """``"aes-256 encrypt/decrypt gcm/none"``."""
        return " ".join(p for p in (f"{self.alg}-{self.size}", self.op, self.params) if p)

    def to_json(self) -> dict[str, JSON]:
        """The row as ``hukspy --json selftest`` prints it."""
        return {
            "alg": self.alg,
            "size": self.size,
            "op": self.op,
            "params": self.params,
            "capability": self.capability,
            "ok": self.ok,
            "detail": self.detail,
            "ms": round(self.ms, 3),
        }


class CheckFailedError(Exception):
    """A check that did not hold (not a HuksError: the API answered, but wrongly)."""


def check(ok: bool, why: str) -> None:
    """Raise ``CheckFailedError(why)`` unless ``ok``."""
    if not ok:
        raise CheckFailedError(why)


@contextlib.contextmanager
def timed_row(rows: list[Row], alg: str, size: int, op: str, params: str) -> Iterator[list[str]]:
    """Time the body and append its ``Row`` to ``rows``: ok unless it raised (a HuksError, a failed
    check, or a bug below the API, which is reported and the selftest goes on); the yielded list
    collects detail."""
    detail: list[str] = []
    start = time.perf_counter()
    ok, why = True, ""
    try:
        yield detail
    except HuksError as exc:
        ok, why = False, f"error {exc.code}: {exc.message}"
    except CheckFailedError as exc:
        ok, why = False, str(exc)
    except Exception as exc:
        ok, why = False, f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - start) * 1000
    rows.append(Row(alg, size, op, params, ok, why or "; ".join(detail), ms))


def remove_aliases(ks: Keystore, names: Iterable[str], label: str) -> Row:
    """Delete the selftest's temporary aliases; one row that says whether all went."""
    start = time.perf_counter()
    failed: list[str] = []
    count = 0
    for name in names:
        count += 1
        try:
            if ks.has_key_item(name, HuksOptions()):
                ks.delete_key_item(name, HuksOptions())
        except HuksError as exc:
            failed.append(f"{name}: error {exc.code}")
    ms = (time.perf_counter() - start) * 1000
    detail = "; ".join(failed) if failed else f"{count} temporary aliases removed"
    return Row("-", 0, "delete", label, not failed, detail, ms)
