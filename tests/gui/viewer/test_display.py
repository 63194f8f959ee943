"""Screen copies of images: 16-bit and float scaled to 8 bits, alpha premultiplied."""

from __future__ import annotations

import numpy as np

from workbench.gui.viewer.display import describe_pixel, downsample, to_display


def _rgba(display) -> np.ndarray:
    image = display.image
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    bgra = buf[:, : image.width() * 4].reshape(image.height(), image.width(), 4)
    return bgra[..., [2, 1, 0, 3]]


def test_sixteen_bit_is_rounded_to_eight():
    pixels = np.array([[0, 128, 257, 32768, 65535]], np.uint16)
    shown = _rgba(to_display(pixels))
    np.testing.assert_array_equal(shown[0, :, 0], np.rint(pixels[0] / 257.0).astype(np.uint8))
    np.testing.assert_array_equal(shown[..., 3], 255)


def test_float_is_taken_as_zero_to_one_and_clipped():
    pixels = np.array([[[-0.5, 0.5, 2.0]]], np.float32)
    np.testing.assert_array_equal(_rgba(to_display(pixels))[0, 0, :3], [0, 128, 255])


def test_rgba_is_premultiplied():
    pixels = np.array([[[200, 100, 50, 128]]], np.uint8)
    shown = _rgba(to_display(pixels))[0, 0]
    np.testing.assert_array_equal(
        shown, [round(200 * 128 / 255), round(100 * 128 / 255), round(50 * 128 / 255), 128]
    )


def test_downsample_averages_blocks():
    pixels = np.arange(16, dtype=np.uint8).reshape(4, 4)
    np.testing.assert_array_equal(downsample(pixels, 2), [[2, 4], [10, 12]])
    assert downsample(pixels, 1) is pixels


def test_describe_pixel():
    assert describe_pixel(np.array([[7]], np.uint8), 0, 0) == "gray 7"
    rgb = np.array([[[1, 2, 3]]], np.uint16)
    assert describe_pixel(rgb, 0, 0) == "R 1  G 2  B 3"
    assert describe_pixel(np.array([[[0.5]]], np.float32)[..., 0], 0, 0) == "gray 0.5000"
