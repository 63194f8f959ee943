"""PNG in C codecs: our strip-parallel writer checked by independent readers, and the levels."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from photos import photo_like, to8
from PIL import Image

from workbench.engine import png_codec
from workbench.engine.imageio import load_image, save_image

RNG = np.random.default_rng(16)


def noise(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=np.int64).astype(dtype)


def idat_stream(data: bytes) -> bytes:
    """The concatenated IDAT data of a PNG file (one zlib stream, by the PNG standard)."""
    pos, parts = 8, []
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IDAT":
            parts.append(body)
        pos += 12 + length
    return b"".join(parts)


@pytest.fixture
def tiny_strips(monkeypatch):
    # A few rows per strip, so that small images cross many strip edges.
    monkeypatch.setattr(png_codec, "_STRIP_BYTES", 100)


@pytest.mark.parametrize("level", [0, 1, 4, 9])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(37, 23), (37, 23, 2), (37, 23, 3), (37, 23, 4)])
def test_many_strips_read_back_by_other_decoders(tmp_path, tiny_strips, level, dtype, shape):
    cv2 = pytest.importorskip("cv2")
    arr = noise(shape, dtype)
    arr[10:20] = arr[10]  # long runs too, so both deflate strategies are exercised
    path = tmp_path / "a.png"
    save_image(path, arr, png_compression=level)
    data = path.read_bytes()
    # Python's zlib checks the stream's Adler-32, which we join from the strips' own.
    raw = zlib.decompress(idat_stream(data))
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    assert len(raw) == shape[0] * (1 + shape[1] * channels * arr.itemsize)
    back = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if channels >= 3:
        back = back[..., [2, 1, 0, 3][:channels]]
    if channels == 2:  # OpenCV reads gray+alpha as BGRA
        back = back[..., [0, 3]]
    np.testing.assert_array_equal(back, arr)
    if dtype == np.uint8:
        np.testing.assert_array_equal(np.asarray(Image.open(path)), arr)


def graphics(h: int = 96, w: int = 128) -> np.ndarray:
    """Flat areas, gradients and repeats, as in a screenshot: where the level matters."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack([(x * 2) % 256, (y * 3) % 256, ((x // 8 + y // 8) % 2) * 200])
    img[::7] = (20, 200, 90)
    img[:, ::11] += RNG.integers(0, 3, (h, 1, 3))  # a little variation so LZ has work
    return img.astype(np.uint8)


def test_level_changes_the_size_and_every_level_is_lossless(tmp_path):
    arr = np.tile(graphics(), (4, 4, 1))
    sizes = {}
    for level in range(10):
        path = tmp_path / f"l{level}.png"
        save_image(path, arr, png_compression=level)
        np.testing.assert_array_equal(load_image(path).pixels, arr)
        sizes[level] = path.stat().st_size
    assert sizes[0] > arr.nbytes  # stored: the raw rows and their filter bytes
    assert sizes[0] > 5 * sizes[1]
    assert sizes[1] > sizes[4] > sizes[9]


@pytest.mark.parametrize("kind", ["photo", "graphics"])
def test_as_small_as_pillow_at_its_own_level(tmp_path, kind):
    # Pillow (zlib + libpng-style adaptive filters) is the reference: the fast paths must
    # not cost size on photos (run-length strategy) or on graphics (the default strategy).
    if kind == "photo":
        arr = to8(photo_like(256, 384, 3, seed=4))
    else:
        arr = np.tile(graphics(), (3, 3, 1))
    for level in (4, 6, 9):
        ours = io.BytesIO()
        png_codec.write_png(ours, arr, None, None, None, level)
        pillow = io.BytesIO()
        Image.fromarray(arr).save(pillow, "PNG", compress_level=level)
        assert ours.tell() <= 1.05 * pillow.tell(), (level, ours.tell(), pillow.tell())


def test_16bit_samples_are_big_endian_in_the_file(tmp_path):
    arr = np.array([[0x0102, 0xA0B0]], np.uint16)
    path = tmp_path / "be.png"
    save_image(path, arr, png_compression=0)
    raw = zlib.decompress(idat_stream(path.read_bytes()))
    assert raw == b"\x00\x01\x02\xa0\xb0"  # filter byte 0, then the samples high byte first


@pytest.mark.parametrize("value", [-1, 10, 2.5, True, "6"])
def test_compression_level_checked(tmp_path, value):
    with pytest.raises(ValueError, match="png_compression must be a whole number from 0 to 9"):
        save_image(tmp_path / "a.png", noise((4, 4), np.uint8), png_compression=value)
    assert list(tmp_path.iterdir()) == []


def test_jpeg_decoded_as_pillow_decodes_it(tmp_path):
    # libjpeg-turbo through imagecodecs must give Pillow's samples, plain and progressive.
    arr = to8(photo_like(40, 56, 3, seed=2))
    for name, options in (("b.jpg", {}), ("p.jpg", {"progressive": True}), ("g.jpg", {})):
        src = arr[..., 0] if name == "g.jpg" else arr
        Image.fromarray(src).save(tmp_path / name, quality=85, **options)
        with Image.open(tmp_path / name) as im:
            np.testing.assert_array_equal(load_image(tmp_path / name).pixels, np.asarray(im))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2)]
ADAM7 += [(0, 1, 1, 2)]  # (first x, first y, step x, step y) of each pass


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_interlaced_png_read_quietly(tmp_path, dtype):
    # An Adam7 (interlaced) RGB PNG written here from the standard's pass table.
    arr = noise((11, 13, 3), dtype)
    depth = 8 * arr.itemsize
    raw = b""
    for x0, y0, dx, dy in ADAM7:
        for y in range(y0, arr.shape[0], dy):
            raw += b"\0" + arr[y, x0::dx].astype(f">u{arr.itemsize}").tobytes()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 13, 11, depth, 2, 0, 0, 1)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
    (tmp_path / "i.png").write_bytes(data + chunk(b"IEND", b""))
    np.testing.assert_array_equal(load_image(tmp_path / "i.png").pixels, arr)
    if dtype == np.uint16:
        return  # read by libpng, exactly, with a warning on stderr (see png_codec.read_png)
    # libpng's warnings reach stderr only when the process exits: look in a fresh one.
    code = (
        f"from workbench.engine.imageio import load_image; load_image({str(tmp_path / 'i.png')!r})"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
