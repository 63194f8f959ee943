"""Saving without ever half-writing: a temporary file beside the target, then a rename.

Image files and kernel files are both saved this way, so that a full disk, a crash or a
refused format leaves the old file (or no file) rather than a truncated one. Both also say
in the same words why a file could not be read (:func:`read_problem`).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = [
    "check_folder",
    "file_path",
    "folder_problem",
    "is_write_failure",
    "read_problem",
    "remove_stale_parts",
    "write_atomically",
    "write_failure",
    "write_files_atomically",
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
    remove_stale_parts(path.parent)
    made: list[str] = []
    try:
        fd = _create_part(path, made)
    except OSError as exc:
        message = f"{name}: cannot write in {str(path.parent)!r} ({exc.strerror})"
        raise write_failure(error, message) from None
    except BaseException:  # a signal as the file was made
        for tmp in made:
            _unlink_quietly(tmp)
        raise
    tmp = made[-1]
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
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            message = f"{name}: cannot be written ({exc.strerror or exc})"
            raise write_failure(error, message) from None
        raise


def write_files_atomically(
    files: list[tuple[Path, bytes]], *, error: type[Exception]
) -> list[Path]:
    """Write many small files (a library import) with one flush to disk for all of them.

    Each file is written to a temporary file beside it; once all are written, one
    ``os.sync`` puts them on disk (a flush per file costs milliseconds each: seconds for a
    thousand presets), then each is renamed into place. If anything fails or is
    interrupted before the renames, no target is touched. Returns the paths renamed, in
    order; on an error or interrupt during the renames, the caller learns which were from
    the exception's ``renamed`` attribute.
    """
    parts: list[tuple[str, Path]] = []
    renamed: list[Path] = []
    try:
        for path, data in files:
            problem = folder_problem(path)
            if problem:
                raise error(f"{path}: {problem}")
            made: list[str] = []
            try:
                fd = _create_part(path, made)
            except BaseException:
                parts.extend((tmp, path) for tmp in made)
                raise
            parts.append((made[-1], path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        sync = getattr(os, "sync", None)
        if sync is not None:
            sync()
        else:  # no system-wide flush: one per file
            for tmp, _ in parts:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
        for tmp, path in parts:
            os.chmod(tmp, _new_file_mode(path))
            os.replace(tmp, path)
            renamed.append(path)
    except BaseException as exc:
        for tmp, _ in parts:
            _unlink_quietly(tmp)
        exc.renamed = renamed  # type: ignore[attr-defined]
        if isinstance(exc, OSError) and not isinstance(exc, error):
            where = exc.filename or (files[len(renamed)][0] if files else "")
            failure = write_failure(error, f"{where}: cannot be written ({exc.strerror or exc})")
            failure.renamed = renamed  # type: ignore[attr-defined]
            raise failure from None
        raise
    return renamed


#: A temporary file of ours left by a killed save is removed by a later save into its
#: folder once it is this old (seconds): no save of ours runs that long between writes.
STALE_PART_AGE = 10 * 60

#: ``.<target name>.<8 random characters>.part``, as :func:`_create_part` names them
_PART_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")

_swept: set[str] = set()


def remove_stale_parts(folder: Path, *, age: float = STALE_PART_AGE) -> list[Path]:
    """Remove the temporary files of saves killed without a chance to clean up (SIGKILL).

    Only names this module makes, older than ``age`` seconds, are removed; each folder is
    looked through once per process, so a batch of many saves pays for it once.
    Returns what was removed.
    """
    key = os.path.abspath(folder)
    if key in _swept:
        return []
    _swept.add(key)
    removed = []
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not _PART_NAME.match(entry.name):
                    continue
                try:
                    if entry.is_file(follow_symlinks=False) and (
                        now - entry.stat(follow_symlinks=False).st_mtime > age
                    ):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                except OSError:
                    pass
    except OSError:
        pass
    return removed


def _create_part(path: Path, made: list[str]) -> int:
    """Create ``.<name>.<8 random characters>.part`` beside ``path``; its descriptor.

    Like ``tempfile.mkstemp``, but the name goes into ``made`` before the file exists, so
    that a signal (SIGTERM, Ctrl+C) handled the moment after the file is made, before any
    name could be returned, still finds the file to remove.
    """
    for _ in range(100):
        made.append(str(path.parent / f".{path.name}.{secrets.token_hex(4)}.part"))
        try:
            return os.open(made[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # not ours: forget the name
            made.pop()
    raise FileExistsError(f"no free temporary file name in {str(path.parent)!r}")


def _unlink_quietly(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


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
