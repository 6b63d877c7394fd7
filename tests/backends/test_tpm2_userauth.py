"""On a TPM the TPM enforces the PIN (docs/userauth.md, "On a TPM"): the PIN is an authValue the TPM
checks, under its dictionary-attack lockout, so bypassing hukspy's own schedule gains nothing and the
stored state holds nothing to guess against offline. Each test runs its own swtpm."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tpm2_pytss.constants import TPM2_CAP, TPM2_PT

from hukspy import Keystore
from hukspy.testing.userauth import FakeClock, ua_code
from hukspy.userauth import UserAuthResultCode
from hukspy.userauth.store import RESERVED_LEVEL, STATE_ALIAS, State

PIN = b"4711"
WRONG = b"0815"


@pytest.fixture
def tpm(open_backend: Callable[..., Any], tmp_path: Path) -> Iterator[tuple[str, Any]]:
    with open_backend("tpm2", tmp_path) as (uri, inst):
        yield uri, inst


def _lockout_counter(ks: Keystore) -> int:
    def read(t: Any) -> int:
        _, data = t.esapi.get_capability(TPM2_CAP.TPM_PROPERTIES, TPM2_PT.LOCKOUT_COUNTER, 1)
        return int(data.data.tpmProperties.tpmProperty[0].value)

    return int(ks._backend.tpm.run(read))  # type: ignore[attr-defined]


def _forget_failures(ks: Keystore) -> None:
    """What a caller owning the files can do in-process: reset hukspy's own wrong-PIN count."""
    records = ks._backend.records()
    record = records.get(RESERVED_LEVEL, STATE_ALIAS)
    assert record is not None
    state = State.decode(record.ref)
    state.failures, state.frozen_until = 0, 0.0
    records.put(type(record)(record.alias, record.level, record.params, state.encode()), replace=True)


def test_the_pin_is_a_tpm_object_and_every_wrong_guess_counts_in_the_tpm(tpm: tuple[str, Any]) -> None:
    uri, _ = tpm
    with Keystore(uri) as ks:
        ua = ks.user_auth
        ua.clock = FakeClock()
        ua.enroll_pin(PIN)
        record = ks._backend.records().get(RESERVED_LEVEL, STATE_ALIAS)
        assert record is not None
        stored = json.loads(record.ref)["pin"]
        assert stored["kind"] == "tpm2" and "hash" not in stored  # nothing to test PINs against offline
        assert PIN.hex() not in record.ref.decode()
        before = _lockout_counter(ks)
        for _ in range(3):
            assert ua_code(lambda: ua.authenticate(bytes(32), WRONG)).code == UserAuthResultCode.FAIL
        assert _lockout_counter(ks) == before + 3
        assert ua.verify_token(ua.authenticate(bytes(32), PIN)).credential_id == ua.credential_id()
        ua.change_pin(PIN, WRONG)
        ua.unlock(WRONG)
        assert ua_code(lambda: ua.unlock(PIN)).code == UserAuthResultCode.FAIL


def test_tpm_lockout_holds_when_hukspys_schedule_is_bypassed(tpm: tuple[str, Any]) -> None:
    from hukspy_tpm2.testing import set_dictionary_attack

    uri, inst = tpm
    set_dictionary_attack(inst.tcti, max_tries=2, recovery_s=1000, lockout_recovery_s=1000)
    with Keystore(uri) as ks:
        ua = ks.user_auth
        ua.clock = FakeClock()
        ua.enroll_pin(PIN)
        for _ in range(2):
            assert ua_code(lambda: ua.unlock(WRONG)).code == UserAuthResultCode.FAIL
        _forget_failures(ks)
        err = ua_code(lambda: ua.unlock(PIN))  # the right PIN: the TPM refuses to check it at all
        assert err.code == UserAuthResultCode.LOCKED and "TPM" in err.message
        assert err.freeze_s == 1000
        _forget_failures(ks)
        assert ua_code(lambda: ua.authenticate(bytes(32), PIN)).code == UserAuthResultCode.LOCKED
        # LOCKED by the TPM counts no failure in hukspy's schedule
        record = ks._backend.records().get(RESERVED_LEVEL, STATE_ALIAS)
        assert record is not None and State.decode(record.ref).failures == 0
