"""Saving without ever half-writing: a temporary file beside the target, then a rename.

Image files and kernel files are both saved this way, so that a full disk, a crash or a
refused format leaves the old file (or no file) rather than a truncated one. Both also say
in the same words why a file could not be read (:func:`read_problem`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = [
    "check_folder",
    "file_path",
    "folder_problem",
    "is_write_failure",
    "read_problem",
    "write_atomically",
    "write_failure",
]

E = TypeVar("E", bound=Exception)


def write_failure(error: type[E], message: str) -> E:
    """``error(message)`` marked as a failure of the disk or the system, not of the input.

    The same exception class (``ImageWriteError``, ``KernelFileError``...) says both "this
    format cannot hold 16 bits" and "the disk is full"; the command line exits with 2 for
    the first and 1 for the second, and tells them apart with :func:`is_write_failure`.
    """
    exc = error(message)
    exc.write_failure = True  # type: ignore[attr-defined]
    return exc


def is_write_failure(exc: BaseException) -> bool:
    """Whether ``exc`` was made by :func:`write_failure`."""
    return bool(getattr(exc, "write_failure", False))


def file_path(value: object, argument: str = "path") -> Path:
    """``value`` as a :class:`~pathlib.Path`, or a ValueError naming ``argument``."""
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise ValueError(f"{argument} must be a file path (str or os.PathLike), got {value!r}")
    return Path(value)


def write_atomically(
    path: Path, write: Callable[[str], None], *, error: type[Exception], name: str
) -> None:
    """Call ``write(temporary_path)``, then rename the finished file to ``path``.

    The temporary file sits in the target's folder (a rename is atomic only within one file
    system), is flushed to disk before the rename, and gets the mode the target has, or the
    one a new file would get. If anything fails, the temporary file is removed and ``path``
    is untouched.

    Parameters
    ----------
    path : Path
        The file to create or replace.
    write : callable
        Writes the whole file at the path it is given.
    error : exception class
        Raised, with a message starting with ``name``, when the folder is missing or takes
        no new file, or writing fails with an ``OSError`` (disk full...). Other exceptions
        from ``write`` pass through unchanged.
    name : str
        How messages name the file.
    """
    problem = folder_problem(path)
    if problem:
        raise error(f"{name}: {problem}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        message = f"{name}: cannot write in {str(path.parent)!r} ({exc.strerror})"
        raise write_failure(error, message) from None
    try:
        os.close(fd)
        write(tmp)
        # The data must be on disk before the rename makes it the target, or a crash could
        # leave an empty file under the target's name.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            message = f"{name}: cannot be written ({exc.strerror or exc})"
            raise write_failure(error, message) from None
        raise


def read_problem(exc: OSError, kind: str) -> str:
    """Why opening a file to read it failed, in words; ``kind`` is what it should be
    ("an image file", "a kernel file")."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return f"is a folder, not {kind}"
    return f"cannot be read ({exc.strerror or exc})"


def folder_problem(path: Path) -> str | None:
    """Why no file can be saved at ``path`` as far as its name says, or None.

    The folder may be missing or be a file: a mistake in the path, not a failure.
    """
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            return f"{str(folder)!r} is a file, not a folder"
        return f"the folder {str(folder)!r} does not exist"
    return None


def check_folder(path: Path, *, error: type[Exception], name: str) -> None:
    """Raise ``error`` (message starting with ``name``) unless a file can be saved at ``path``.

    Besides :func:`folder_problem`, a temporary file is created and removed there, so that
    long work can refuse a folder it could not save into before it starts rather than
    after; a folder that takes no file is a :func:`write_failure`.
    """
    problem = folder_problem(path)
    if problem:
        raise error(f"{name}: {problem}")
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        message = f"{name}: cannot write in {str(path.parent)!r} ({exc.strerror or exc})"
        raise write_failure(error, message) from None


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK  # mkstemp makes 0600; a saved file should be like any other


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
