"""Draws the bundled sample image and the app icon (run: python resources/make_sample.py).

Everything is made here, in code, so the images are the project's own (see README.md).
The scene is meant to show what filters do: smooth gradients (blurs leave them alone), hard
edges and thin lines (edge detectors, sharpening), a zone plate and fine stripes (aliasing,
ringing), saturated colours (channel work), small text (readability after a blur) and noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
W, H = 1200, 800


def _font(size: int) -> ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _sky(rng: np.random.Generator) -> np.ndarray:
    y = np.linspace(0, 1, H)[:, None, None]
    top = np.array([38, 78, 160], float)
    horizon = np.array([250, 190, 140], float)
    sky = top + (horizon - top) * y**1.4
    img = np.broadcast_to(sky, (H, W, 3)).copy()
    # The sun: a soft radial glow.
    yy, xx = np.mgrid[0:H, 0:W]
    r = np.hypot(xx - 1075, yy - 150)
    glow = np.clip(1 - r / 240, 0, 1) ** 2
    img += glow[..., None] * np.array([70, 55, 10])
    img[r < 62] = [255, 236, 170]
    return img


def _hills(img: np.ndarray, rng: np.random.Generator) -> None:
    xx = np.arange(W)
    yy = np.arange(H)[:, None]
    for base, amp, freq, phase, colour in (
        (470, 45, 0.006, 0.5, (92, 120, 150)),
        (540, 35, 0.011, 2.0, (60, 110, 70)),
        (610, 25, 0.017, 4.0, (40, 90, 45)),
    ):
        ridge = base + amp * np.sin(xx * freq + phase) + 12 * np.sin(xx * freq * 3.1 + phase)
        mask = yy > ridge[None, :]
        shade = np.clip((yy - ridge[None, :]) / 300, 0, 1)[..., None]
        layer = np.array(colour, float) * (1 - 0.45 * shade)
        img[mask] = layer[mask]
    # Grass texture in the foreground: fine, high-frequency noise.
    grass = yy > 690
    noise = rng.normal(0, 14, (H, W, 1))
    img[:] = np.where(grass[..., None], img + noise, img)


def _zone_plate(size: int) -> np.ndarray:
    yy, xx = np.mgrid[-1 : 1 : size * 1j, -1 : 1 : size * 1j]
    r2 = xx**2 + yy**2
    plate = 0.5 + 0.5 * np.cos(np.pi * size * 0.45 * r2)
    plate[r2 > 1] = np.nan
    return plate


def _colour_wheel(size: int) -> np.ndarray:
    yy, xx = np.mgrid[-1 : 1 : size * 1j, -1 : 1 : size * 1j]
    hue = (np.arctan2(yy, xx) / (2 * np.pi)) % 1.0
    sat = np.clip(np.hypot(xx, yy), 0, 1)
    hsv = np.stack([hue * 255, sat * 255, np.full_like(hue, 255)], axis=-1).astype(np.uint8)
    rgb = np.asarray(Image.fromarray(hsv, "HSV").convert("RGB"), float)
    rgb[np.hypot(xx, yy) > 1] = np.nan
    return rgb


def make_sample() -> Image.Image:
    rng = np.random.default_rng(2024)
    img = _sky(rng)
    _hills(img, rng)

    plate = _zone_plate(220)
    patch = img[40:260, 40:260]
    inside = ~np.isnan(plate)
    patch[inside] = (plate[inside] * 255)[:, None]

    wheel = _colour_wheel(200)
    patch = img[560:760, 960:1160]
    inside = ~np.isnan(wheel[..., 0])
    patch[inside] = wheel[inside]

    # Fine stripes of increasing frequency, and a checkerboard: detail for sharpening.
    for i, period in enumerate((12, 8, 6, 4, 3, 2)):
        x0 = 300 + i * 44
        cols = (np.arange(40) // (period // 2 or 1)) % 2
        img[60:200, x0 : x0 + 40] = np.where(cols[None, :, None] == 0, 30.0, 235.0)
    check = ((np.arange(120)[:, None] // 6 + np.arange(120)[None, :] // 6) % 2) * 205 + 25
    img[60:180, 600:720] = check[..., None]

    out = Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(out)
    # Hard-edged shapes in saturated colours.
    draw.rectangle((80, 560, 260, 700), fill=(220, 40, 50), outline=(255, 255, 255), width=3)
    draw.ellipse((300, 600, 440, 740), fill=(250, 200, 30), outline=(20, 20, 20), width=4)
    draw.polygon([(520, 740), (600, 590), (680, 740)], fill=(40, 170, 220), outline=(0, 0, 0))
    draw.regular_polygon((800, 660, 70), 6, rotation=15, fill=(150, 60, 200))
    for k in range(12):  # thin diagonal lines
        draw.line((760 + k * 14, 60, 860 + k * 14, 220), fill=(255, 255, 255), width=1)
    # Text, large and small.
    draw.text(
        (300, 250),
        "Filter Workbench",
        font=_font(64),
        fill=(255, 255, 255),
        stroke_width=2,
        stroke_fill=(30, 30, 60),
    )
    subtitle = " \u2022 ".join(("convolution kernels", "blur", "sharpen", "edges", "emboss"))
    draw.text(
        (304, 330),
        subtitle,
        font=_font(22),
        fill=(20, 30, 60),
    )
    for i, size in enumerate((16, 13, 11, 9)):
        draw.text(
            (40, 380 + i * 22),
            f"Small text {size}px: the quick brown fox 0123456789",
            font=_font(size),
            fill=(255, 255, 255),
        )
    return out


def make_icon(size: int = 256) -> Image.Image:
    """A 3x3 kernel grid on a rounded tile, shaded on the app's diverging scale."""
    scale = 4  # draw big, shrink: smooth edges
    big = size * scale
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle(
        (8 * scale, 8 * scale, big - 8 * scale, big - 8 * scale),
        radius=48 * scale,
        fill=(34, 40, 58, 255),
    )
    weights = [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    colours = {-1: (67, 147, 195), 8: (214, 96, 77)}
    cell, gap = 58 * scale, 8 * scale
    origin = (big - 3 * cell - 2 * gap) // 2
    for r in range(3):
        for c in range(3):
            x = origin + c * (cell + gap)
            y = origin + r * (cell + gap)
            draw.rounded_rectangle(
                (x, y, x + cell, y + cell), radius=10 * scale, fill=colours[weights[r][c]]
            )
    return icon.resize((size, size), Image.Resampling.LANCZOS).filter(ImageFilter.SMOOTH_MORE)


if __name__ == "__main__":
    make_sample().save(HERE / "sample.png", optimize=True)
    make_icon().save(HERE / "icon.png", optimize=True)
    print("wrote", HERE / "sample.png", "and", HERE / "icon.png")
