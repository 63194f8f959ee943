"""The C codecs that fill Pillow's gaps: JPEG and TIFF (PNG is :mod:`png_codec`).

:mod:`workbench.engine.imageio` uses these where Pillow would lose data or time:

* **imagecodecs' libjpeg-turbo** decodes RGB and gray JPEGs straight into one numpy array.
  Pillow decodes with the same library (bit-identical samples) but keeps RGB as 4 bytes a
  pixel and hands numpy a bytes copy: three copies of a 24-megapixel photo at the peak where
  this needs one. Pillow still reads the header (EXIF orientation, ICC profile, resolution:
  it reads those best) and decodes every other kind (CMYK, YCCK, 12-bit).
* **tifffile** for TIFF deeper than 8 bits (16-bit, 32-bit float). Pillow reduces 16-bit
  RGB(A) TIFF to 8 bits. Every TIFF is written with tifffile (deflate compression), which
  stores 8/16-bit and float32 samples, alpha, the ICC profile and the resolution. tifffile
  decodes and encodes LZW, Deflate and ZSTD through imagecodecs (C), on several threads.

Readers hand back a :class:`Decoded` (pixels already upright, gray+alpha as RGBA) and call the
caller's ``check_size(width, height)`` before they decode any pixel data, so that a
decompression bomb is refused before memory is spent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import tifffile
from PIL import Image

__all__ = [
    "Decoded",
    "UnsupportedImage",
    "apply_exif_orientation",
    "check_tiff_layout",
    "decode_jpeg",
    "gray_alpha_to_rgba",
    "is_tiff",
    "read_deep_tiff",
    "write_tiff",
]

_TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_ORIENTATION = 0x0112

SizeCheck = Callable[[int, int], None]


class UnsupportedImage(ValueError):
    """A well-formed file of a kind Workbench does not read (the message has no file name)."""


class Decoded(NamedTuple):
    """Pixels and metadata as a codec read them."""

    pixels: np.ndarray
    bit_depth: int
    icc_profile: bytes | None
    dpi: tuple[float, float] | None
    exif: bytes | None = None


def is_tiff(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a TIFF (classic or BigTIFF)."""
    return head.startswith(_TIFF_SIGNATURES)


# -- reading ----------------------------------------------------------------------------
def decode_jpeg(path: Path) -> np.ndarray | None:
    """The samples of a complete 8-bit gray or RGB JPEG, or None to leave it to Pillow.

    libjpeg-turbo only warns about a file that ends too early and fills the rest in gray;
    Pillow, with the same library, reports it. So a file that does not end with the
    end-of-image marker (cut short, or with data appended) goes to Pillow.
    """
    data = path.read_bytes()
    if not data.rstrip(b"\0").endswith(b"\xff\xd9"):
        return None
    import imagecodecs  # imported when first needed: the app starts without it

    return imagecodecs.jpeg8_decode(data)


def read_deep_tiff(path: Path, check_size: SizeCheck) -> Decoded | None:
    """A TIFF with samples deeper than 8 bits, or None when Pillow reads it fully.

    Raises
    ------
    UnsupportedImage
        For a deep TIFF in a colour space other than gray, RGB or a palette, or with
        samples other than 8/16-bit unsigned or float.
    """
    with tifffile.TiffFile(path) as tif:
        if not tif.pages:
            raise ValueError("the file holds no image")
        page = tif.pages[0]
        check_size(int(page.imagewidth), int(page.imagelength))
        if page.bitspersample <= 8 and page.sampleformat == 1:
            return None
        arr = page.asarray()
        if page.axes.startswith("S"):  # planar configuration: samples first
            arr = np.moveaxis(arr, 0, -1)
        photometric = int(page.photometric)
        if photometric == 3 and page.colormap is not None:  # palette of 16-bit colours
            arr = np.moveaxis(page.colormap[:, arr], 0, -1)
        elif photometric not in (0, 1, 2):
            raise UnsupportedImage(
                f"{page.photometric.name} TIFF images deeper than 8 bits are not supported; "
                f"convert it to RGB first"
            )
        tags = page.tags
        icc = tags[34675].value if 34675 in tags else None
        dpi = _tiff_dpi(tags)
        orientation = int(tags[274].value) if 274 in tags else 1
    arr = _as_supported_depth(arr)
    if photometric == 0:  # min-is-white
        arr = (1.0 - arr) if arr.dtype == np.float32 else np.iinfo(arr.dtype).max - arr
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] > 4:
        arr = arr[:, :, :4]
    arr = _orient(gray_alpha_to_rgba(arr), orientation)
    bit_depth = 32 if arr.dtype == np.float32 else 8 * arr.dtype.itemsize
    return Decoded(np.ascontiguousarray(arr), bit_depth, bytes(icc or b"") or None, dpi)


