"""Damaged, odd and hostile image files (issue 12): refused by name, said once, or loaded
without a library's warning escaping."""

from __future__ import annotations

import io
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from workbench.engine.atomic_write import STALE_PART_AGE, remove_stale_parts
from workbench.engine.imageio import ImageReadError, load_image, save_image

RNG = np.random.default_rng(12)


def noise(shape, dtype=np.uint8):
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=np.int64).astype(dtype)


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (
            noise((8, 8, 5)),
            {"photometric": "rgb", "extrasamples": ["unspecified"] * 2},
            "5 channels",
        ),
        (
            noise((8, 8, 5), np.uint16),
            {"photometric": "rgb", "extrasamples": ["unspecified"] * 2},
            "5 channels",
        ),
        (
            noise((4, 8, 8)),
            {"photometric": "minisblack", "planarconfig": "separate"},
            "4 gray channels",
        ),
        (
            noise((8, 8, 3), np.uint16),
            {"photometric": "minisblack", "planarconfig": "contig"},
            "3 gray channels",
        ),
    ],
)
def test_tiff_layouts_that_would_drop_data_are_refused_by_name(tmp_path, data, options, message):
    tifffile.imwrite(tmp_path / "odd.tif", data, **options)
    with pytest.raises(ImageReadError, match=message):
        load_image(tmp_path / "odd.tif")


def twelve_bit_tiff(path: Path, width: int = 4, height: int = 2) -> None:
    """A minimal uncompressed 12-bit gray TIFF, packed as the TIFF standard says."""
    import struct

    row = bytes(width * 12 // 8)
    data = row * height
    tags = [  # (tag, type SHORT=3 / LONG=4, value)
        (256, 3, width),
        (257, 3, height),
        (258, 3, 12),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8),
        (277, 3, 1),
        (278, 3, height),
        (279, 4, len(data)),
    ]
    ifd_offset = 8 + len(data)
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        ifd += struct.pack("<HHI", tag, kind, 1)
        ifd += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
    ifd += struct.pack("<I", 0)
    path.write_bytes(b"II*\x00" + struct.pack("<I", ifd_offset) + data + ifd)


def test_a_12_bit_tiff_is_unsupported_not_damaged(tmp_path):
    twelve_bit_tiff(tmp_path / "twelve.tif")
    with pytest.raises(ImageReadError, match="12-bit TIFF samples are not supported") as info:
        load_image(tmp_path / "twelve.tif")
    assert "damaged" not in str(info.value)


def test_multi_page_tiff_and_animations_say_once_that_the_first_frame_is_used(tmp_path):
    tifffile.imwrite(tmp_path / "pages.tif", noise((3, 8, 8)), photometric="minisblack")
    tifffile.imwrite(tmp_path / "deep.tif", noise((2, 8, 8), np.uint16), photometric="minisblack")
    frames = [Image.fromarray(noise((8, 8, 3))) for _ in range(4)]
    for name in ("anim.gif", "anim.webp", "anim.png"):
        frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:])
    save_image(tmp_path / "still.png", noise((8, 8, 3)))
    save_image(tmp_path / "still.tif", noise((8, 8, 3)))
    expected = {"pages.tif": 3, "deep.tif": 2, "anim.gif": 4, "anim.webp": 4, "anim.png": 4}
    for name, count in expected.items():
        image = load_image(tmp_path / name)
        assert len(image.notes) == 1, (name, image.notes)
        assert f"{count} " in image.notes[0] and "only the first" in image.notes[0]
    np.testing.assert_array_equal(load_image(tmp_path / "anim.png").pixels, np.array(frames[0]))
    assert load_image(tmp_path / "still.png").notes == ()
    assert load_image(tmp_path / "still.tif").notes == ()


def test_a_jpeg_far_shorter_than_its_header_says_is_truncated(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(noise((64, 64))).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (4000).to_bytes(2, "big") + (4000).to_bytes(2, "big")
    (tmp_path / "claims.jpg").write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="truncated"):
        load_image(tmp_path / "claims.jpg")
    # A complete flat JPEG of the same size is no false alarm.
    Image.new("L", (4000, 4000), 128).save(tmp_path / "flat.jpg", quality=10)
    assert load_image(tmp_path / "flat.jpg").pixels.shape == (4000, 4000)


def test_a_corrupt_exif_block_is_a_note_not_a_warning(tmp_path):
    exif = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x05\x00"
    exif += b"\x0f\x01\x02\x00\xff\xff\xff\x7f\x00\x00\x00\x00" * 5
    Image.fromarray(noise((8, 8, 3))).save(tmp_path / "exif.jpg", exif=exif)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = load_image(tmp_path / "exif.jpg")
    assert [str(w.message) for w in caught] == []
    assert image.notes == ("its EXIF block is damaged and was left out",)
    assert image.exif is None  # not written back into a saved copy


def test_no_decompression_bomb_warning_below_our_own_limit(tmp_path, monkeypatch):
    # Pillow warns from its MAX_IMAGE_PIXELS, at open and again at load; ours is the limit.
    for name in ("gray.tif", "gray.png", "rgb.jpg"):
        save_image(tmp_path / name, noise((40, 40) if "gray" in name else (40, 40, 3)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for name in ("gray.tif", "gray.png", "rgb.jpg"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load_image(tmp_path / name)
        assert [str(w.message) for w in caught] == [], name


def test_a_pipe_or_a_device_is_refused_before_it_is_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(ImageReadError, match="named pipe"):
        load_image(tmp_path / "pipe.png")  # would block forever if opened
    with pytest.raises(ImageReadError, match="device"):
        load_image("/dev/zero")


def test_a_later_save_removes_stale_temporary_files_of_ours(tmp_path):
    old = time.time() - STALE_PART_AGE - 60
    stale = tmp_path / ".photo.png.ab12cd34.part"
    fresh = tmp_path / ".photo.png.ef56ab78.part"  # a save running now in another process
    other = tmp_path / ".notes.part"  # not a name of ours
    for path in (stale, fresh, other):
        path.write_bytes(b"half")
    for path in (stale, other):
        os.utime(path, (old, old))
    save_image(tmp_path / "result.png", noise((4, 4)))
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert remove_stale_parts(tmp_path) == []  # each folder is looked through once


@pytest.mark.parametrize("shape", [(10,), (4, 5, 6), (3, 4, 2, 2), (0, 5)])
def test_a_decoder_giving_no_image_shape_is_damaged_data(tmp_path, monkeypatch, shape):
    # Damaged files have decoded to a 1-D strip (a float TIFF found by the fuzz test): the
    # loader refuses any shape that is not an image, whichever decoder made it.
    from workbench.engine import imageio
    from workbench.engine.image_codecs import Decoded

    path = tmp_path / "odd.png"
    save_image(path, np.zeros((4, 5), np.uint8))
    fake = Decoded(np.zeros(shape, np.float32), 32, None, None)
    monkeypatch.setattr(imageio.png_codec, "read_png", lambda *args: fake)
    with pytest.raises(ImageReadError, match=r"odd.png: damaged image data"):
        load_image(path)
