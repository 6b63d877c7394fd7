"""``hukspy serve``: run the keystore service in the foreground (docs/service.md)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import Final

from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import Parents
from hukspy.cli.output import Result, UsageError

__all__ = ["COMMANDS", "cmd_serve"]


def cmd_serve(context: Context, args: argparse.Namespace) -> Result:
    """Serve ``--keystore`` on ``--socket`` until SIGTERM/SIGINT (``hukspy.service.server.run``). The
    service's files (``--home``, default ``$HUKSPY_HOME``) are created with umask 077. Raises
    ``HuksError`` when the keystore cannot open (its codes), ``OSError`` when the socket is in use."""
    from hukspy.keystore import hukspy_home
    from hukspy.service.server import Config, run

    config = Config.load(args.config)
    os.umask(0o077)
    home = args.home or hukspy_home()

    def ready(path: str) -> None:
        print(f"hukspy serve: {context.uri or 'software:'} on {path}", file=sys.stderr, flush=True)

    run(context.uri or "software:", args.socket, config, home, on_ready=ready)
    return {}


def _check(args: argparse.Namespace) -> None:
    if (args.keystore or "").startswith("service:"):
        raise UsageError("the service cannot serve a service: keystore")
    if args.config is not None and not os.path.exists(args.config):
        raise UsageError(f"no configuration file {args.config}")


def add_serve(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("serve", help="run the keystore service on a Unix socket (docs/service.md)")
    p.add_argument("--keystore", metavar="URI", default=argparse.SUPPRESS,
                   help="the keystore the service holds (as the global --keystore)")
    p.add_argument("--socket", metavar="PATH", default=None,
                   help="the socket (default $HUKSPY_SOCKET, else /run/hukspy/hukspy.sock; "
                   "ignored under systemd socket activation)")
    p.add_argument("--config", metavar="FILE", default=os.environ.get("HUKSPY_SERVICE_CONFIG") or None,
                   help="who may connect, the limits (TOML; default $HUKSPY_SERVICE_CONFIG, else everyone)")
    p.add_argument("--home", metavar="DIR", default=None,
                   help="the service's state directory (default $HUKSPY_HOME)")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(Command("serve", add_serve, cmd_serve, check=_check))
