"""``hukspy asset add|query|update|remove``: the ASSET store from the command line.

The main CLI (``hukspy.cli.asset``) calls :func:`add_parser` with its subparsers and :func:`run` with the
parsed arguments of an ``asset`` command (``args.func`` is also set to :func:`run`)::

    printf %s "$PASSWORD" | hukspy asset add db-password --label normal1=prod
    hukspy asset query db-password --json
    PGPASSWORD=$(hukspy asset query db-password --secret)   # the secret's bytes alone
    hukspy asset update db-password --secret-file new.txt
    hukspy asset remove db-password

The alias is the first positional argument, or ``--alias ALIAS``.

A secret is read from stdin (the default) or ``--secret-file PATH``, never from an argument, which would
show in the process list. One trailing newline is stripped unless ``--raw``. Labels are
``--label KIND=TEXT`` with KIND one of ``critical1..4``, ``normal1..4``, ``local1..4``. ``--json`` prints
machine-readable output: tag names in lower case; bytes as a string when they are UTF-8, else as
``{"base64": ...}``. Errors are printed as for every ``hukspy`` command (``hukspy.cli.output.fail``):
``error <code>: <message>`` on stderr, and ``{"error": {"code": ..., "message": ...}}`` on stdout with
``--json``; the exit status is 1.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Final

from hukspy.asset.checks import AssetMap, AssetValue
from hukspy.asset.enums import Accessibility, AuthType, ConflictResolution, ErrorCode, ReturnType, Tag
from hukspy.asset.errors import AssetError
from hukspy.asset.store import AssetStore
from hukspy.errors import HuksError

__all__ = ["add_parser", "run"]

_LABEL_KINDS: Final[dict[str, Tag]] = {
    **{f"critical{i}": Tag[f"DATA_LABEL_CRITICAL_{i}"] for i in range(1, 5)},
    **{f"normal{i}": Tag[f"DATA_LABEL_NORMAL_{i}"] for i in range(1, 5)},
    **{f"local{i}": Tag[f"DATA_LABEL_NORMAL_LOCAL_{i}"] for i in range(1, 5)},
}
_ACCESSIBILITY: Final = {
    "powered-on": Accessibility.DEVICE_POWERED_ON,
    "first-unlocked": Accessibility.DEVICE_FIRST_UNLOCKED,
    "unlocked": Accessibility.DEVICE_UNLOCKED,
}
_AUTH: Final = {"none": AuthType.NONE, "any": AuthType.ANY}


def _label(text: str) -> tuple[Tag, bytes]:
    kind, sep, value = text.partition("=")
    if not sep or kind.lower() not in _LABEL_KINDS:
        raise argparse.ArgumentTypeError(f"expected KIND=TEXT with KIND one of {', '.join(_LABEL_KINDS)}")
    return _LABEL_KINDS[kind.lower()], value.encode()


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="DIR", help="the store directory (default $HUKSPY_HOME/asset)")
    p.add_argument("--owner", help="the owning application (default $HUKSPY_APP_ID, else the user name)")
    p.add_argument("--keystore", metavar="URI", default=argparse.SUPPRESS, help="the keystore URI")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("alias_arg", nargs="?", metavar="ALIAS", help="the asset's alias (UTF-8 text)")
    p.add_argument("--alias", help="the asset's alias, as an option")
    p.add_argument(
        "--label", action="append", type=_label, default=[], metavar="KIND=TEXT", help="a label (repeatable)"
    )


def _secret_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--secret-file", metavar="PATH", help="read the secret from PATH ('-': stdin)")
    p.add_argument("--raw", action="store_true", help="keep a trailing newline of the secret")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``asset`` command (with ``add``, ``query``, ``update``, ``remove``) to ``subparsers``."""
    parser = subparsers.add_parser("asset", help="the ASSET secret store (passwords, tokens)")
    sub = parser.add_subparsers(dest="asset_command", required=True, metavar="{add,query,update,remove}")

    p = sub.add_parser("add", allow_abbrev=False, help="add a secret (read from stdin or --secret-file)")
    _common(p)
    _secret_args(p)
    p.add_argument("--accessibility", choices=list(_ACCESSIBILITY), help="default first-unlocked")
    p.add_argument("--auth-type", choices=list(_AUTH), help="default none")
    p.add_argument("--sync-type", type=int, help="SYNC_TYPE bits (0..7)")
    p.add_argument("--persistent", action="store_true", help="IS_PERSISTENT")
    p.add_argument("--require-password-set", action="store_true", help="REQUIRE_PASSWORD_SET")
    p.add_argument("--overwrite", action="store_true", help="replace an asset with the same alias")

    p = sub.add_parser(
        "query", allow_abbrev=False, help="list assets (attributes; --secret for the secret of one alias)"
    )
    _common(p)
    p.add_argument(
        "--secret",
        action="store_true",
        help="RETURN_TYPE=ALL: print the secret's bytes alone (needs an alias; the whole row with --json)",
    )
    p.add_argument("--limit", type=int, help="RETURN_LIMIT")
    p.add_argument("--offset", type=int, help="RETURN_OFFSET")
    p.add_argument("--order-by", choices=list(_LABEL_KINDS), help="RETURN_ORDERED_BY a label")

    p = sub.add_parser(
        "update", allow_abbrev=False, help="change the secret (--secret-file) or normal labels of an alias"
    )
    _common(p)
    _secret_args(p)

    p = sub.add_parser("remove", allow_abbrev=False, help="remove the matching assets")
    _common(p)
    p.add_argument("--all", action="store_true", help="remove every asset of the owner")

    parser.set_defaults(func=run)
    return parser


