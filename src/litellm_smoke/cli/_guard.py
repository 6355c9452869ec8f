"""The child side of ``litellm-smoke check``: pytest that never outlives the command that started it.

``check`` runs ``python -m litellm_smoke.cli._guard TMPDIR PARENT_PID -- <pytest arguments>``. The
child has its own session (so a terminal's Ctrl-C reaches it once, from ``check``), which also means
a dying terminal or a ``kill -9`` of ``check`` would leave it running. So, on Linux, the kernel
sends it SIGINT when its parent dies (``PR_SET_PDEATHSIG``): pytest stops as on Ctrl-C, tears the
embedded proxy down and deletes the minted key; then, the parent being gone, this removes the
parent's temporary directory, which the parent can no longer do.

The stop signals are handled by :mod:`litellm_smoke.engine.interrupt`: one request per run, carried
out by the run itself (never a ``KeyboardInterrupt`` raised inside the event loop).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import sys
from collections.abc import Sequence

from litellm_smoke.engine import interrupt

_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGINT) -> bool:
    """Ask the kernel for ``signum`` when the parent process dies (Linux only); returns whether it took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def main(argv: Sequence[str]) -> int:
    tmp, parent, *rest = argv
    arguments = rest[1:] if rest[:1] == ["--"] else rest
    # Before anything else: asyncio's own SIGINT handler (installed only when the default one is in
    # place) would merely cancel the current check and carry on; SIGTERM and SIGHUP would kill us.
    interrupt.install()
    die_with_parent()
    if os.getppid() != int(parent):  # the parent died before the request above took effect
        shutil.rmtree(tmp, ignore_errors=True)
        return 128 + signal.SIGINT
    import pytest

    try:
        return int(pytest.main(list(arguments)))
    finally:
        if os.getppid() != int(parent):
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
