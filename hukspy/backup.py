"""A consistent copy of hukspy's stores, and its restore (``hukspy backup DEST`` / ``hukspy restore SRC``;
docs/security.md, "Backups").

**What is copied**: every file under the home directory (``$HUKSPY_HOME``: the software keystore in
``software/``, the TPM keystores' records in ``tpm2/``, the ASSET databases in ``asset/``), keeping the
layout. SQLite databases (recognised by their header) are copied with SQLite's online backup API, so a
store in use by other processes is copied as one consistent snapshot per database, committed WAL
content included; the copy is a single self-contained file (rollback journal mode; the stores switch
it back to WAL when they open it). The other files (``master.key``, the attestation CAs) are copied
byte for byte. Not copied: SQLite's ``-wal``/``-shm``/``-journal`` files, lock files and temporary
files. The ASSET databases are copied before the key databases, so every ASSET row in a backup
finds its key (ASSET keys are made before the rows that use them, and never deleted by ASSET).

**The backup directory** is created 0700 (it must be new or empty), every file in it 0600, with a
manifest ``hukspy-backup.json`` (format version, creation time, each file's path, kind, size and
SHA-256) and a ``KEY-MATERIAL-WARNING.txt``: a backup of a software keystore holds its ``master.key``, so
whoever can read the backup can use every key in it.

**Restore** checks the manifest (every file present with its SHA-256; else 12000004) and writes the
files into the home directory (created 0700 as any store directory): databases again through the online
backup API, other files through a temporary file renamed into place. It refuses a home directory that
already holds files (other than lock files) unless ``force`` is given; with ``force`` every file of the
backup replaces its counterpart and other files are left alone. Stop the services that use the
keystore before a forced restore: a process that keeps a keystore open holds the old master key.

What a backup cannot carry: keys inside a PKCS#11 token or a TPM (the ``tpm2/`` records restore only on
the same TPM, whose keys they name); back those up with the device's own tools.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hukspy import storedir
from hukspy.errors import HuksError

__all__ = ["MANIFEST", "WARNING", "BackupFile", "backup", "restore"]

MANIFEST: Final = "hukspy-backup.json"
WARNING_FILE: Final = "KEY-MATERIAL-WARNING.txt"
FORMAT: Final = "hukspy-backup"
VERSION: Final = 1
#: What ``hukspy backup`` prints and writes into every backup.
WARNING: Final = (
    "WARNING: this backup IS key material. It holds the software keystore's master.key: anyone who can "
    "read it can use every key of the keystore and read every ASSET secret. Keep it as safe as the keys "
    "themselves (encrypted, offline, readable by you alone)."
)
_SQLITE_HEADER: Final = b"SQLite format 3\x00"
_SKIP_SUFFIXES: Final = ("-wal", "-shm", "-journal", ".tmp", ".lock")


@dataclass(frozen=True)
class BackupFile:
    """One file of a backup: its ``path`` relative to the home directory (``/``-separated), ``kind``
    (``"sqlite"`` or ``"file"``), ``size`` and ``sha256`` (hex) of the copy."""

    path: str
    kind: str
    size: int
    sha256: str


def _fail(what: str, exc: BaseException | None = None) -> HuksError:
    reason = f" ({exc.strerror or exc})" if isinstance(exc, OSError) else f" ({exc})" if exc else ""
    return HuksError(12000004, f"{what}{reason}")


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER


def _store_files(home: Path) -> list[Path]:
    """The files of ``home`` a backup copies: ASSET and other databases first, ``keys.db`` files last."""
    found = [
        p
        for p in home.rglob("*")
        if p.is_file() and not p.is_symlink() and not p.name.endswith(_SKIP_SUFFIXES)
    ]
    return sorted(found, key=lambda p: (p.name == "keys.db", str(p.relative_to(home))))


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _copy_db(source: Path, target: Path, *, standalone: bool) -> None:
    """``source`` into ``target`` with SQLite's online backup API (one consistent snapshot, while other
    connections use either); ``standalone``: as a rollback-journal database that needs no WAL file."""
    src = sqlite3.connect(source, timeout=30.0)
    try:
        dst = sqlite3.connect(target, timeout=30.0)
        try:
            src.backup(dst)
            if standalone:
                dst.execute("PRAGMA journal_mode=DELETE")
            if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError(f"the copy of {source.name} fails SQLite's check")
        finally:
            dst.close()
    finally:
        src.close()


def _copy_file(source: Path, target: Path) -> None:
    """``source`` to ``target`` (0600) through a temporary file renamed into place."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, open(source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _place(source: Path, target: Path, kind: str, *, standalone: bool) -> None:
    """Copy one file of a store (``kind`` "sqlite" or "file") to ``target``, its directory made 0700."""
    storedir.private_dir(target.parent)
    if kind == "sqlite":
        storedir.private_file(target)
        _copy_db(source, target, standalone=standalone)
    else:
        _copy_file(source, target)