def _read_secret(args: argparse.Namespace) -> bytes:
    path = args.secret_file
    data = sys.stdin.buffer.read() if path is None or path == "-" else Path(path).read_bytes()
    if not args.raw:
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
    return data


def _selection(args: argparse.Namespace) -> dict[Tag, AssetValue]:
    q: dict[Tag, AssetValue] = {}
    if args.alias is not None:
        try:
            q[Tag.ALIAS] = args.alias.encode()
        except UnicodeEncodeError:  # bytes of the command line that are not UTF-8
            raise AssetError(ErrorCode.INVALID_ARGUMENT, detail="--alias must be UTF-8 text") from None
    for tag, value in args.label:
        q[tag] = value
    return q


def _jsonable(value: AssetValue) -> object:
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, bool):
        return value
    return int(value)


def _print_rows(rows: list[AssetMap], as_json: bool) -> None:
    out = [{tag.name.lower(): _jsonable(v) for tag, v in row.items()} for row in rows]
    if as_json:
        print(json.dumps(out, indent=2))
        return
    for i, row in enumerate(out):
        if i:
            print()
        for name, v in row.items():
            print(f"{name}: {json.dumps(v) if isinstance(v, dict) else v}")


def _print_secret(rows: list[AssetMap]) -> None:
    """``query --secret`` without ``--json``: the secret's bytes alone on stdout (no newline), like
    ``keyring get``."""
    secret = rows[0][Tag.SECRET]
    sys.stdout.buffer.write(secret if isinstance(secret, bytes) else str(secret).encode())
    sys.stdout.buffer.flush()


def _execute(args: argparse.Namespace, store: AssetStore) -> None:
    command = args.asset_command
    q = _selection(args)
    if command == "add":
        attrs = dict(q)
        attrs[Tag.SECRET] = _read_secret(args)
        if args.accessibility:
            attrs[Tag.ACCESSIBILITY] = _ACCESSIBILITY[args.accessibility]
        if args.auth_type:
            attrs[Tag.AUTH_TYPE] = _AUTH[args.auth_type]
        if args.sync_type is not None:
            attrs[Tag.SYNC_TYPE] = args.sync_type
        if args.persistent:
            attrs[Tag.IS_PERSISTENT] = True
        if args.require_password_set:
            attrs[Tag.REQUIRE_PASSWORD_SET] = True
        if args.overwrite:
            attrs[Tag.CONFLICT_RESOLUTION] = ConflictResolution.OVERWRITE
        store.add(attrs)
        _report(args, {"added": args.alias})
    elif command == "query":
        if args.secret:
            q[Tag.RETURN_TYPE] = ReturnType.ALL
        if args.limit is not None:
            q[Tag.RETURN_LIMIT] = args.limit
        if args.offset is not None:
            q[Tag.RETURN_OFFSET] = args.offset
        if args.order_by:
            q[Tag.RETURN_ORDERED_BY] = _LABEL_KINDS[args.order_by]
        rows = store.query(q)
        if args.secret and not args.json:
            _print_secret(rows)
        else:
            _print_rows(rows, args.json)
    elif command == "update":
        if Tag.ALIAS not in q:
            raise AssetError(401, detail="update needs --alias")
        changes: dict[Tag, AssetValue] = {t: v for t, v in q.items() if t != Tag.ALIAS}
        if args.secret_file is not None:
            changes[Tag.SECRET] = _read_secret(args)
        store.update({Tag.ALIAS: q[Tag.ALIAS]}, changes)
        _report(args, {"updated": args.alias})
    else:
        if not q and not args.all:
            raise AssetError(401, detail="remove needs --alias, --label or --all")
        store.remove(q)
        _report(args, {"removed": args.alias if args.alias is not None else "matching assets"})


def _report(args: argparse.Namespace, what: dict[str, str | None]) -> None:
    if args.json:
        print(json.dumps(what))
    else:
        for verb, alias in what.items():
            print(f"{verb} {alias}")


def _merge_alias(args: argparse.Namespace) -> None:
    """``args.alias``: the positional ALIAS or ``--alias``. Raises ``hukspy.cli.output.UsageError`` when
    both are given and differ."""
    from hukspy.cli.output import UsageError

    positional = getattr(args, "alias_arg", None)
    if positional is not None:
        if args.alias is not None and args.alias != positional:
            raise UsageError(f"two aliases: {positional!r} and --alias {args.alias!r}")
        args.alias = positional


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``asset`` command; returns the exit status (0, or 1 after printing the error with
    ``hukspy.cli.output.fail``). Raises ``hukspy.cli.output.UsageError`` for two different aliases."""
    from hukspy.cli.output import fail
    from hukspy.keystore import Keystore

    _merge_alias(args)
    try:
        with Keystore(getattr(args, "keystore", None)) as ks, AssetStore(args.store, ks, args.owner) as store:
            _execute(args, store)
    except AssetError as exc:
        return fail(args, exc.code, str(exc).partition(": ")[2])
    except HuksError as exc:
        return fail(args, exc.code, exc.message)
    except OSError as exc:
        return fail(args, ErrorCode.FILE_OPERATION_ERROR, f"{exc.filename or 'I/O'}: {exc.strerror or exc}")
    return 0
