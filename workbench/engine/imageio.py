"""Image files in and out: Pillow to and from numpy arrays, losing no bit on the way.

Pillow reads and writes most files. Where it would lose data (16-bit PNG, TIFF deeper than 8
bits) or time (PNG, JPEG) C codecs read and write instead: :mod:`workbench.engine.png_codec`
and :mod:`workbench.engine.image_codecs` say which and why.

Conventions
-----------
Arrays are ``H x W`` (gray), ``H x W x 3`` (RGB) or ``H x W x 4`` (RGBA); ``uint8``, ``uint16``
or ``float32`` (0..1). Gray+alpha files load as RGBA, palette files as RGB or RGBA (RGBA when
the palette has transparency), 1-bit files as 8-bit gray, CMYK/YCbCr/LAB as RGB. WebP has no
gray mode, so a gray image saved as WebP loads back as RGB.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from workbench.engine import image_codecs, png_codec
from workbench.engine.atomic_write import (
    file_path,
    folder_problem,
    read_problem,
    write_atomically,
    write_failure,
)
from workbench.engine.file_kinds import not_a_regular_file

__all__ = [
    "IMAGE_EXTENSIONS",
    "IMAGE_FORMATS",
    "MAX_PIXELS",
    "PNG_COMPRESSION",
    "ImageFile",
    "ImageFormat",
    "ImageReadError",
    "ImageWriteError",
    "check_savable",
    "load_image",
    "save_image",
]

#: Images with more pixels than this are refused before they are decoded. It is Pillow's own
#: decompression-bomb limit (about 179 megapixels, 2 x ``Image.MAX_IMAGE_PIXELS``), applied
#: the same way to the PNG and TIFF files that libpng and tifffile read.
MAX_PIXELS = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)

#: The default PNG compression level (0 none .. 9 most); :mod:`png_codec` says why 4.
PNG_COMPRESSION = png_codec.DEFAULT_LEVEL


@dataclass(frozen=True)
class ImageFormat:
    """What one file format can hold: ``pillow`` is Pillow's name, ``label`` the user's."""

    pillow: str
    label: str
    eight_bit_only: bool
    alpha: bool
    floats: bool


#: Each image extension -> what its format can hold (the one table; the GUI uses it too).
IMAGE_FORMATS: dict[str, ImageFormat] = {
    ".png": ImageFormat("PNG", "PNG", eight_bit_only=False, alpha=True, floats=False),
    ".jpg": ImageFormat("JPEG", "JPEG", eight_bit_only=True, alpha=False, floats=False),
    ".jpeg": ImageFormat("JPEG", "JPEG", eight_bit_only=True, alpha=False, floats=False),
    ".tif": ImageFormat("TIFF", "TIFF", eight_bit_only=False, alpha=True, floats=True),
    ".tiff": ImageFormat("TIFF", "TIFF", eight_bit_only=False, alpha=True, floats=True),
    ".bmp": ImageFormat("BMP", "BMP", eight_bit_only=True, alpha=False, floats=False),
    ".webp": ImageFormat("WEBP", "WebP", eight_bit_only=True, alpha=True, floats=False),
}
_FORMATS = {ext: f.pillow for ext, f in IMAGE_FORMATS.items()}
_EIGHT_BIT_ONLY = {f.pillow for f in IMAGE_FORMATS.values() if f.eight_bit_only}
_NO_ALPHA = {f.pillow for f in IMAGE_FORMATS.values() if not f.alpha}

#: File name extensions Workbench reads and writes, for file dialogs and folder batch work.
IMAGE_EXTENSIONS: tuple[str, ...] = tuple(IMAGE_FORMATS)


class ImageReadError(ValueError):
    """An image file cannot be read; the message names the file and the problem."""


class ImageWriteError(OSError):
    """An image file cannot be written; the message names the file and the problem."""


@dataclass(frozen=True, eq=False)
class ImageFile:
    """An image loaded from a file, with what is needed to save it back faithfully.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``H x W``, ``H x W x 3`` or ``H x W x 4``; ``uint8``, ``uint16`` or ``float32``.
    path : pathlib.Path or None
        Where it was loaded from.
    format : str
        ``"PNG"``, ``"JPEG"``, ``"TIFF"``, ``"BMP"`` or ``"WEBP"`` (or another name Pillow
        gives for a type it can read, such as ``"GIF"``).
    bit_depth : int
        Bits per sample in the file as loaded: 8, 16 or 32 (float).
    icc_profile, dpi, exif
        The colour profile, the resolution in dots per inch and the EXIF block (with the
        orientation already applied to ``pixels`` and removed), each ``None`` if absent.
    notes : tuple of str
        What the user should know about the load, each said once: only the first frame of
        an animation or multi-page file is used, a damaged EXIF block was left out.
    """

    pixels: np.ndarray
    path: Path | None = None
    format: str = "PNG"
    bit_depth: int = 8
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None
    exif: bytes | None = None
    notes: tuple[str, ...] = ()


# -- loading ----------------------------------------------------------------------------
def load_image(path: str | os.PathLike[str]) -> ImageFile:
    """Load an image file as a numpy array, upright and at its full bit depth.

    Parameters
    ----------
    path : str or path-like
        A PNG, JPEG, TIFF, BMP or WebP file (other types Pillow reads also work).

    Returns
    -------
    ImageFile
        The pixels (see the module docstring for the layouts) and the file's metadata.

    Raises
    ------
    ImageReadError
        If the file is missing, not an image, truncated or damaged, of an unsupported kind,
        or larger than :data:`MAX_PIXELS` (checked from the header, before decoding).
    ValueError
        If ``path`` is not a path (a str or os.PathLike).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "deep.png"
    >>> save_image(path, np.full((2, 3, 3), 40_000, np.uint16))
    >>> image = load_image(path)
    >>> image.format, image.bit_depth, image.pixels.shape, int(image.pixels.max())
    ('PNG', 16, (2, 3, 3), 40000)
    """
    path = file_path(path)
    name = path.name or str(path)
    problem = not_a_regular_file(path)
    if problem and not path.is_dir():  # a folder is said below, as an open finds it
        raise ImageReadError(f"{name}: {problem}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError as exc:
        raise ImageReadError(f"{name}: {read_problem(exc, 'an image file')}") from None
    if not head:
        raise ImageReadError(f"{name}: the file is empty")

    # Too large to read whole: TIFF is streamed by 'workbench apply', other types are not.
    streamed = "TIFF" if image_codecs.is_tiff(head) else "other"

    def check_size(width: int, height: int) -> None:
        _check_size(name, width, height, _STREAM_HINTS[streamed])

    def decode() -> ImageFile:
        try:
            fmt, decoded = "PNG", None
            if png_codec.is_png(head):
                decoded = png_codec.read_png(path, check_size)
                frames = _apng_frames(path)
                if decoded is not None and frames > 1:
                    note = f"it holds {frames} frames (an animation); only the first is used"
                    return ImageFile(decoded.pixels, path, fmt, *decoded[1:], notes=(note,))
            elif image_codecs.is_tiff(head):
                notes = image_codecs.check_tiff_layout(path)
                fmt, decoded = "TIFF", image_codecs.read_deep_tiff(path, check_size)
                if decoded is not None:
                    return ImageFile(decoded.pixels, path, fmt, *decoded[1:], notes=notes)
                return replace(_load_with_pillow(path, name), notes=notes)
            if decoded is None:
                return _load_with_pillow(path, name)
            return ImageFile(decoded.pixels, path, fmt, *decoded[1:])
        except ImageReadError:
            raise
        except image_codecs.UnsupportedImage as exc:
            raise ImageReadError(f"{name}: {exc}") from None
        except MemoryError:
            # The system's limit, not the user's input: exit status 1, as while filtering.
            message = f"{name}: not enough memory to load this image"
            raise write_failure(ImageReadError, message) from None
        except Exception as exc:  # decoders raise many types for damaged data
            raise ImageReadError(f"{name}: damaged or truncated image data ({exc})") from None

    image = decode()
    # A damaged file can decode to a shape no image has (a 1-D strip, a stack of planes):
    # refused here, so that nothing after loading meets it.
    shape = image.pixels.shape
    if len(shape) not in (2, 3) or (len(shape) == 3 and not 1 <= shape[2] <= 4) or 0 in shape:
        raise ImageReadError(f"{name}: damaged image data (it decodes to an array of {shape})")
    return image


_STREAM_HINTS = {
    "TIFF": "; 'workbench apply' streams TIFF files this large into a TIFF",
    "other": "; 'workbench apply' streams images this large if they are TIFF: convert it",
}


def _check_size(name: str, width: int, height: int, hint: str = "") -> None:
    if width <= 0 or height <= 0:
        raise ImageReadError(f"{name}: the header gives an empty size {width} x {height}")
    if width * height > MAX_PIXELS:
        raise ImageReadError(
            f"{name}: {width} x {height} pixels ({width * height / 1e6:.0f} megapixels) is "
            f"too large to read whole; the limit is {MAX_PIXELS / 1e6:.0f} megapixels (a "
            f"damaged file or a decompression bomb){hint}"
        )


def _load_with_pillow(path: Path, name: str) -> ImageFile:
    # Pillow's own warnings become our notes or nothing, so that a command prints one line:
    # its decompression-bomb warning (from 89 megapixels, at open and again at load) is
    # below our limit, checked from the header; a damaged EXIF block is left out.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = _decode_with_pillow(path, name)
    notes = list(image.notes)
    for warning in caught:
        text = str(warning.message)
        if issubclass(warning.category, Image.DecompressionBombWarning):
            continue
        if "EXIF" in text or "exif" in text:
            note = "its EXIF block is damaged and was left out"
            if note not in notes:
                notes.append(note)
    exif = None if any("EXIF" in note for note in notes) else image.exif
    return replace(image, exif=exif, notes=tuple(notes))


def _decode_with_pillow(path: Path, name: str) -> ImageFile:
    try:
        im = Image.open(path)
    except Image.DecompressionBombError:
        raise ImageReadError(
            f"{name}: too large to read whole; the limit is {MAX_PIXELS / 1e6:.0f} megapixels "
            f"(a damaged file or a decompression bomb){_STREAM_HINTS['other']}"
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageReadError(f"{name}: not an image file Workbench can read") from None
    notes: list[str] = []
    with im:
        _check_size(name, *im.size, _STREAM_HINTS["other"])
        fmt = "JPEG" if im.format == "MPO" else (im.format or "PNG")
        if fmt == "JPEG":
            _check_jpeg_length(path, name, *im.size)
        frames = getattr(im, "n_frames", 1)
        if fmt != "TIFF" and isinstance(frames, int) and frames > 1:
            notes.append(f"it holds {frames} frames (an animation); only the first is used")
        icc = im.info.get("icc_profile") or None
        dpi = _pillow_dpi(im.info.get("dpi"))
        if fmt == "JPEG" and im.mode in ("L", "RGB"):
            # Pillow has read the header; libjpeg-turbo decodes with a third of the memory.
            pixels = image_codecs.decode_jpeg(path)
            if pixels is not None:
                exif = im.info.get("exif") or None
                pixels, exif = image_codecs.apply_exif_orientation(pixels, exif)
                return ImageFile(pixels, path, fmt, 8, icc, dpi, exif, notes=tuple(notes))
        try:
            im.load()
        except OSError as exc:
            raise ImageReadError(f"{name}: truncated or damaged image data ({exc})") from None
        try:
            upright = ImageOps.exif_transpose(im)
        except Exception:  # a broken EXIF block must not stop the image from opening
            upright = im
            notes.append("its EXIF block is damaged and was left out")
        exif = upright.info.get("exif") or None
        pixels, icc = _pillow_pixels(upright, name, icc)
    bit_depth = 32 if pixels.dtype == np.float32 else 8 * pixels.dtype.itemsize
    return ImageFile(pixels, path, fmt, bit_depth, icc, dpi, exif, tuple(notes))


def _apng_frames(path: Path) -> int:
    """Frames of an animated PNG (its ``acTL`` chunk, before the image data), else 1."""
    try:
        with open(path, "rb") as fh:
            fh.seek(8)
            for _ in range(64):  # acTL comes before the first IDAT, among a few chunks
                header = fh.read(8)
                if len(header) < 8:
                    return 1
                length, kind = int.from_bytes(header[:4], "big"), header[4:]
                if kind == b"acTL":
                    return max(1, int.from_bytes(fh.read(4), "big"))
                if kind == b"IDAT":
                    return 1
                fh.seek(length + 4, os.SEEK_CUR)
    except OSError:
        pass
    return 1


def _check_jpeg_length(path: Path, name: str, width: int, height: int) -> None:
    """Refuse a JPEG far too short for the size its header claims.

    libjpeg fills what a cut-off file lacks with grey and only warns, so a 5 KB file whose
    header says 12000 x 12000 would load as a flat 144-megapixel image. Every 8 x 8 block
    costs at least a bit or two even when it is flat; half a bit per block is far below
    any complete file.
    """
    blocks = -(-width // 8) * -(-height // 8)
    size = path.stat().st_size
    if size * 8 * 2 < blocks:
        raise ImageReadError(
            f"{name}: truncated: {size} bytes cannot hold the {width} x {height} pixels its "
            f"header gives"
        )


def _pillow_dpi(dpi: object) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in dpi)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    return (x, y) if x > 0 and y > 0 else None


def _pillow_pixels(
    im: Image.Image, name: str, icc: bytes | None
) -> tuple[np.ndarray, bytes | None]:
    mode = im.mode
    if mode in ("L", "RGB", "RGBA"):
        return np.array(im), icc
    if mode == "1":
        return np.array(im.convert("L")), icc
    if mode in ("LA", "La", "PA", "RGBa"):
        return np.array(im.convert("RGBA")), icc
    if mode == "P":
        has_alpha = "transparency" in im.info or im.palette.mode == "RGBA"
        return np.array(im.convert("RGBA" if has_alpha else "RGB")), icc
    if mode in ("RGBX", "YCbCr", "LAB", "HSV"):
        return np.array(im.convert("RGB")), icc
    if mode == "CMYK":
        # The ICC profile describes the CMYK data, not the naive RGB conversion: drop it.
        return np.array(im.convert("RGB")), None
    if mode.startswith("I;16"):
        return np.array(im).astype(np.uint16), icc
    if mode == "I":
        arr = np.array(im)
        if arr.min() >= 0 and arr.max() <= 65535:
            return arr.astype(np.uint16), icc
        raise ImageReadError(f"{name}: 32-bit integer samples beyond 0..65535 are not supported")
    if mode == "F":
        return np.array(im, dtype=np.float32), icc
    raise ImageReadError(f"{name}: images of mode {mode} are not supported")


# -- saving -----------------------------------------------------------------------------
def save_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    *,
    like: ImageFile | None = None,
    quality: int = 95,
    png_compression: int = PNG_COMPRESSION,
) -> None:
    """Save pixels to an image file, never leaving a half-written file behind.

    The file is written to a temporary file in the target's folder and then renamed over the
    target, so an existing file is replaced only by a complete new one.

    Parameters
    ----------
    path : str or path-like
        The target; its extension (one of :data:`IMAGE_EXTENSIONS`) picks the format.
    pixels : numpy.ndarray
        ``H x W``, ``H x W x 2`` (gray+alpha), ``H x W x 3`` or ``H x W x 4``; ``uint8``,
        ``uint16`` or ``float32`` (0..1; float64 is taken as float32).
    like : ImageFile, optional
        The file the pixels came from: its ICC profile, resolution (DPI) and EXIF block are
        written where the format holds them (an ICC profile only if its colour space, gray
        or RGB, matches the pixels).
    quality : int, default 95
        JPEG and WebP quality, 1..100. WebP at 100 is written lossless.
    png_compression : int, default 4
        PNG compression level, 0 (none, fastest) to 9 (smallest, slowest); every level is
        lossless. On photos every level from 1 up costs about the same (see
        :mod:`workbench.engine.png_codec`); on graphics higher levels are smaller and slower.

    Raises
    ------
    ImageWriteError
        If the extension is unknown, the format cannot hold the pixels (16-bit samples in
        JPEG, BMP or WebP, which hold 8 bits; transparency in JPEG or BMP), or the file
        cannot be written (missing folder, no permission, disk full).
    ValueError
        If ``path`` is not a path, ``quality`` not a whole number from 1 to 100,
        ``png_compression`` not one from 0 to 9, or ``like`` not an :class:`ImageFile`.

    Notes
    -----
    Conversion rules: ``uint8`` and ``uint16`` are written as they are (16-bit in PNG and
    TIFF). ``float32`` is written exactly as 32-bit float TIFF; for PNG it is clipped to 0..1
    and written as 16-bit (``round(v * 65535)``); for JPEG, BMP and WebP as 8-bit
    (``round(v * 255)``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> save_image(folder / "photo.jpg", np.zeros((8, 8, 3), np.uint8), quality=90)
    >>> save_image(folder / "deep.jpg", np.zeros((8, 8), np.uint16))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    workbench.engine.imageio.ImageWriteError: deep.jpg: JPEG holds 8 bits per channel and...
    """
    path = file_path(path)
    name = path.name or str(path)
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)):
        raise ValueError(f"quality must be a whole number from 1 to 100, got {quality!r}")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be a whole number from 1 to 100, got {quality}")
    if isinstance(png_compression, bool) or not isinstance(png_compression, (int, np.integer)):
        raise ValueError(
            f"png_compression must be a whole number from 0 to 9, got {png_compression!r}"
        )
    if not 0 <= png_compression <= 9:
        raise ValueError(
            f"png_compression must be a whole number from 0 to 9, got {png_compression}"
        )
    if like is not None and not isinstance(like, ImageFile):
        raise ValueError(f"like must be an ImageFile (from load_image) or None, got {like!r}")
    fmt = _format_for(path)
    arr = _pixels_for(fmt, np.asarray(pixels), name)
    icc = like.icc_profile if like is not None else None
    if icc is not None and not _icc_matches(icc, arr):
        icc = None
    dpi = like.dpi if like is not None else None
    exif = like.exif if like is not None else None

    def write(tmp: str) -> None:
        if fmt == "TIFF":
            image_codecs.write_tiff(tmp, arr, icc, dpi)
        elif fmt == "PNG":
            png_codec.write_png(tmp, arr, icc, dpi, exif, int(png_compression))
        else:
            _write_with_pillow(tmp, arr, fmt, icc, dpi, exif, int(quality))

    try:
        write_atomically(path, write, error=ImageWriteError, name=name)
    except (ValueError, TypeError) as exc:  # the codec refused the pixels
        raise ImageWriteError(f"{name}: cannot be written as {fmt} ({exc})") from None


def check_savable(path: str | os.PathLike[str], pixels: np.ndarray) -> None:
    """Raise the :class:`ImageWriteError` that :func:`save_image` would, without writing.

    Lets batch work refuse an unknown extension, a missing folder or pixels the format
    cannot hold (16 bits into JPEG...) before it spends time computing them.
    """
    path = Path(path)
    fmt = _format_for(path)
    _pixels_for(fmt, np.asarray(pixels)[:1, :1], path.name or str(path))
    problem = folder_problem(path)
    if problem:
        raise ImageWriteError(f"{path.name or path}: {problem}")


def _format_for(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageWriteError(
            f"{path.name or path}: unknown image type {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(IMAGE_EXTENSIONS)}"
        )
    return fmt


def _pixels_for(fmt: str, arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (2, 3, 4))):
        raise ImageWriteError(f"{name}: cannot save an array of shape {arr.shape} as an image")
    if arr.size == 0:
        raise ImageWriteError(f"{name}: the image is empty")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float32, copy=False)
        if fmt != "TIFF":
            top = 65535 if fmt == "PNG" else 255
            scaled = np.clip(np.nan_to_num(arr), 0.0, 1.0) * top
            arr = np.rint(scaled).astype(np.uint16 if top == 65535 else np.uint8)
    elif arr.dtype not in (np.uint8, np.uint16):
        raise ImageWriteError(
            f"{name}: cannot save samples of type {arr.dtype}; use uint8, uint16 or float32"
        )
    if fmt in _EIGHT_BIT_ONLY and arr.dtype == np.uint16:
        raise ImageWriteError(
            f"{name}: {fmt} holds 8 bits per channel and this image has 16; save it as PNG "
            f"or TIFF to keep them"
        )
    if fmt in _NO_ALPHA and arr.ndim == 3 and arr.shape[2] in (2, 4):
        raise ImageWriteError(
            f"{name}: {fmt} cannot hold transparency; save it as PNG, TIFF or WebP, or "
            f"remove the alpha channel first"
        )
    return np.ascontiguousarray(arr)


def _icc_matches(icc: bytes, arr: np.ndarray) -> bool:
    space = icc[16:20]
    gray = arr.ndim == 2 or arr.shape[2] == 2
    return space == (b"GRAY" if gray else b"RGB ")


def _write_with_pillow(
    tmp: str,
    arr: np.ndarray,
    fmt: str,
    icc: bytes | None,
    dpi: tuple[float, float] | None,
    exif: bytes | None,
    quality: int,
) -> None:
    im = Image.fromarray(arr)  # uint8: L, LA, RGB or RGBA from the shape
    options: dict[str, object] = {}
    if icc and fmt != "BMP":
        options["icc_profile"] = icc
    if dpi and fmt != "WEBP":
        options["dpi"] = dpi
    if exif and fmt in ("JPEG", "PNG", "WEBP"):
        options["exif"] = exif
    if fmt == "JPEG":
        options["quality"] = quality
        # Full colour resolution (4:4:4) at high quality, as photo editors do.
        options["subsampling"] = 0 if quality >= 90 else 2
        # No "optimize": Pillow then gives libjpeg a buffer of 2 bytes a pixel that a
        # noisy image at quality 95+ outgrows ("Suspension not allowed here", and a
        # "broken data stream" error). Without it, libjpeg writes as it goes.
        options["optimize"] = False
    elif fmt == "WEBP":
        options["quality"] = quality
        options["lossless"] = quality == 100
    _save_through_memory(im, tmp, fmt, options)


def _save_through_memory(im: Image.Image, tmp: str, fmt: str, options: dict) -> None:
    """Encode into memory, then write the bytes: a full disk is then one clear OSError.

    Written straight to the file, libjpeg meets a full disk with its own line on stderr
    ("Suspension not allowed here") and Pillow with a misleading "broken data stream".
    The memory is an anonymous file (Linux ``memfd``): Pillow's encoders need a real file
    descriptor, as a BytesIO makes large optimised JPEGs fail. Elsewhere, straight to disk.
    """
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:
        im.save(tmp, format=fmt, **options)
        return
    with os.fdopen(memfd_create("workbench-encode"), "w+b") as memory:
        im.save(memory, format=fmt, **options)
        memory.seek(0)
        with open(tmp, "wb") as fh:
            shutil.copyfileobj(memory, fh, 1 << 20)