@contextlib.contextmanager
def _errors(what: str) -> Iterator[None]:
    try:
        yield
    except HuksError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise _fail(what, exc) from exc


def backup(dest: str | os.PathLike[str], home: str | os.PathLike[str]) -> list[BackupFile]:
    """Copy the stores under ``home`` into the new (or empty) directory ``dest`` (module docstring) and
    return what was copied. Raises ``HuksError`` 12000004: ``home`` holds nothing to back up, ``dest``
    is not empty or is unsafe (``hukspy.storedir``), or a file cannot be read or written."""
    src_home, out = Path(home), Path(dest)
    with _errors(f"back up {src_home}"):
        if not src_home.is_dir():
            raise _fail(f"back up {src_home}: there is no such directory")
        files = _store_files(src_home)
        if not files:
            raise _fail(f"back up {src_home}: it holds no keystore or ASSET files")
        if out.exists() and any(out.iterdir()):
            raise _fail(f"back up into {out}: the directory is not empty")
        if out.resolve().is_relative_to(src_home.resolve()):
            raise _fail(f"back up into {out}: it is inside the directory being backed up")
        storedir.private_dir(out)
        copied: list[BackupFile] = []
        for path in files:
            rel = path.relative_to(src_home)
            kind = "sqlite" if _is_sqlite(path) else "file"
            target = out / rel
            _place(path, target, kind, standalone=True)
            copied.append(BackupFile(rel.as_posix(), kind, target.stat().st_size, _digest(target)))
        _write_new(out / WARNING_FILE, (WARNING + "\n").encode())
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "warning": WARNING,
            "files": [dataclasses.asdict(f) for f in copied],
        }
        _write_new(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return copied


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _read_manifest(src: Path) -> list[BackupFile]:
    """The files a backup lists, each checked against its SHA-256. Raises 12000004."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _fail(f"restore from {src}: it is not a hukspy backup (no {MANIFEST})") from exc
    except (OSError, ValueError) as exc:
        raise _fail(f"restore from {src}: its {MANIFEST} cannot be read", exc) from exc
    header = (manifest.get("format"), manifest.get("version")) if isinstance(manifest, dict) else None
    if header != (FORMAT, VERSION):
        raise _fail(f"restore from {src}: {MANIFEST} is not a version {VERSION} hukspy backup manifest")
    files: list[BackupFile] = []
    try:
        for entry in manifest["files"]:
            f = BackupFile(str(entry["path"]), str(entry["kind"]), int(entry["size"]), str(entry["sha256"]))
            rel = Path(f.path)
            if rel.is_absolute() or ".." in rel.parts or f.kind not in ("sqlite", "file"):
                raise ValueError(f"bad entry {f.path!r}")
            files.append(f)
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(f"restore from {src}: {MANIFEST} is damaged", exc) from exc
    for f in files:
        path = src / f.path
        if not path.is_file() or _digest(path) != f.sha256:
            raise _fail(f"restore from {src}: {f.path} is missing or differs from the manifest")
    return files


def _occupied(home: Path) -> list[str]:
    """The files in ``home`` a restore would have to overwrite or sit beside (lock files aside)."""
    if not home.exists():
        return []
    return sorted(
        str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and not p.name.endswith(".lock")
    )


def restore(
    src: str | os.PathLike[str], home: str | os.PathLike[str], *, force: bool = False
) -> list[BackupFile]:
    """Restore the backup in ``src`` into ``home`` (module docstring) and return what was restored.
    Raises ``HuksError`` 12000004: ``src`` is not a hukspy backup or fails its manifest, ``home`` holds
    files and ``force`` is false, ``home`` is unsafe (``hukspy.storedir``), or a file cannot be written."""
    backup_dir, target = Path(src), Path(home)
    with _errors(f"restore from {backup_dir}"):
        files = _read_manifest(backup_dir)
        occupied = _occupied(target)
        if occupied and not force:
            raise _fail(
                f"restore into {target}: it is not empty ({len(occupied)} files, e.g. {occupied[0]}); "
                "restore into an empty directory, or use --force to replace those files"
            )
        storedir.private_dir(target)
        for f in files:
            _place(backup_dir / f.path, target / f.path, f.kind, standalone=False)
    return files
