"""Files and sessions for the commands: input and output files, chunked streaming, the progress bar
(tqdm; ``--quiet`` turns it off).

Failures to open or write the files named on the command line are ``HuksError`` 12000004 (file error).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final, NoReturn

from hukspy.errors import HuksError
from hukspy.params import HuksOptions, HuksParam, HuksSessionHandle

if TYPE_CHECKING:
    from tqdm import tqdm

    from hukspy.keystore import Keystore

__all__ = [
    "CHUNK_SIZE",
    "PROGRESS_MIN",
    "Input",
    "Progress",
    "chunks",
    "open_input",
    "open_output",
    "read_small",
    "run_session",
    "stdout_is_tty",
]

#: Streaming commands feed ``update_session`` with chunks of this size (upstream's MAX_UPDATE_SIZE).
CHUNK_SIZE: Final = 64 * 1024
#: A progress bar is drawn (on a terminal stderr) for inputs larger than this.
PROGRESS_MIN: Final = 8 * 1024 * 1024
#: ``read_small`` refuses files larger than this (key files, peer keys, wrapped keys).
SMALL_LIMIT: Final = 4 * 1024 * 1024


class Progress:
    """A progress bar (tqdm's: bytes done, rate and ETA) on a terminal ``stream`` (default stderr) for a
    known total larger than ``PROGRESS_MIN``; otherwise, and with ``quiet`` (``--quiet``), it draws
    nothing. ``done`` counts the bytes either way."""

    def __init__(self, total: int | None, label: str, stream: IO[str] | None = None, *,
                 quiet: bool = False) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._bar: tqdm[NoReturn] | None = None
        if quiet or not total or total <= PROGRESS_MIN or not _isatty(self.stream):
            return
        from tqdm import tqdm

        ncols, nrows = _size(self.stream)
        self._bar = tqdm(
            total=total, desc=label, file=self.stream, unit="B", unit_scale=True, unit_divisor=1024,
            leave=True, mininterval=0.2, ncols=ncols, nrows=nrows,
        )

    @property
    def enabled(self) -> bool:
        """Whether a bar is drawn."""
        return self._bar is not None

    def update(self, n: int) -> None:
        """``n`` more bytes are done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        """End the bar (its last line stays on the terminal); idempotent."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


#: The width and height tqdm is given where the terminal reports 0 (tqdm would then draw nothing).
_FALLBACK_COLUMNS: Final = 80
_FALLBACK_LINES: Final = 24


def _size(stream: IO[str]) -> tuple[int | None, int | None]:
    """tqdm's ``ncols``, ``nrows``: the fallbacks where ``stream``'s terminal reports no width or
    height (a pty nobody sized), else None (tqdm finds them itself)."""
    try:
        columns, lines = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        columns = lines = 0
    return (None if columns else _FALLBACK_COLUMNS), (None if lines else _FALLBACK_LINES)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def chunks(src: IO[bytes], limit: int | None = None, progress: Progress | None = None) -> Iterator[bytes]:
    """Read ``src`` in ``CHUNK_SIZE`` pieces, at most ``limit`` bytes in all (None: to the end).
    An input that ends before ``limit`` is ``HuksError`` 12000004."""
    left = limit
    while left is None or left > 0:
        data = src.read(CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
        if not data:
            if left:
                raise HuksError(12000004, "reading the input: it ended early")
            return
        if left is not None:
            left -= len(data)
        if progress is not None:
            progress.update(len(data))
        yield data


def run_session(
    ks: Keystore,
    alias: str,
    params: Sequence[HuksParam],
    data: Iterator[bytes],
    sink: Callable[[bytes], object] | None = None,
    final: bytes = b"",
    *,
    token: TokenSource | None = None,
) -> bytes:
    """One ``init_session`` → ``update_session`` per piece of ``data`` → ``finish_session(final)``.

    Each update's output goes to ``sink`` as it comes (a stream never sits in memory whole); the finish
    output is returned. The session is aborted when anything fails (an error in update or finish ends it
    anyway). ``token`` (:func:`pin_token`) turns the session's challenge into an auth token for the
    first update or finish of a user-auth key. Raises what the three calls raise.
    """
    handle: HuksSessionHandle = ks.init_session(alias, HuksOptions(list(params)))
    auth = token(handle.challenge) if token is not None else None
    try:
        for piece in data:
            out = ks.update_session(handle, HuksOptions(in_data=piece), auth).out_data
            auth = None
            if sink is not None and out:
                sink(out)
        return ks.finish_session(handle, HuksOptions(in_data=final), auth).out_data
    except BaseException:
        with contextlib.suppress(HuksError):
            ks.abort_session(handle, HuksOptions())
        raise


#: Turns a session's challenge (None for CHALLENGE_TYPE_NONE keys) into an auth token.
TokenSource = Callable[[bytes | None], bytes]


def pin_token(ks: Keystore, args: object) -> TokenSource | None:
    """With ``--pin-prompt``: a ``TokenSource`` that asks the PIN with ``getpass`` (never echoed, never
    an argument) and authenticates it (``UserAuth.authenticate``: ``UserAuthError`` for a wrong PIN);
    None without it."""
    if not getattr(args, "pin_prompt", False):
        return None

    def token(challenge: bytes | None) -> bytes:
        pin = getpass.getpass("PIN: ").encode("utf-8")
        return ks.user_auth.authenticate(challenge, pin)

    return token


@dataclass
class Input:
    """An open input and the number of bytes from its current position to the end, when known."""

    file: IO[bytes]
    size: int | None


@contextlib.contextmanager
def open_input(path: str | None, *, seekable: bool = False) -> Iterator[Input]:
    """The input file (``-`` or None: stdin). With ``seekable``, a pipe is first spooled to an
    anonymous temporary file. A file that cannot be opened is ``HuksError`` 12000004."""
    with contextlib.ExitStack() as stack:
        if path in (None, "-"):
            f: IO[bytes] = sys.stdin.buffer
        else:
            try:
                f = stack.enter_context(open(path, "rb"))
            except OSError as exc:
                raise HuksError(12000004, f"open {path}: {exc.strerror}") from exc
        size: int | None = None
        try:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode):
                size = st.st_size - f.tell()
        except (OSError, ValueError, AttributeError):
            size = None
        if seekable and size is None:
            spool = stack.enter_context(tempfile.TemporaryFile())
            size = 0
            for piece in chunks(f):
                spool.write(piece)
                size += len(piece)
            spool.seek(0)
            f = spool
        yield Input(f, size)


def read_small(path: str, limit: int = SMALL_LIMIT) -> bytes:
    """The whole of a small input file (``-``: stdin); more than ``limit`` bytes is ``HuksError`` 401,
    a file that cannot be opened 12000004."""
    with open_input(path) as src:
        data = src.file.read(limit + 1)
    if len(data) > limit:
        raise HuksError(401, f"{path}: more than {limit} bytes")
    return data


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[IO[bytes]]:
    """The output (``-`` or None: stdout). A regular file is written as a temporary file in the same
    directory (mode 0600) that replaces ``path`` only when the command succeeds; a device or FIFO is
    written directly. A file that cannot be created is ``HuksError`` 12000004."""
    if path in (None, "-"):
        sys.stdout.flush()
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    target = Path(path)
    try:
        special = not stat.S_ISREG(target.stat().st_mode)  # a device or a FIFO (/dev/null)
    except OSError:
        special = False  # not there yet
    if special:
        try:
            direct = open(target, "wb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise HuksError(12000004, f"open {path}: {exc.strerror}") from exc
        with direct:
            yield direct
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise HuksError(12000004, f"create {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def stdout_is_tty() -> bool:
    """Whether stdout is a terminal (binary results are then shown as hex, public keys as PEM)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
