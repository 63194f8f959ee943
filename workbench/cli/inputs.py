"""What every command checks about the paths it is given, before any work starts.

An empty path is refused (``Path("")`` is the current folder: ``-o ''`` would write there,
``apply ''`` would filter every image in it), and no command ever writes over one of its own
inputs, whichever way the two names reach the same file: the same path spelled twice, a
symbolic link, or a hard link.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path

from workbench.cli.terminal import InputError

__all__ = ["is_one_of", "non_empty_path", "refuse_writing_over_inputs"]


def non_empty_path(text: str) -> str:
    """An argparse ``type`` for file and folder arguments: refuses an empty one."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no file (give a file or folder)")
    return text


def _same(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):  # the same file by device and inode: hard links too
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop names no file of ours
        return False


def is_one_of(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> bool:
    """Whether writing ``target`` would write over one of ``inputs``."""
    target = Path(target)
    return any(_same(target, Path(source)) for source in inputs)


def refuse_writing_over_inputs(
    target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]], what: str
) -> None:
    """Raise :class:`InputError` if ``target`` is one of ``inputs``; ``what`` names it."""
    if is_one_of(target, inputs):
        raise InputError(f"{target}: the {what} would overwrite one of the input files")