def _as_supported_depth(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint16 or arr.dtype == np.float32:
        return arr.astype(arr.dtype.newbyteorder("="), copy=False)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype == np.uint8:
        return arr
    raise UnsupportedImage(
        f"TIFF samples of type {arr.dtype} are not supported (use 8 or 16-bit unsigned "
        f"integers, or 32-bit float)"
    )


def _tiff_dpi(tags: tifffile.TiffTags) -> tuple[float, float] | None:
    if 282 not in tags or 283 not in tags:
        return None
    unit = int(tags[296].value) if 296 in tags else 2
    if unit not in (2, 3):  # no absolute unit
        return None
    per_inch = 1.0 if unit == 2 else 2.54
    xs = tags[282].value
    ys = tags[283].value
    x = xs[0] / xs[1] * per_inch if xs[1] else 0.0
    y = ys[0] / ys[1] * per_inch if ys[1] else 0.0
    return (round(x, 3), round(y, 3)) if x > 0 and y > 0 else None


def gray_alpha_to_rgba(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 2:
        return np.ascontiguousarray(arr[:, :, [0, 0, 0, 1]])
    return arr


def _orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Turn pixels stored with an EXIF/TIFF orientation upright (as exif_transpose does)."""
    if orientation in (5, 6, 7, 8):
        arr = np.swapaxes(arr, 0, 1)
        # After the transpose, 5 is done, 6 needs a left-right flip, 8 a top-bottom one.
        orientation = {5: 1, 6: 2, 7: 3, 8: 4}[orientation]
    if orientation == 2:
        arr = arr[:, ::-1]
    elif orientation == 3:
        arr = arr[::-1, ::-1]
    elif orientation == 4:
        arr = arr[::-1]
    return np.ascontiguousarray(arr)


def apply_exif_orientation(
    pixels: np.ndarray, exif: bytes | None
) -> tuple[np.ndarray, bytes | None]:
    if not exif:
        return pixels, exif
    try:
        tags = Image.Exif()
        tags.load(exif)
        orientation = int(tags.get(_ORIENTATION, 1))
        if orientation == 1:
            return pixels, exif
        del tags[_ORIENTATION]
        return _orient(pixels, orientation), tags.tobytes()
    except Exception:  # a broken EXIF block must not stop the image from opening
        return pixels, exif


# tifffile logs damage it finds to the "tifffile" logger, and Python prints such records on
# stderr when the program has set up no logging; the damage is reported once, by the error
# that follows it, so the log record would only be a second, technical line.
logging.getLogger("tifffile").addHandler(logging.NullHandler())


# -- writing ----------------------------------------------------------------------------
def write_tiff(
    target: str | Path,
    arr: np.ndarray,
    icc: bytes | None,
    dpi: tuple[float, float] | None,
) -> None:
    """Write ``uint8``, ``uint16`` or ``float32`` pixels as a deflate-compressed TIFF."""
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    options: dict[str, object] = {}
    if channels in (2, 4):
        options["extrasamples"] = ["unassalpha"]
    if icc:
        options["iccprofile"] = icc
    if dpi:
        options.update(resolution=dpi, resolutionunit="INCH")
    tifffile.imwrite(
        target,
        arr,
        photometric="minisblack" if channels <= 2 else "rgb",
        planarconfig="contig" if channels > 1 else None,
        compression="zlib",
        metadata=None,
        **options,
    )


# -- TIFF layouts ----------------------------------------------------------------------
#: Sample sizes read: Pillow reads 1..8 bits, :func:`read_deep_tiff` 16, 32 and 64.
_TIFF_BITS = {1, 2, 4, 8, 16, 32, 64}


def check_tiff_layout(path: Path) -> tuple[str, ...]:
    """Refuse a TIFF layout that would load wrongly; the notes the user should see.

    A volume (3-D) or more than four samples per pixel cannot be shown as one image
    without dropping data, and samples of 12 or 24 bits have no type here: each is refused
    by name rather than loaded half. A file of several pages loads its first, with a note.

    Raises
    ------
    UnsupportedImage
        Naming the layout.
    """
    with tifffile.TiffFile(path) as tif:
        if not tif.pages:
            raise ValueError("the file holds no image")
        page = tif.pages.first if hasattr(tif.pages, "first") else tif.pages[0]
        depth = int(getattr(page, "imagedepth", 1) or 1)
        if depth > 1:
            raise UnsupportedImage(
                f"a 3-D (volume) TIFF of {depth} slices is not supported; save one slice "
                f"as a 2-D image"
            )
        samples = int(page.samplesperpixel)
        if int(page.photometric) in (0, 1) and samples > 2:  # gray with extra channels
            raise UnsupportedImage(
                f"a TIFF of {samples} gray channels per pixel (a stack of planes or 3-D "
                f"data) is not supported (gray, gray + alpha, RGB or RGBA); save one plane "
                f"as a 2-D image"
            )
        if samples > 4:
            raise UnsupportedImage(
                f"a TIFF with {samples} channels per pixel is not supported (gray, RGB or "
                f"RGBA, with at most 4 channels); save it without the extra channels"
            )
        bits = page.bitspersample
        bits = max(bits) if isinstance(bits, tuple) else int(bits)
        if bits not in _TIFF_BITS:
            raise UnsupportedImage(
                f"{bits}-bit TIFF samples are not supported (1, 8, 16 or 32-bit are); "
                f"convert it to 16 bits"
            )
        pages = _main_pages(tif)
    if pages > 1:
        return (f"it holds {pages} pages; only the first is used",)
    return ()


def _main_pages(tif: tifffile.TiffFile) -> int:
    """Pages that are images of their own (not thumbnails or reduced copies), up to 10000."""
    count = 0
    for index in range(min(len(tif.pages), 10_000)):
        page = tif.pages[index]
        subfile = int(getattr(page, "subfiletype", 0) or 0)
        if not subfile & 1:  # bit 0: a reduced-resolution copy of another page
            count += 1
    return count
