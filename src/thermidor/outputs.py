"""Files a command writes (a CSV, a Parquet or Stata table, an HTML report, an image):
written whole or not at all, with the permissions the user's umask gives.

Written aside and renamed: a temporary file in the destination's folder, renamed over the
destination once complete, so that a kill or a full disk never leaves half a file under
the name asked for. A temporary file is created with mode 0600 (``tempfile.mkstemp``, so
that no other user can read it while it is written); left so, every report a user makes
would be private to them whatever their umask says, unlike any file ``cp`` or an editor
makes. So the finished file is given ``0o666 & ~umask`` before the rename: ``0644`` under
the usual umask 022, ``0600`` under 077.

The umask can only be read by setting it (``os.umask`` returns the previous one), which
for an instant changes it for every thread of the process; Linux reports it without
touching it in ``/proc/self/status`` (``Umask:``, since 4.7), which is read first. It is
read afresh on every write: a program may change its umask while it runs.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["file_mode", "umask", "write_atomically", "write_text"]

_STATUS = Path("/proc/self/status")
_LOCK = threading.Lock()  # the fallback sets the umask for an instant: one thread at a time


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in _STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _LOCK:
        mask = os.umask(0o077)  # the most private value while it is not yet restored
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode an ordinary new file gets: read and write for whom the umask allows."""
    return 0o666 & ~umask()


def write_atomically(path: Path, write: Callable[[Path], object], *, suffix: str = "") -> Path:
    """Call ``write`` on a temporary path beside ``path``, give the result the user's file
    mode, and rename it to ``path``; on any failure the temporary file is removed and the
    error raised (an OSError for a full disk or a refused folder). ``suffix`` is given to
    the temporary name, for writers that choose their format by it."""
    path = Path(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    partial = Path(name)
    try:
        write(partial)
        partial.chmod(file_mode())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """``text`` (UTF-8) written to ``path`` as :func:`write_atomically` does."""
    return write_atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))
