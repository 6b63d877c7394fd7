"""The ``hukspy`` command line (README.md "Command line"): ``hukspy [--keystore URI] [--json] COMMAND``.

Every command goes through the public ``Keystore`` API with ``HuksOptions``/``HuksParam``; nothing here
decides a HUKS rule. Names on the command line are the enum member names without their common prefix,
in lower case (``aes`` = ``HUKS_ALG_AES``, ``gcm`` = ``HUKS_MODE_GCM``, ``pkcs1_v1_5`` or ``pkcs1`` =
``HUKS_PADDING_PKCS1_V1_5``); see ``hukspy.names``. Plain numbers are accepted too.

Exit status: 0 on success, 1 on a ``HuksError`` (printed as ``error <code>: <message>`` on stderr, and
as ``{"error": {"code": ..., "message": ...}}`` on stdout with ``--json``), 2 on a usage error.
Failures to open or write the files named on the command line are reported as 12000004 (file error).

The package, one concern per module:

- ``main``: the parser and ``main()``, the one place that runs a command and catches its errors;
- ``command``: ``Command`` (name, parser, run, text form, exit status) and its ``Context``;
- ``output``: ``--json``, binary results, tables and the one error printer (``fail``);
- ``options``: the shared options (``--level``, the key spec, ``--param``, ``-i``/``-o``) and their params;
- ``streams``: input and output files, chunked sessions, the progress bar;
- the commands: ``keys`` (generate, delete, list, info, export), ``importing`` (import), ``cipher``
  (encrypt, decrypt; the file format is in its docstring), ``signing`` (sign, verify, mac), ``keyops``
  (agree, derive, import-wrapped, wrap, unwrap, attest), ``backup`` (backup, restore), ``backends``,
  ``selftest``, ``asset`` (a hand-over to ``hukspy.asset.cli``).
"""

from __future__ import annotations

from hukspy.cli.cipher import AE_MODES, BLOCK_BYTES, IV_MODES, cmd_decrypt, cmd_encrypt
from hukspy.cli.main import COMMANDS, build_parser, main
from hukspy.cli.options import parse_param, purpose_bit
from hukspy.cli.selftest import print_text as print_selftest
from hukspy.cli.streams import CHUNK_SIZE, PROGRESS_MIN, Progress, run_session
from hukspy.names import TAG_ENUMS, enum_name, enum_names, format_value, parse_enum

__all__ = [
    "AE_MODES",
    "BLOCK_BYTES",
    "CHUNK_SIZE",
    "COMMANDS",
    "IV_MODES",
    "PROGRESS_MIN",
    "TAG_ENUMS",
    "Progress",
    "build_parser",
    "cmd_decrypt",
    "cmd_encrypt",
    "enum_name",
    "enum_names",
    "format_value",
    "main",
    "parse_enum",
    "parse_param",
    "print_selftest",
    "purpose_bit",
    "run_session",
]
