"""Kernel files: the native JSON format and other programs' formats, chosen by extension.

One module per format: ``native`` (the app's JSON), ``imagej`` (text), ``acf`` (Photoshop),
``gimp`` (GIMP presets), ``pasted`` (text on the clipboard); ``common`` holds what they share
(the error, reading bytes with a size limit, atomic writes, number helpers).
:func:`import_kernels` and :func:`export_kernel` pick the reader or writer by the extension;
:data:`IMPORT_EXTENSIONS` and :data:`EXPORT_EXTENSIONS` are the one table of those for
file dialogs.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.engine.file_kinds import not_a_regular_file
from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.acf import read_acf, write_acf
from workbench.engine.kernel_files.common import KernelFileError
from workbench.engine.kernel_files.gimp import read_gimp_settings, write_gimp_settings
from workbench.engine.kernel_files.imagej import read_imagej_text, write_imagej_text
from workbench.engine.kernel_files.native import (
    kernel_from_dict,
    kernel_to_dict,
    load_kernel,
    save_kernel,
)
from workbench.engine.kernel_files.pasted import format_kernel_text, parse_kernel_text

__all__ = [
    "EXPORT_EXTENSIONS",
    "IMPORT_EXTENSIONS",
    "KernelFileError",
    "export_kernel",
    "format_kernel_text",
    "import_kernels",
    "kernel_from_dict",
    "kernel_to_dict",
    "load_kernel",
    "parse_kernel_text",
    "save_kernel",
]

#: Extensions :func:`import_kernels` reads, for file dialogs.
IMPORT_EXTENSIONS: tuple[str, ...] = (".json", ".txt", ".csv", ".kernel", ".acf", ".settings")
#: Extensions :func:`export_kernel` writes.
EXPORT_EXTENSIONS: tuple[str, ...] = (".json", ".txt", ".acf", ".settings")


def import_kernels(path: str | os.PathLike[str]) -> tuple[list[Kernel], list[str]]:
    """Read any supported kernel file, picking the reader by the extension.

    ``.json`` native; ``.txt``, ``.csv``, ``.kernel`` ImageJ text; ``.acf`` Photoshop Custom
    filter; ``.settings`` GIMP 2.10 Convolution Matrix presets (possibly several kernels).

    Returns
    -------
    kernels : list of Kernel
    notes : list of str
        What the user should know (options not stored in the file, edge handling...).
    """
    path = Path(path)
    ext = path.suffix.lower()
    if path.is_dir():
        raise KernelFileError(f"{path}: is a folder, not a kernel file")
    problem = not_a_regular_file(path)
    if problem:
        raise KernelFileError(f"{path}: {problem}")
    if ext == ".json":
        return [load_kernel(path)], []
    if ext in (".txt", ".csv", ".kernel"):
        kernel, notes = read_imagej_text(path)
        return [kernel], notes
    if ext == ".acf":
        kernel, notes = read_acf(path)
        return [kernel], notes
    if ext == ".settings":
        return read_gimp_settings(path)
    raise KernelFileError(
        f"{path}: unknown kernel file type {ext or '(no extension)'!r}; use one of "
        f"{', '.join(IMPORT_EXTENSIONS)}"
    )


def export_kernel(kernel: Kernel, path: str | os.PathLike[str]) -> list[str]:
    """Write a kernel in the format given by the extension; returns notes for the user.

    ``.json`` native; ``.txt`` ImageJ text; ``.acf`` Photoshop Custom filter; ``.settings``
    a GIMP 2.10 Convolution Matrix preset.

    Raises
    ------
    KernelFileError
        If the format cannot hold the kernel without loss (the message says what would be
        lost), or the file cannot be written.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".json":
        save_kernel(kernel, path)
        return []
    if ext == ".txt":
        return write_imagej_text(kernel, path)
    if ext == ".acf":
        return write_acf(kernel, path)
    if ext == ".settings":
        return write_gimp_settings(kernel, path)
    raise KernelFileError(
        f"{path}: unknown kernel file type {ext or '(no extension)'!r}; use one of "
        f"{', '.join(EXPORT_EXTENSIONS)}"
    )
