"""Whether a process id is in use, for files and gauges left by processes
that may have died without cleaning up after themselves."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while some process has this id (a reaped one has none)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
