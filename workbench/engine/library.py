"""The kernel library: built-in and user kernels, and kernel files of any supported type.

The library is the read-only built-in folder (``kernels/``) plus the user's folder: the
``WORKBENCH_KERNELS`` environment variable if set, else the platform's application-data
folder (``~/.local/share/filter-workbench/kernels`` on Linux, following XDG). Each kernel is
one native JSON file (:mod:`workbench.engine.kernel_files.native`); :func:`import_kernels` and
:func:`export_kernel` also read and write the other programs' formats
(:mod:`workbench.engine.kernel_files`), picked by the file's extension.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.atomic_write import file_path, write_failure, write_files_atomically
from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files import (
    EXPORT_EXTENSIONS,
    IMPORT_EXTENSIONS,
    KernelFileError,
    export_kernel,
    format_kernel_text,
    import_kernels,
    kernel_from_dict,
    kernel_to_dict,
    load_kernel,
    parse_kernel_text,
    save_kernel,
)
from workbench.engine.kernel_files.native import encode_kernel

__all__ = [
    "EXPORT_EXTENSIONS",
    "IMPORT_EXTENSIONS",
    "KernelFileError",
    "KernelLibrary",
    "LibraryEntry",
    "LibraryError",
    "default_user_dir",
    "export_kernel",
    "format_kernel_text",
    "import_kernels",
    "kernel_from_dict",
    "kernel_to_dict",
    "load_kernel",
    "parse_kernel_text",
    "save_kernel",
    "slugify",
]


class LibraryError(ValueError):
    """A library operation cannot be done (unknown name, read-only built-in...)."""


# -- the library ------------------------------------------------------------------------
def slugify(name: str) -> str:
    """A file-name-safe key for a kernel name: ``"Gaussian blur 3x3"`` -> ``gaussian-blur-3x3``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "kernel"


def default_user_dir() -> Path:
    """The user's kernel folder: ``$WORKBENCH_KERNELS``, else the app-data folder."""
    override = os.environ.get("WORKBENCH_KERNELS")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "filter-workbench" / "kernels"


#: Categories of the built-in library, in the order a menu shows them; others follow A-Z.
CATEGORY_ORDER = ("Basic", "Blur", "Sharpen", "Edges", "Emboss", "Artistic")


def _category_rank(category: str) -> tuple[int, str]:
    try:
        return CATEGORY_ORDER.index(category), ""
    except ValueError:
        return len(CATEGORY_ORDER), category.casefold()


@dataclass(frozen=True)
class LibraryEntry:
    """One kernel of the library: its key (the file's stem), the kernel, where it lives."""

    key: str
    kernel: Kernel
    builtin: bool
    path: Path


