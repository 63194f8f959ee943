"""What may be opened for reading: regular files only, never a pipe or a device.

Opening a named pipe (FIFO) blocks until another program writes into it, and reading a
device such as ``/dev/zero`` never ends: either would hang a command or a worker thread
that no cancel can stop. Every reader of a user's file (images, kernel files, learn pairs)
asks :func:`not_a_regular_file` first; ``os.stat`` itself never blocks.
"""

from __future__ import annotations

import os
import stat

__all__ = ["not_a_regular_file"]


def not_a_regular_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a regular file that can be read, or None if it is one.

    A path that does not exist, or cannot be looked at, gives None: the caller's own
    open then reports it as usual ("no such file", "permission denied").
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file; refused, as reading it could hang"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file; refused, as reading it could hang"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"
