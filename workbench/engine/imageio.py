"""Image files in and out: Pillow, pypng and tifffile to and from numpy arrays.

Pillow reads and writes most files. Two readers fill its gaps, each used only where needed:

* **pypng** for 16-bit PNG. Pillow opens a 16-bit RGB or RGBA PNG as 8-bit RGB(A), silently
  dropping the low byte of every sample, and cannot write 16-bit colour PNG at all. pypng is a
  small pure-Python codec that keeps all 16 bits. Whether a PNG is 16-bit is read from the
  bit-depth byte of its IHDR chunk, which the PNG standard puts at a fixed place (byte 24), so
  the check costs one 26-byte read.
* **tifffile** for TIFF deeper than 8 bits (16-bit, 32-bit float). Pillow reduces 16-bit RGB(A)
  TIFF to 8 bits too. Every TIFF is written with tifffile (deflate compression), which stores
  8/16-bit and float32 samples, alpha, the ICC profile and the resolution.

Conventions
-----------
Arrays are ``H x W`` (gray), ``H x W x 3`` (RGB) or ``H x W x 4`` (RGBA); ``uint8``, ``uint16``
or ``float32`` (0..1). Gray+alpha files load as RGBA, palette files as RGB or RGBA (RGBA when
the palette has transparency), 1-bit files as 8-bit gray, CMYK/YCbCr/LAB as RGB. WebP has no
gray mode, so a gray image saved as WebP loads back as RGB.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import png
import tifffile
from PIL import Image, ImageOps

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_PIXELS",
    "ImageFile",
    "ImageReadError",
    "ImageWriteError",
    "check_savable",
    "load_image",
    "save_image",
]

#: File name extensions Workbench reads and writes, for file dialogs and folder batch work.
IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")

#: Images with more pixels than this are refused before they are decoded. It is Pillow's own
#: decompression-bomb limit (about 179 megapixels, 2 x ``Image.MAX_IMAGE_PIXELS``), applied
#: the same way to the PNG and TIFF files that pypng and tifffile read.
MAX_PIXELS = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)

_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
}
_EIGHT_BIT_ONLY = {"JPEG", "BMP", "WEBP"}
_NO_ALPHA = {"JPEG", "BMP"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_ORIENTATION = 0x0112


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
    """

    pixels: np.ndarray
    path: Path | None = None
    format: str = "PNG"
    bit_depth: int = 8
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None
    exif: bytes | None = None


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
    """
    path = Path(path)
    name = path.name or str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except FileNotFoundError:
        raise ImageReadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImageReadError(f"{name}: is a folder, not an image file") from None
    except OSError as exc:
        raise ImageReadError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise ImageReadError(f"{name}: the file is empty")
    try:
        if head.startswith(_PNG_SIGNATURE) and len(head) >= 26 and head[24] == 16:
            return _load_png16(path, name)
        if head.startswith(_TIFF_SIGNATURES):
            deep = _load_deep_tiff(path, name)
            if deep is not None:
                return deep
        return _load_with_pillow(path, name)
    except ImageReadError:
        raise
    except MemoryError:
        raise ImageReadError(f"{name}: not enough memory to load this image") from None
    except Exception as exc:  # decoders raise many types for damaged data
        raise ImageReadError(f"{name}: damaged or truncated image data ({exc})") from None


def _check_size(name: str, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageReadError(f"{name}: the header gives an empty size {width} x {height}")
    if width * height > MAX_PIXELS:
        raise ImageReadError(
            f"{name}: {width} x {height} pixels ({width * height / 1e6:.0f} megapixels) is "
            f"too large; the limit is {MAX_PIXELS / 1e6:.0f} megapixels (a damaged file or a "
            f"decompression bomb)"
        )


def _load_with_pillow(path: Path, name: str) -> ImageFile:
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels; our limit is its hard one, checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError:
        raise ImageReadError(
            f"{name}: too large; the limit is {MAX_PIXELS / 1e6:.0f} megapixels "
            f"(a damaged file or a decompression bomb)"
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageReadError(f"{name}: not an image file Workbench can read") from None
    with im:
        _check_size(name, *im.size)
        fmt = "JPEG" if im.format == "MPO" else (im.format or "PNG")
        try:
            im.load()
        except OSError as exc:
            raise ImageReadError(f"{name}: truncated or damaged image data ({exc})") from None
        icc = im.info.get("icc_profile") or None
        dpi = _pillow_dpi(im.info.get("dpi"))
        try:
            upright = ImageOps.exif_transpose(im)
        except Exception:  # a broken EXIF block must not stop the image from opening
            upright = im
        exif = upright.info.get("exif") or None
        pixels, icc = _pillow_pixels(upright, name, icc)
    bit_depth = 32 if pixels.dtype == np.float32 else 8 * pixels.dtype.itemsize
    return ImageFile(pixels, path, fmt, bit_depth, icc, dpi, exif)


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


def _load_png16(path: Path, name: str) -> ImageFile:
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    _check_size(name, width, height)
    icc = dpi = exif = None
    for kind, body in png.Reader(bytes=data).chunks():
        if kind == b"iCCP":
            icc = zlib.decompress(body[body.index(b"\0") + 2 :])
        elif kind == b"pHYs" and len(body) == 9 and body[8] == 1:
            ppm_x, ppm_y = struct.unpack(">II", body[:8])
            dpi = (round(ppm_x * 0.0254, 2), round(ppm_y * 0.0254, 2))
        elif kind == b"eXIf":
            exif = body
        elif kind == b"IEND":
            break
    # asDirect() expands a tRNS chunk into an alpha channel.
    w, h, rows, info = png.Reader(bytes=data).asDirect()
    planes = info["planes"]
    flat = np.empty((h, w * planes), dtype=np.uint16)
    for i, row in enumerate(rows):
        flat[i] = row
    pixels = flat.reshape(h, w, planes) if planes > 1 else flat.reshape(h, w)
    pixels = _gray_alpha_to_rgba(pixels)
    pixels, exif = _apply_orientation(pixels, exif)
    return ImageFile(pixels, path, "PNG", 16, icc, dpi, exif)


def _load_deep_tiff(path: Path, name: str) -> ImageFile | None:
    """A TIFF with samples deeper than 8 bits, or None to let Pillow read it."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        _check_size(name, int(page.imagewidth), int(page.imagelength))
        if page.bitspersample <= 8 and page.sampleformat == 1:
            return None
        arr = page.asarray()
        if page.axes.startswith("S"):  # planar configuration: samples first
            arr = np.moveaxis(arr, 0, -1)
        photometric = int(page.photometric)
        if photometric == 3 and page.colormap is not None:  # palette of 16-bit colours
            arr = np.moveaxis(page.colormap[:, arr], 0, -1)
        elif photometric not in (0, 1, 2):
            raise ImageReadError(
                f"{name}: {page.photometric.name} TIFF images deeper than 8 bits are not "
                f"supported; convert it to RGB first"
            )
        tags = page.tags
        icc = tags[34675].value if 34675 in tags else None
        dpi = _tiff_dpi(tags)
        orientation = int(tags[274].value) if 274 in tags else 1
    arr = _as_supported_depth(arr, name)
    if photometric == 0:  # min-is-white
        arr = (1.0 - arr) if arr.dtype == np.float32 else np.iinfo(arr.dtype).max - arr
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] > 4:
        arr = arr[:, :, :4]
    arr = _gray_alpha_to_rgba(arr)
    arr = _orient(arr, orientation)
    bit_depth = 32 if arr.dtype == np.float32 else 16
    return ImageFile(
        np.ascontiguousarray(arr), path, "TIFF", bit_depth, bytes(icc or b"") or None, dpi
    )


