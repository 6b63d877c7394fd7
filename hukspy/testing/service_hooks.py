"""The keystore service's test server: ``python -m hukspy.testing.service_hooks`` (started by
``hukspy.testing.service.ServiceProcess(..., test_hooks=True)``, never by ``hukspy serve``).

It is ``hukspy serve``'s server (``hukspy.service.server``) with two additions, so the user-auth suites
(``UserAuthTests``, ``AuthKeyTests``) can run through a real service (docs/service.md, "Tests"):

- every credential's clock is a ``hukspy.testing.userauth.FileClock`` on ``--clock-file``: the test's
  ``FileFakeClock`` writes that file; without it the clock is the machine's;
- the target ``"t"`` (``HOOKS``), on the calling uid's own credential, as the kernel names the caller:
  ``reset_user_auth`` (drop its PIN state records), ``user_auth_state`` (a digest of them) and
  ``forge_token`` (re-sign a token of its credential with changed fields).

A production service answers none of this: a client of ``hukspy serve`` that sends target ``"t"``
loses its connection, and its clock is always the machine's.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.service.server import Config, Peer, Server, _Connection, _Uid, run
from hukspy.testing.authz import forge_token
from hukspy.testing.service import HOOK_TARGET
from hukspy.testing.userauth import FileClock, reset_user_auth, user_auth_state

__all__ = ["HOOKS", "HookedServer", "main"]


def _forge(keystore: Keystore, token: object, fields: object) -> bytes:
    if not isinstance(token, bytes) or not isinstance(fields, dict):
        raise HuksError(401, "forge_token takes a token and a map of fields")
    return forge_token(keystore.user_auth, token, **fields)


#: The test-only calls: name -> what runs on the caller uid's credential keystore.
HOOKS: Final[dict[str, Callable[..., Any]]] = {
    "reset_user_auth": reset_user_auth,
    "user_auth_state": user_auth_state,
    "forge_token": _forge,
}


class _HookedConnection(_Connection):
    """A connection that also answers ``HOOKS`` (target ``"t"``); everything else, the errors of the
    hooks included, as ``hukspy serve``'s."""

    def _dispatch(self, user: _Uid, target: object, method: str, args: list[Any],
                  kwargs: dict[str, Any]) -> list[Any]:
        if target == HOOK_TARGET and method in HOOKS:
            return [0, HOOKS[method](user.owner_keystore, *args, **kwargs)]
        return super()._dispatch(user, target, method, args, kwargs)


class HookedServer(Server):
    """``Server`` with ``_HookedConnection``s, whose credentials all read ``clock``."""

    clock: FileClock

    def connection(self, sock: socket.socket, peer: Peer) -> _Connection:
        return _HookedConnection(self, sock, peer)

    def user(self, peer: Peer) -> _Uid:
        found = super().user(peer)
        found.owner_keystore.user_auth.clock = self.clock
        return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the test server: ``--keystore URI --socket PATH --home DIR --clock-file FILE [--config FILE]``
    (as ``hukspy serve``; files created with umask 077). The exit status."""
    p = argparse.ArgumentParser(prog="python -m hukspy.testing.service_hooks")
    p.add_argument("--keystore", required=True)
    p.add_argument("--socket", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--clock-file", required=True)
    p.add_argument("--config", default=None)
    args = p.parse_args(argv)
    config = Config.load(args.config)
    os.umask(0o077)
    clock = FileClock(args.clock_file)

    def make(keystore: Keystore, listener: socket.socket, cfg: Config, home: str) -> Server:
        server = HookedServer(keystore, listener, cfg, home)
        server.clock = clock
        return server

    def ready(path: str) -> None:
        print(f"hukspy test server: {args.keystore} on {path}", file=sys.stderr, flush=True)

    return run(args.keystore, args.socket, config, args.home, on_ready=ready, server_class=make)


if __name__ == "__main__":
    sys.exit(main())
