"""Image files: round trips per format, mode and bit depth; other programs' files; bad files."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from workbench.engine import Kernel, apply_kernel, png_codec
from workbench.engine.imageio import (
    IMAGE_EXTENSIONS,
    MAX_PIXELS,
    ImageFile,
    ImageReadError,
    ImageWriteError,
    load_image,
    save_image,
)

RNG = np.random.default_rng(7)


def noise(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    top = np.iinfo(dtype).max
    return RNG.integers(0, top + 1, shape, dtype=np.int64).astype(dtype)


def expected(arr: np.ndarray) -> np.ndarray:
    """What loading gives back: gray+alpha comes back as RGBA."""
    if arr.ndim == 3 and arr.shape[2] == 2:
        return arr[:, :, [0, 0, 0, 1]]
    return arr


SHAPES = [(9, 13), (9, 13, 2), (9, 13, 3), (9, 13, 4)]


@pytest.mark.parametrize("ext", [".png", ".tif", ".tiff"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", SHAPES)
def test_lossless_round_trip(tmp_path, ext, dtype, shape):
    arr = noise(shape, dtype)
    path = tmp_path / f"img{ext}"
    save_image(path, arr)
    loaded = load_image(path)
    assert loaded.pixels.dtype == dtype
    assert loaded.bit_depth == 8 * np.dtype(dtype).itemsize
    np.testing.assert_array_equal(loaded.pixels, expected(arr))
    assert loaded.format == "TIFF" if "tif" in ext else "PNG"


@pytest.mark.parametrize("shape", [(9, 13), (9, 13, 3)])
def test_bmp_round_trip(tmp_path, shape):
    arr = noise(shape, np.uint8)
    save_image(tmp_path / "a.bmp", arr)
    loaded = load_image(tmp_path / "a.bmp")
    np.testing.assert_array_equal(loaded.pixels, arr)
    assert loaded.format == "BMP"


@pytest.mark.parametrize("shape", [(9, 13, 3), (9, 13, 4)])
def test_webp_lossless_at_quality_100(tmp_path, shape):
    arr = noise(shape, np.uint8)
    save_image(tmp_path / "a.webp", arr, quality=100)
    loaded = load_image(tmp_path / "a.webp")
    np.testing.assert_array_equal(loaded.pixels, arr)
    assert loaded.format == "WEBP"


def smooth_rgb(h: int = 32, w: int = 48) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 5, y * 7, (x + y) * 3]).astype(np.uint8)


def test_jpeg_quality_changes_size_and_stays_close(tmp_path):
    arr = smooth_rgb()
    save_image(tmp_path / "hi.jpg", arr, quality=95)
    save_image(tmp_path / "lo.jpg", arr, quality=10)
    hi = load_image(tmp_path / "hi.jpg")
    assert hi.format == "JPEG" and hi.pixels.shape == arr.shape
    assert (tmp_path / "lo.jpg").stat().st_size < (tmp_path / "hi.jpg").stat().st_size
    assert np.abs(hi.pixels.astype(int) - arr).mean() < 2


def test_float32_rules(tmp_path):
    arr = RNG.random((6, 7, 3), dtype=np.float32)
    save_image(tmp_path / "f.tif", arr)
    loaded = load_image(tmp_path / "f.tif")
    assert loaded.bit_depth == 32
    np.testing.assert_array_equal(loaded.pixels, arr)
    save_image(tmp_path / "f.png", arr * 1.5 - 0.25)  # out of range: clipped
    png16 = load_image(tmp_path / "f.png").pixels
    assert png16.dtype == np.uint16
    np.testing.assert_array_equal(png16, np.rint(np.clip(arr * 1.5 - 0.25, 0, 1) * 65535))


def test_gray_alpha_and_palette_load_as_rgba_and_rgb(tmp_path):
    la = noise((5, 6, 2), np.uint8)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    np.testing.assert_array_equal(load_image(tmp_path / "la.png").pixels, expected(la))

    rgb = smooth_rgb(8, 8)
    pal = Image.fromarray(rgb).quantize(16)
    pal.save(tmp_path / "p.png")
    got = load_image(tmp_path / "p.png").pixels
    np.testing.assert_array_equal(got, np.asarray(pal.convert("RGB")))

    pal.info["transparency"] = 0
    pal.save(tmp_path / "pt.png", transparency=0)
    got = load_image(tmp_path / "pt.png").pixels
    assert got.shape == (8, 8, 4)
    np.testing.assert_array_equal(got, np.asarray(Image.open(tmp_path / "pt.png").convert("RGBA")))


def test_one_bit_loads_as_gray(tmp_path):
    bits = RNG.random((7, 9)) > 0.5
    Image.fromarray(bits).save(tmp_path / "b.png")
    np.testing.assert_array_equal(load_image(tmp_path / "b.png").pixels, bits * 255)


def test_exif_orientation_applied(tmp_path):
    arr = np.zeros((16, 24, 3), np.uint8)
    arr[:8, :8] = (255, 0, 0)  # a red block in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display turns it 90 degrees clockwise
    Image.fromarray(arr).save(tmp_path / "o.jpg", exif=exif.tobytes(), quality=100)
    loaded = load_image(tmp_path / "o.jpg")
    assert loaded.pixels.shape == (24, 16, 3)
    # After turning clockwise, the stored top-left corner is at the top right.
    assert loaded.pixels[4, 12, 0] > 200 and loaded.pixels[4, 4, 0] < 60
    # The orientation tag is gone, so a saved copy is not turned a second time.
    save_image(tmp_path / "copy.jpg", loaded.pixels, like=loaded)
    assert load_image(tmp_path / "copy.jpg").pixels.shape == (24, 16, 3)


def test_exif_orientation_in_16bit_png(tmp_path):
    arr = noise((3, 5), np.uint16)
    exif = Image.Exif()
    exif[0x0112] = 3  # upside down
    like = ImageFile(arr, exif=exif.tobytes())
    save_image(tmp_path / "o.png", arr, like=like)
    np.testing.assert_array_equal(load_image(tmp_path / "o.png").pixels, arr[::-1, ::-1])


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", ["16-bit TIFF", "16-bit PNG"])
def test_every_orientation_of_deep_files_as_pillow_turns_8_bit_ones(tmp_path, orientation, kind):
    # Deep files are read without Pillow, so Pillow's exif_transpose is the reference.
    arr = np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000
    if kind == "16-bit TIFF":
        tifffile = pytest.importorskip("tifffile")
        path = tmp_path / "o.tif"
        tifffile.imwrite(path, arr, extratags=[(274, "H", 1, orientation, True)])
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / "o.png"
        save_image(path, arr, like=ImageFile(arr, exif=exif.tobytes()))
    small = Image.fromarray((arr // 1000).astype(np.uint8))
    small.getexif()[0x0112] = orientation
    upright = np.asarray(ImageOps.exif_transpose(small)).astype(np.uint16) * 1000
    np.testing.assert_array_equal(load_image(path).pixels, upright)


def srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif", ".webp"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_icc_and_dpi_kept(tmp_path, ext, dtype):
    if dtype == np.uint16 and ext in (".jpg", ".webp"):
        pytest.skip("8-bit only format")
    icc = srgb_profile()
    like = ImageFile(np.zeros((1, 1, 3), np.uint8), icc_profile=icc, dpi=(300.0, 150.0))
    save_image(tmp_path / f"a{ext}", noise((8, 8, 3), dtype), like=like)
    loaded = load_image(tmp_path / f"a{ext}")
    assert loaded.icc_profile == icc
    if ext != ".webp":  # WebP has no resolution field
        assert loaded.dpi is not None
        assert loaded.dpi == pytest.approx((300.0, 150.0), abs=0.05)


def test_rgb_profile_not_written_into_gray_file(tmp_path):
    like = ImageFile(np.zeros((1, 1, 3), np.uint8), icc_profile=srgb_profile())
    save_image(tmp_path / "g.png", noise((4, 4), np.uint8), like=like)
    assert load_image(tmp_path / "g.png").icc_profile is None


# -- files written by other programs -----------------------------------------------------
identity = Kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_opencv_16bit_identity_filter_gives_same_samples(tmp_path, ext, channels):
    cv2 = pytest.importorskip("cv2")
    shape = (20, 30) if channels == 1 else (20, 30, channels)
    arr = noise(shape, np.uint16)
    src = tmp_path / f"cv{ext}"
    assert cv2.imwrite(str(src), arr)  # BGR(A) order on disk; TIFF is LZW-compressed
    loaded = load_image(src)
    rgb = arr if channels == 1 else arr[..., [2, 1, 0, 3][:channels]]
    np.testing.assert_array_equal(loaded.pixels, rgb)
    out = tmp_path / f"out{ext}"
    save_image(out, apply_kernel(loaded.pixels, identity), like=loaded)
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back, arr)


MAGICK = Path(__file__).resolve().parents[1] / "data" / "imagemagick"


@pytest.mark.parametrize("name", ["im.png", "im.tif", "im-lzw.tif", "im-gray.png"])
def test_imagemagick_16bit_identity_filter_gives_same_samples(tmp_path, name):
    # 16-bit noise (so ImageMagick could not reduce the depth to 8 bits) written by
    # ImageMagick: tests/data/imagemagick/COMMANDS.txt says how. OpenCV reads back what we
    # wrote, as an independent reader.
    cv2 = pytest.importorskip("cv2")
    gray = "gray" in name
    samples = np.load(MAGICK / f"noise16-{'gray' if gray else 'rgb'}.npy")
    loaded = load_image(MAGICK / name)
    assert loaded.bit_depth == 16
    np.testing.assert_array_equal(loaded.pixels, samples)
    out = tmp_path / f"out{Path(name).suffix}"
    save_image(out, apply_kernel(loaded.pixels, identity), like=loaded)
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back, samples if gray else samples[..., ::-1])


# -- refusals and bad files ---------------------------------------------------------------
def png_header(width: int, height: int, depth: int = 8, color: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("depth", [8, 16])
def test_decompression_bomb_refused_from_the_header(tmp_path, depth):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(100_000, 100_000, depth))
    assert 100_000 * 100_000 > MAX_PIXELS
    with pytest.raises(ImageReadError, match=r"bomb.png: .*too large"):
        load_image(path)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_truncated_file(tmp_path, ext):
    path = tmp_path / f"t{ext}"
    save_image(path, noise((64, 64, 3), np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=rf"t{ext}: .*(truncated|damaged)"):
        load_image(path)


def test_truncated_16bit_png(tmp_path):
    path = tmp_path / "t16.png"
    save_image(path, noise((64, 64, 3), np.uint16))
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ImageReadError, match=r"t16.png: "):
        load_image(path)


def test_tiff_without_an_image(tmp_path):
    # A TIFF header whose first-page offset points past the end: tifffile finds no page.
    path = tmp_path / "cut.tif"
    path.write_bytes(b"II*\x00" + struct.pack("<I", 4096) + bytes(8))
    with pytest.raises(ImageReadError, match=r"cut.tif: .*holds no image"):
        load_image(path)


def test_not_an_image_missing_empty_folder(tmp_path):
    (tmp_path / "notes.png").write_text("hello, not a picture")
    with pytest.raises(ImageReadError, match=r"notes.png: not an image file"):
        load_image(tmp_path / "notes.png")
    with pytest.raises(ImageReadError, match=r"gone.png: no such file"):
        load_image(tmp_path / "gone.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty.png: the file is empty"):
        load_image(tmp_path / "empty.png")
    with pytest.raises(ImageReadError, match=r"is a folder"):
        load_image(tmp_path)


@pytest.mark.parametrize(
    ("ext", "arr", "message"),
    [
        (".jpg", noise((4, 4), np.uint16), "JPEG holds 8 bits"),
        (".webp", noise((4, 4, 3), np.uint16), "WEBP holds 8 bits"),
        (".jpg", noise((4, 4, 4), np.uint8), "JPEG cannot hold transparency"),
        (".bmp", noise((4, 4, 4), np.uint8), "BMP cannot hold transparency"),
        (".gif", noise((4, 4), np.uint8), "unknown image type '.gif'"),
    ],
)
def test_refuses_what_the_format_cannot_hold(tmp_path, ext, arr, message):
    with pytest.raises(ImageWriteError, match=message):
        save_image(tmp_path / f"x{ext}", arr)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_places(tmp_path):
    with pytest.raises(ImageWriteError, match=r"does not exist"):
        save_image(tmp_path / "no" / "such" / "a.png", noise((4, 4), np.uint8))
    (tmp_path / "photo.png").write_text("")
    with pytest.raises(ImageWriteError, match=r"a.png: '.*photo.png' is a file, not a folder"):
        save_image(tmp_path / "photo.png" / "a.png", noise((4, 4), np.uint8))
    (tmp_path / "taken.png").mkdir()  # a folder where the file should go
    with pytest.raises(ImageWriteError, match=r"taken.png: cannot be written .Is a directory"):
        save_image(tmp_path / "taken.png", noise((4, 4), np.uint8))
    assert list((tmp_path / "taken.png").iterdir()) == []
    with pytest.raises(ImageWriteError, match=r"a.png: cannot write in '/proc'"):
        save_image("/proc/a.png", noise((4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"quality"):
        save_image(tmp_path / "q.jpg", noise((4, 4), np.uint8), quality=0)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(ImageWriteError, match=r"a.png: cannot write"):
            save_image(locked / "a.png", noise((4, 4), np.uint8))
    finally:
        locked.chmod(0o700)


def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "keep.png"
    original = noise((4, 4, 3), np.uint8)
    save_image(path, original)

    def broken_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(png_codec, "write_png", broken_save)
    with pytest.raises(ImageWriteError, match=r"keep.png: cannot be written .No space left"):
        save_image(path, noise((4, 4, 3), np.uint8))
    monkeypatch.undo()
    np.testing.assert_array_equal(load_image(path).pixels, original)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]


def test_extensions_cover_every_format(tmp_path):
    for ext in IMAGE_EXTENSIONS:
        save_image(tmp_path / f"a{ext}", noise((4, 5, 3), np.uint8), quality=100)
        assert load_image(tmp_path / f"a{ext}").pixels.shape == (4, 5, 3)


def test_saved_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "perm.png"
    save_image(path, noise((4, 4), np.uint8))
    umask = os.umask(0)
    os.umask(umask)
    assert Path(path).stat().st_mode & 0o777 == 0o666 & ~umask
