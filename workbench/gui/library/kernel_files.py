"""Kernel files from the app: the file-type filters, importing into the library, exporting.

The library dock and the learn dialog both export through :func:`ask_export_path` and
:func:`export_with_notes`, so both offer every format the engine writes and treat a missing
extension and a learned kernel's trace of offset alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from workbench.engine import Kernel, KernelError
from workbench.engine.kernel_files import (
    IMPORT_EXTENSIONS,
    KernelFileError,
    export_kernel,
    import_kernels,
)
from workbench.engine.learn.simple import round_weights
from workbench.engine.library import KernelLibrary, LibraryError

__all__ = [
    "EXPORT_FILTERS",
    "KERNEL_FILE_FILTER",
    "ask_export_path",
    "ask_files_to_import",
    "export_with_notes",
    "import_into_library",
    "read_kernel_file",
]

KERNEL_FILE_FILTER = (
    f"Kernel files ({' '.join('*' + e for e in IMPORT_EXTENSIONS)});;"
    "Filter Workbench (*.json);;ImageJ text (*.txt *.csv *.kernel);;"
    "Photoshop Custom filter (*.acf);;GIMP presets (*.settings);;All files (*)"
)
#: File-type filter of the export dialog -> the extension it writes.
EXPORT_FILTERS = {
    "Filter Workbench kernel (*.json)": ".json",
    "ImageJ kernel text (*.txt)": ".txt",
    "Photoshop Custom filter (*.acf)": ".acf",
    "GIMP Convolution Matrix preset (*.settings)": ".settings",
}
_NEGLIGIBLE_OFFSET = 0.05  # levels on the 0..255 scale: too small to change a pixel
#: Photoshop's .acf: rounding offered when no weight moves more than this share of the largest.
ACF_ROUND_TOLERANCE = 0.01


def ask_export_path(parent: QWidget, suggestion: str | Path) -> Path | None:
    """Ask where to export; a name typed without extension gets the chosen type's.

    A bare file name as ``suggestion`` starts in the folder of the last kernel file chosen.
    """
    suggestion = Path(suggestion)
    if not suggestion.is_absolute():
        suggestion = _last_folder() / suggestion
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export kernel", str(suggestion), ";;".join(EXPORT_FILTERS)
    )
    if not path:
        return None
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(EXPORT_FILTERS.get(chosen, ".json"))
    _remember_folder(path)
    return path


def ask_files_to_import(parent: QWidget) -> list[Path]:
    """Kernel files to import, starting in the folder of the last kernel file chosen."""
    paths, _ = QFileDialog.getOpenFileNames(
        parent, "Import kernels", str(_last_folder()), KERNEL_FILE_FILTER
    )
    if paths:
        _remember_folder(Path(paths[0]))
    return [Path(p) for p in paths]


# Where kernel files were last exported or imported, for this session (not the cwd the app
# happened to start in).
_folder: list[Path] = []


def _last_folder() -> Path:
    return _folder[0] if _folder and _folder[0].is_dir() else Path.home()


def _remember_folder(path: Path) -> None:
    _folder[:] = [Path(path).parent]


def acf_rounding(kernel: Kernel) -> tuple[Kernel, str] | None:
    """The kernel rounded so that a Photoshop .acf can hold it, and what that changes.

    Photoshop keeps whole-number weights (-999..999) over a scale (1..9999) and a whole offset.
    None when no rounding within :data:`ACF_ROUND_TOLERANCE` of the largest weight fits.
    """
    if kernel.is_color:
        return None
    effective = kernel.effective_weights()
    largest = max(float(np.max(np.abs(effective))), 1e-12)
    found = round_weights(effective, ACF_ROUND_TOLERANCE * largest)
    if found is None or found.denominator > 9999:
        return None
    if np.max(np.abs(np.round(found.weights * found.denominator))) > 999:
        return None
    offset = float(np.round(float(kernel.offset)))
    rounded = kernel.replace(weights=found.weights, divisor=1.0, offset=offset)
    change = found.max_change
    what = (
        "exact (the weights are these fractions)"
        if change == 0
        else f"the largest weight changes by {change:.2g} ({100 * change / largest:.2g} % of the "
        "largest weight)"
    )
    offset_note = "" if offset == kernel.offset else f"; the offset becomes {offset:g}"
    return rounded, f"Rounded to multiples of 1/{found.denominator}: {what}{offset_note}."


def export_with_notes(
    kernel: Kernel, path: Path, *, confirm_rounding: Callable[[str], bool] | None = None
) -> list[str]:
    """Write ``kernel`` to ``path`` (format by extension); notes for the user.

    A kernel a Photoshop .acf cannot hold as it is may be rounded to one it can, if
    ``confirm_rounding`` (asked with what rounding changes) says yes.

    Raises KernelFileError or OSError when it cannot be written as asked.
    """
    if path.suffix.lower() == ".acf" and confirm_rounding is not None:
        try:
            return _export(kernel, path)
        except KernelFileError as refused:
            offer = acf_rounding(kernel)
            if offer is None:
                raise
            rounded, change = offer
            if not confirm_rounding(f"{refused}\n\n{change} Round and export?"):
                raise
            return [change, *_export(rounded, path)]
    return _export(kernel, path)


def _export(kernel: Kernel, path: Path) -> list[str]:
    notes = []
    offsets = np.atleast_1d(np.asarray(kernel.offset, dtype=float))
    if path.suffix.lower() != ".json" and 0 < np.abs(offsets).max() < _NEGLIGIBLE_OFFSET:
        # Fitting leaves a trace of offset that ImageJ and Photoshop files cannot hold
        # and that cannot change a pixel: drop it rather than refuse the export.
        notes.append(f"The offset ({np.abs(offsets).max():.2g} levels) was dropped.")
        kernel = kernel.replace(offset=0.0 if offsets.size == 1 else (0.0,) * offsets.size)
    return notes + export_kernel(kernel, path)


def read_kernel_file(parent: QWidget, path: Path) -> tuple[list[Kernel], list[str]]:
    """The kernels in ``path`` and notes; a file that cannot be read gets one message."""
    try:
        return import_kernels(path)
    except (KernelFileError, KernelError, OSError) as exc:
        QMessageBox.warning(parent, "Cannot read the kernel file", str(exc))
        return [], []


def import_into_library(
    library: KernelLibrary, paths: list[Path]
) -> tuple[list[str], list[str], list[str]]:
    """Save every kernel in ``paths`` in ``library``: (new keys, notes, errors)."""
    keys, notes, errors = [], [], []
    for path in paths:
        try:
            kernels, file_notes = import_kernels(path)
            keys += library.save_many(kernels)  # one pass, all or none: 1000s of presets
            notes += [f"{Path(path).name}: {n}" for n in file_notes]
        except (KernelFileError, KernelError, LibraryError, OSError) as exc:
            errors.append(str(exc))
    return keys, notes, errors
