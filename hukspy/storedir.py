"""The directories and files hukspy keeps its stores in: created private, refused when someone else could
write them (docs/security.md, "Files and directories").

- Every directory hukspy creates (the store directory and any missing parent, ``$HUKSPY_HOME`` among
  them) is made mode 0700 whatever the umask.
- An existing store directory must be owned by this process's effective user and not writable by group
  or others; otherwise it is refused with :class:`UnsafeDirectoryError` (a ``PermissionError`` whose
  ``strerror`` says why), because whoever can write it can plant or swap the files (a ``master.key`` of
  their choosing, a database, a symbolic link). One that is merely readable by others is tightened to
  0700.
- Store files are created 0600 (SQLite's WAL and SHM files copy the database file's mode).

The keystore turns the refusal into ``HuksError`` 12000004 (``hukspy.records.private_dir``), ASSET into
24000014 (its file-error mapping).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

__all__ = ["UnsafeDirectoryError", "check_dir", "private_dir", "private_file"]


class UnsafeDirectoryError(PermissionError):
    """A store directory that another user owns or that group/others can write; ``strerror`` says
    which, ``filename`` names the directory."""


def _make(path: Path) -> None:
    """Create ``path`` and its missing parents, each mode 0700 (independent of the umask)."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            continue  # another process made it first: checked below like any existing directory
        os.chmod(d, 0o700)  # the umask may have removed owner bits from 0o700


def check_dir(path: Path) -> None:
    """Refuse ``path`` unless it is a directory of this effective user that group/others cannot write
    (raises :class:`UnsafeDirectoryError`); tighten one readable by others to 0700."""
    st = os.stat(path)  # follows a symbolic link: what matters is the directory the files land in
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "the store path is not a directory", str(path))
    if st.st_uid != os.geteuid():
        raise UnsafeDirectoryError(
            errno.EPERM,
            f"the store directory {path} is owned by uid {st.st_uid}, not by this user (uid {os.geteuid()})",
            str(path),
        )
    if st.st_mode & 0o022:
        raise UnsafeDirectoryError(
            errno.EPERM,
            f"the store directory {path} is writable by group or others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); chmod 0700 it after checking its files",
            str(path),
        )
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) 0700 if needed, check it with :func:`check_dir`, return it.

    Raises :class:`UnsafeDirectoryError` for a directory owned by another user or writable by
    group/others, ``OSError`` when it cannot be created.
    """
    p = Path(path)
    _make(p)
    check_dir(p)
    return p


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (so SQLite's WAL and SHM files, which
    copy the database file's mode, are 0600 too)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
