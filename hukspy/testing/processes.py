"""Stopping the helper processes a backend's test fixtures start (a token server, swtpm, tpm2-abrmd)."""

from __future__ import annotations

import subprocess

__all__ = ["stop_process"]


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Stop ``proc``: SIGTERM, then SIGKILL after ``timeout`` seconds; reap it. Idempotent."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