def _as_supported_depth(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype == np.uint16 or arr.dtype == np.float32:
        return arr.astype(arr.dtype.newbyteorder("="), copy=False)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype == np.uint8:
        return arr
    raise ImageReadError(
        f"{name}: TIFF samples of type {arr.dtype} are not supported (use 8 or 16-bit "
        f"unsigned integers, or 32-bit float)"
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


def _gray_alpha_to_rgba(arr: np.ndarray) -> np.ndarray:
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


def _apply_orientation(pixels: np.ndarray, exif: bytes | None) -> tuple[np.ndarray, bytes | None]:
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


def _lzw_decode(data: bytes, /, *, out: object = None) -> bytes:
    """Decode TIFF LZW (MSB-first codes of 9 to 12 bits, "early change").

    tifffile decodes LZW only with the optional imagecodecs package, and LZW is what OpenCV,
    GIMP and many scanners write; this plain decoder fills in when imagecodecs is absent.
    """
    del out  # tifffile passes a size hint
    result = bytearray()
    table = [bytes((i,)) for i in range(256)] + [b"", b""]
    width, mask = 9, 511
    buffer = bits = pos = 0
    prev = b""
    for byte in data:
        buffer = (buffer << 8) | byte
        bits += 8
        pos += 1
        if bits < width:
            continue
        bits -= width
        code = (buffer >> bits) & mask
        buffer &= (1 << bits) - 1
        if code == 256:  # clear
            del table[258:]
            width, mask, prev = 9, 511, b""
            continue
        if code == 257:  # end of information
            break
        if code < len(table):
            entry = table[code]
            if prev and len(table) < 4096:
                table.append(prev + entry[:1])
        elif code == len(table) and prev:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise ValueError(f"damaged LZW data (code {code} at byte {pos})")
        result += entry
        prev = entry
        if len(table) >= mask and width < 12:
            width += 1
            mask = (1 << width) - 1
    return bytes(result)


def _register_lzw_decoder() -> None:
    try:
        import imagecodecs  # noqa: F401  (tifffile uses it when present)
    except ImportError:
        codecs = getattr(tifffile.TIFF.DECOMPRESSORS, "_codecs", None)
        if isinstance(codecs, dict):
            codecs.setdefault(5, _lzw_decode)


_register_lzw_decoder()


# -- saving -----------------------------------------------------------------------------
def save_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    *,
    like: ImageFile | None = None,
    quality: int = 95,
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

    Raises
    ------
    ImageWriteError
        If the extension is unknown, the format cannot hold the pixels (16-bit samples in
        JPEG, BMP or WebP, which hold 8 bits; transparency in JPEG or BMP), or the file
        cannot be written (missing folder, no permission, disk full).

    Notes
    -----
    Conversion rules: ``uint8`` and ``uint16`` are written as they are (16-bit in PNG and
    TIFF). ``float32`` is written exactly as 32-bit float TIFF; for PNG it is clipped to 0..1
    and written as 16-bit (``round(v * 65535)``); for JPEG, BMP and WebP as 8-bit
    (``round(v * 255)``).
    """
    path = Path(path)
    name = path.name or str(path)
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"quality must be 1..100, got {quality}")
    fmt = _format_for(path)
    arr = _pixels_for(fmt, np.asarray(pixels), name)
    icc = like.icc_profile if like is not None else None
    if icc is not None and not _icc_matches(icc, arr):
        icc = None
    dpi = like.dpi if like is not None else None
    exif = like.exif if like is not None else None

    folder = path.parent
    if not folder.is_dir():
        raise ImageWriteError(f"{name}: the folder {str(folder)!r} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ImageWriteError(f"{name}: cannot write in {str(folder)!r} ({exc.strerror})") from None
    try:
        os.close(fd)
        if fmt == "TIFF":
            _write_tiff(tmp, arr, icc, dpi)
        elif fmt == "PNG" and arr.dtype == np.uint16:
            _write_png16(tmp, arr, icc, dpi, exif)
        else:
            _write_with_pillow(tmp, arr, fmt, icc, dpi, exif, int(quality))
        _sync(tmp)
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ImageWriteError(f"{name}: cannot be written ({exc.strerror or exc})") from None
        if isinstance(exc, (ValueError, TypeError)):
            raise ImageWriteError(f"{name}: cannot be written as {fmt} ({exc})") from None
        raise


def check_savable(path: str | os.PathLike[str], pixels: np.ndarray) -> None:
    """Raise the :class:`ImageWriteError` that :func:`save_image` would, without writing.

    Lets batch work refuse an unknown extension, a missing folder or pixels the format
    cannot hold (16 bits into JPEG...) before it spends time computing them.
    """
    path = Path(path)
    fmt = _format_for(path)
    _pixels_for(fmt, np.asarray(pixels)[:1, :1], path.name or str(path))
    if not path.parent.is_dir():
        raise ImageWriteError(f"{path.name}: the folder {str(path.parent)!r} does not exist")


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


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


def _sync(tmp: str) -> None:
    # The data must be on disk before the rename makes it the target, or a crash could
    # leave an empty file under the target's name.
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


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
        options["optimize"] = True
    elif fmt == "WEBP":
        options["quality"] = quality
        options["lossless"] = quality == 100
    im.save(tmp, format=fmt, **options)


def _write_png16(
    tmp: str,
    arr: np.ndarray,
    icc: bytes | None,
    dpi: tuple[float, float] | None,
    exif: bytes | None,
) -> None:
    h, w = arr.shape[:2]
    planes = 1 if arr.ndim == 2 else arr.shape[2]
    options: dict[str, object] = {}
    if dpi:
        options.update(
            x_pixels_per_unit=round(dpi[0] / 0.0254),
            y_pixels_per_unit=round(dpi[1] / 0.0254),
            unit_is_meter=True,
        )
    writer = png.Writer(w, h, greyscale=planes <= 2, alpha=planes in (2, 4), bitdepth=16, **options)
    buffer = io.BytesIO()
    writer.write(buffer, arr.reshape(h, w * planes))
    extra = []
    if icc:
        extra.append((b"iCCP", b"ICC profile\0\0" + zlib.compress(icc)))
    if exif:
        extra.append((b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    chunks = list(png.Reader(bytes=buffer.getvalue()).chunks())
    # Ancillary chunks that describe the pixels must come before the image data.
    first_idat = next(i for i, (kind, _) in enumerate(chunks) if kind == b"IDAT")
    with open(tmp, "wb") as fh:
        png.write_chunks(fh, chunks[:first_idat] + extra + chunks[first_idat:])


def _write_tiff(
    tmp: str,
    arr: np.ndarray,
    icc: bytes | None,
    dpi: tuple[float, float] | None,
) -> None:
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    options: dict[str, object] = {}
    if channels in (2, 4):
        options["extrasamples"] = ["unassalpha"]
    if icc:
        options["iccprofile"] = icc
    if dpi:
        options.update(resolution=dpi, resolutionunit="INCH")
    tifffile.imwrite(
        tmp,
        arr,
        photometric="minisblack" if channels <= 2 else "rgb",
        planarconfig="contig" if channels > 1 else None,
        compression="zlib",
        metadata=None,
        **options,
    )
