"""Another process that changes a key: ``python -m hukspy.testing.keychild`` reads one JSON request
on stdin, ``{"uri": ..., "action": "import" | "delete", "alias": ..., "params": <hex of
ParamSet.encode()>, "data": <hex>}``, opens ``Keystore(uri)`` (``$HUKSPY_HOME`` and ``$HUKSPY_PIN`` as
inherited), does it and exits 0; a ``HuksError`` exits 1 with its code on stderr.

The conformance suite's freshness tests (``hukspy.testing.conformance.FreshnessTests``) use it to prove
that what a keystore remembers never hides a change made by another process. The URI (which may carry
a PIN) and the key material travel on stdin, never on the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys

from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.params import HuksOptions, HuksParam, ParamSet

__all__ = ["change_in_another_process"]


def change_in_another_process(uri: str, action: str, alias: str, params: list[HuksParam],
                              data: bytes = b"", timeout: float = 120) -> None:
    """Run ``action`` ("import" or "delete") on ``alias`` in a fresh Python process on ``uri``; wait for
    it. Raises ``AssertionError`` with the child's stderr when it fails."""
    request = {
        "uri": uri, "action": action, "alias": alias,
        "params": ParamSet.parse(params).encode().hex(), "data": data.hex(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "hukspy.testing.keychild"], input=json.dumps(request).encode(),
        capture_output=True, timeout=timeout, check=False,
    )
    assert done.returncode == 0, f"the other process failed to {action} {alias!r}: {done.stderr.decode()}"


def main() -> int:
    request = json.loads(sys.stdin.read())
    params = ParamSet.decode(bytes.fromhex(request["params"])).to_params()
    data = bytes.fromhex(request["data"])
    try:
        with Keystore(request["uri"]) as ks:
            if request["action"] == "import":
                ks.import_key_item(request["alias"], HuksOptions(params, data))
            else:
                ks.delete_key_item(request["alias"], HuksOptions(params))
    except HuksError as err:
        print(f"HuksError {err.code}: {err.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