class KernelLibrary:
    """The built-in kernels (read-only) and the user's own, one JSON file each.

    Parameters
    ----------
    user_dir : Path, optional
        The user's kernel folder; :func:`default_user_dir` if not given. Created on the
        first save.
    builtin_dir : Path, optional
        The built-in kernels; the shipped ``kernels/`` folder if not given.

    Attributes
    ----------
    entries : list of LibraryEntry
        Built-ins then user kernels, each group sorted by category then name.
    problems : list of (Path, str)
        Files that could not be loaded and were skipped, with the reason.

    Raises
    ------
    LibraryError
        From the methods: a key that is not in the library, or a change to a built-in.

    Examples
    --------
    >>> import tempfile
    >>> library = KernelLibrary(user_dir=Path(tempfile.mkdtemp()))
    >>> library.get("gaussian-3x3").kernel.divisor
    16.0
    >>> key = library.save(Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="My sharpen"))
    >>> key, library.get(key).builtin
    ('my-sharpen', False)
    >>> library.delete("gaussian-3x3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    workbench.engine.library.LibraryError: 'gaussian-3x3' is a built-in kernel and cannot be...
    """

    def __init__(self, user_dir: Path | None = None, builtin_dir: Path | None = None) -> None:
        if builtin_dir is None:
            from workbench.paths import builtin_kernels_dir

            builtin_dir = builtin_kernels_dir()
        self.user_dir = (
            file_path(user_dir, "user_dir") if user_dir is not None else default_user_dir()
        )
        self.builtin_dir = file_path(builtin_dir, "builtin_dir")
        self.entries: list[LibraryEntry] = []
        self.problems: list[tuple[Path, str]] = []
        self._by_key: dict[str, LibraryEntry] = {}
        self.reload()

    def reload(self) -> None:
        """Read both folders again (after files changed on disk)."""
        self.problems = []
        builtins = self._load_folder(self.builtin_dir, builtin=True, taken=set())
        users = self._load_folder(self.user_dir, builtin=False, taken={e.key for e in builtins})
        self.entries = builtins + users
        self._by_key = {e.key: e for e in self.entries}

    def _load_folder(self, folder: Path, *, builtin: bool, taken: set[str]) -> list[LibraryEntry]:
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob("*.json")):
            if path.name.startswith("."):
                continue
            if path.stem in taken:
                self.problems.append(
                    (path, f"skipped: the name {path.stem!r} is taken by a built-in kernel")
                )
                continue
            try:
                kernel = load_kernel(path)
            except KernelFileError as exc:
                reason = str(exc).removeprefix(f"{path}: ")
                self.problems.append((path, reason))
                continue
            except Exception as exc:  # whatever is wrong with one file, the rest still loads
                self.problems.append((path, f"cannot be loaded ({type(exc).__name__}: {exc})"))
                continue
            found.append(LibraryEntry(path.stem, kernel, builtin, path))
        found.sort(key=lambda e: (*_category_rank(e.kernel.category), e.kernel.name.casefold()))
        return found

    # -- queries ------------------------------------------------------------------------
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> LibraryEntry:
        """The entry with this key; :class:`LibraryError` naming close matches if none."""
        if not isinstance(key, str):
            raise LibraryError(f"a library key is text such as 'gaussian-3x3', got {key!r}")
        try:
            return self._by_key[key]
        except KeyError:
            for path, reason in self.problems:
                if path.stem == key:  # the file is there but could not be loaded: say why
                    raise LibraryError(f"{path}: {reason}") from None
            close = difflib.get_close_matches(key, list(self._by_key), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise LibraryError(f"no kernel named {key!r} in the library{hint}") from None

    def resolve(self, name_or_path: str | os.PathLike[str]) -> Kernel:
        """A kernel from a library key or from the path of any importable kernel file."""
        text = os.fspath(file_path(name_or_path, "name_or_path"))
        if text in self._by_key:
            return self._by_key[text].kernel
        path = Path(text)
        if path.suffix.lower() in IMPORT_EXTENSIONS or path.exists():
            kernels, _notes = import_kernels(path)
            if len(kernels) > 1:
                raise LibraryError(
                    f"{path}: holds {len(kernels)} kernels; import it and pick one by name"
                )
            return kernels[0]
        return self.get(text).kernel  # not a key: raises, naming close matches

    def categories(self) -> list[str]:
        """Categories in library order, each once."""
        return list(dict.fromkeys(e.kernel.category for e in self.entries))

    # -- changes (user kernels only) ----------------------------------------------------
    def _unique_key(self, base: str, *, ignore: str | None = None) -> str:
        # A file that failed to load still holds the user's work: never write over it.
        taken = set(self._by_key) | {path.stem for path, _ in self.problems}
        taken.discard(ignore)
        key, n = base, 2
        while key in taken:
            key = f"{base}-{n}"
            n += 1
        return key

    def _user_entry(self, key: str, action: str) -> LibraryEntry:
        entry = self.get(key)
        if entry.builtin:
            raise LibraryError(
                f"{key!r} is a built-in kernel and cannot be {action}; duplicate it first"
            )
        return entry

    def _write(self, kernel: Kernel, key: str) -> None:
        try:
            self.user_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create the kernel folder {str(self.user_dir)!r} ({exc.strerror})"
            raise write_failure(LibraryError, message) from None
        save_kernel(kernel, self.user_dir / f"{key}.json")

    def save(self, kernel: Kernel, key: str | None = None, *, overwrite: bool = False) -> str:
        """Save a kernel in the user library; returns its key.

        The key is ``key`` or the slug of the kernel's name, made unique by a ``-2``, ``-3``
        suffix unless ``overwrite`` is true (built-ins are never overwritten).
        """
        base = slugify(key or kernel.name or "kernel")
        existing = self._by_key.get(base)
        if existing is not None and overwrite and existing.builtin:
            raise LibraryError(f"{base!r} is a built-in kernel and cannot be overwritten")
        new_key = base if overwrite and existing is not None else self._unique_key(base)
        self._write(kernel, new_key)
        self.reload()
        return new_key

    def save_many(self, kernels: Sequence[Kernel]) -> list[str]:
        """Save several kernels in one pass (an import of many presets); returns their keys.

        The files are written together with one flush to disk and the library is read
        again once, at the end. If saving stops part way (an error, an interrupt), the
        files written so far are removed again: an import keeps all of its kernels or none.
        """
        keys: list[str] = []
        taken = set(self._by_key) | {path.stem for path, _ in self.problems}
        for kernel in kernels:
            base = slugify(kernel.name or "kernel")
            key, n = base, 2
            while key in taken:
                key = f"{base}-{n}"
                n += 1
            taken.add(key)
            keys.append(key)
        if not keys:
            return keys
        files = [
            (self.user_dir / f"{key}.json", encode_kernel(kernel))
            for key, kernel in zip(keys, kernels, strict=True)
        ]
        try:
            self.user_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create the kernel folder {str(self.user_dir)!r} ({exc.strerror})"
            raise write_failure(LibraryError, message) from None
        try:
            write_files_atomically(files, error=KernelFileError)
        except BaseException as exc:
            for path in getattr(exc, "renamed", []):
                try:
                    path.unlink()
                except OSError:
                    pass
            raise
        finally:
            self.reload()
        return keys

    def rename(self, key: str, new_name: str) -> str:
        """Give a user kernel a new name (and file name); returns the new key."""
        entry = self._user_entry(key, "renamed")
        if not new_name.strip():
            raise LibraryError("the new name is empty")
        new_key = self._unique_key(slugify(new_name), ignore=key)
        self._write(entry.kernel.replace(name=new_name.strip()), new_key)
        if new_key != key:
            try:
                entry.path.unlink()
            except OSError as exc:
                message = f"{entry.path}: cannot remove the old file ({exc.strerror})"
                raise write_failure(LibraryError, message) from None
        self.reload()
        return new_key

    def duplicate(self, key: str) -> str:
        """Copy any kernel (built-in too) into the user library as "<name> copy"."""
        entry = self.get(key)
        name = f"{entry.kernel.name or key} copy"
        return self.save(entry.kernel.replace(name=name))

    def delete(self, key: str) -> None:
        """Delete a user kernel's file."""
        entry = self._user_entry(key, "deleted")
        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            message = f"{entry.path}: cannot delete ({exc.strerror})"
            raise write_failure(LibraryError, message) from None
        self.reload()
