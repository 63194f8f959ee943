"""The native kernel file: UTF-8 JSON, one kernel per file, extension ``.json``.

::

    {"format": "workbench.kernel", "version": 1,
     "name": "Gaussian blur 3x3", "category": "Blur", "description": "...",
     "weights": [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
     "divisor": 16, "offset": 0, "border": "reflect"}

``weights`` is a list of rows; a colour kernel nests it as ``[out][in][kh][kw]`` and may give
``offset`` as a list, one per output channel. ``divisor`` defaults to 1, ``offset`` to 0,
``border`` to ``reflect``. The optional ``space`` (``perceptual`` or ``linear``),
``luminance`` (true/false) and ``out_range`` (``clip``, ``abs``, ``stretch``, ``float``) are
written only when not their default. Keys the program does not know are kept and written back.

The reading and writing of bytes (size limit, one error per way of failing, atomic saves)
lives in :mod:`workbench.engine.kernel_files.common`, shared with the other formats.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.common import (
    KernelFileError,
    checked_kernel,
    plain_number,
    read_bytes,
    write_atomic,
)

__all__ = [
    "FORMAT_ID",
    "FORMAT_VERSION",
    "KernelFileError",
    "encode_kernel",
    "kernel_from_dict",
    "kernel_to_dict",
    "load_kernel",
    "save_kernel",
]

FORMAT_ID = "workbench.kernel"
FORMAT_VERSION = 1
_KNOWN_KEYS = ("format", "version", "name", "category", "description", "weights", "divisor")
_KNOWN_KEYS += ("offset", "border", "channels", "alpha_weighting", "cval")
_KNOWN_KEYS += ("space", "luminance", "out_range")
#: Keys written only when not their default, so files made before they existed stay
#: byte-identical on a round trip.
_OPTIONAL_DEFAULTS = {"space": "perceptual", "luminance": False, "out_range": "clip"}


def _nested(values: Any) -> Any:
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, list):
        return [_nested(v) for v in values]
    return plain_number(values)


def kernel_to_dict(kernel: Kernel) -> dict[str, Any]:
    """The JSON-ready dictionary of the native format (unknown keys of ``extra`` included)."""
    offset = kernel.offset  # a tuple for a colour kernel, one per output channel
    data: dict[str, Any] = {
        "format": FORMAT_ID,
        "version": FORMAT_VERSION,
        "name": kernel.name,
        "category": kernel.category,
        "description": kernel.description,
        "weights": _nested(kernel.weights),
        "divisor": plain_number(kernel.divisor),
        "offset": _nested(list(offset) if isinstance(offset, tuple) else offset),
        "border": kernel.border,
    }
    # Written only when not the default, so that ordinary files stay as they were.
    if kernel.channels is not None:
        data["channels"] = kernel.channels
    if not kernel.alpha_weighting:
        data["alpha_weighting"] = False
    if kernel.cval:
        data["cval"] = plain_number(kernel.cval)
    for key, default in _OPTIONAL_DEFAULTS.items():
        value = getattr(kernel, key)
        if value != default:
            data[key] = value
    for key, value in kernel.extra.items():
        if key not in data:
            data[key] = value
    return data


def kernel_from_dict(data: Mapping[str, Any], *, source: str = "") -> Kernel:
    """A kernel from a native-format dictionary.

    Raises
    ------
    KernelFileError
        If a key is missing or wrong; the message starts with ``source`` (a path).
    """
    where = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise KernelFileError(f"{where}a kernel file holds a JSON object {{...}} at the top")
    fmt = data.get("format", FORMAT_ID)
    if fmt != FORMAT_ID:
        raise KernelFileError(f"{where}format is {fmt!r}, not {FORMAT_ID!r}")
    version = data.get("version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise KernelFileError(
            f"{where}version {version!r} is newer than this program reads ({FORMAT_VERSION})"
        )
    if "weights" not in data:
        raise KernelFileError(f"{where}the 'weights' key is missing")
    for key in ("name", "category", "description", "border", "space", "out_range"):
        if key in data and not isinstance(data[key], str):
            raise KernelFileError(f"{where}{key!r} must be text")
    if "luminance" in data and not isinstance(data["luminance"], bool):
        raise KernelFileError(f"{where}'luminance' must be true or false")
    weights = data["weights"]
    if _depth(weights) > 4:
        raise KernelFileError(
            f"{where}weights nest {_depth(weights)} lists deep: a kernel is a list of rows "
            f"(or [out][in][rows] for a colour kernel)"
        )
    if isinstance(weights, list) and any(isinstance(v, bool) for v in _flatten(weights)):
        raise KernelFileError(f"{where}weights must be numbers, not true/false")
    if isinstance(data.get("cval", 0), bool):
        raise KernelFileError(f"{where}'cval' must be a number, not true/false")
    return checked_kernel(
        weights,
        source,
        divisor=data.get("divisor", 1),
        offset=data.get("offset", 0),
        border=data.get("border", "reflect"),
        name=data.get("name", ""),
        category=data.get("category", ""),
        description=data.get("description", ""),
        channels=data.get("channels"),
        alpha_weighting=data.get("alpha_weighting", True),
        cval=data.get("cval", 0),
        **{key: data.get(key, default) for key, default in _OPTIONAL_DEFAULTS.items()},
        extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
    )


def _depth(values: Any) -> int:
    """How many lists deep ``values`` nests, found without recursion (files may be hostile)."""
    depth, level = 0, [values]
    while True:
        lists = [item for item in level if isinstance(item, list)]
        if not lists:
            return depth
        depth += 1
        level = [v for item in lists for v in item]


def _flatten(values: Any) -> list:
    if isinstance(values, list):
        return [x for v in values for x in _flatten(v)]
    return [values]


def _json_text(value: Any, indent: int = 0) -> str:
    """JSON with one row of weights per line, readable and diff-friendly."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {_json_text(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        items = [pad + _json_text(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    # A lone surrogate (kept from a hostile file's unknown key) cannot be UTF-8: escape it.
    return json.dumps(value, ensure_ascii=isinstance(value, str) and not _utf8(value))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load_kernel(path: str | os.PathLike[str]) -> Kernel:
    """Load a native ``.json`` kernel file (name defaults to the file's stem).

    Raises
    ------
    KernelFileError
        If the file is missing, not JSON, or not a valid kernel; the message names the path.
    """
    path = Path(path)
    raw = read_bytes(path)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise KernelFileError(f"{path}: not a UTF-8 text file") from None
    except RecursionError:  # json nests by recursion; a hostile file can exhaust it
        raise KernelFileError(f"{path}: lists nest too deeply for a kernel file") from None
    except json.JSONDecodeError as exc:
        raise KernelFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    kernel = kernel_from_dict(data, source=str(path))
    return kernel if kernel.name else kernel.replace(name=path.stem)


def encode_kernel(kernel: Kernel) -> bytes:
    """The bytes of a kernel's native ``.json`` file."""
    return (_json_text(kernel_to_dict(kernel)) + "\n").encode("utf-8")


def save_kernel(kernel: Kernel, path: str | os.PathLike[str]) -> None:
    """Save a kernel as a native ``.json`` file, atomically (temporary file, then rename)."""
    write_atomic(Path(path), encode_kernel(kernel))
