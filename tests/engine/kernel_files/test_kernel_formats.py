"""Other programs' kernel files: ImageJ text, Photoshop .acf, GIMP presets, pasted text."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.engine import Kernel, KernelError
from workbench.engine.library import (
    KernelFileError,
    export_kernel,
    format_kernel_text,
    import_kernels,
    parse_kernel_text,
)


def one(path):
    kernels, notes = import_kernels(path)
    assert len(kernels) == 1
    return kernels[0], notes


# -- pasted text ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "0 1 0\n1 -4 1\n0 1 0",
        "0\t1\t0\n1\t-4\t1\n0\t1\t0\n",
        "0, 1, 0\n1, -4, 1\n0, 1, 0",
        "  Kernel\n0 1 0\n\n1 -4 1\n0 1 0\n",
        "(0,1,0;1,-4,1;0,1,0)",
        "0 1 0; 1 -4 1; 0 1 0",
        "0.0 1e0 0\n1 -4.0 +1\n.0 1 0",
    ],
)
def test_parse_text_forms(text):
    kernel = parse_kernel_text(text)
    np.testing.assert_array_equal(kernel.weights, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", KernelFileError, "no rows of numbers"),
        ("1 2 3\n4 5", KernelFileError, "different lengths"),
        ("1 2 3\n4 x 6\n7 8 9", KernelFileError, "line 2: 'x' is not a number"),
        ("1 2\n3 4", KernelFileError, "even"),
        ("(1,2,3,4)", KernelFileError, "width 4 is even"),
    ],
)
def test_parse_text_errors(text, error, message):
    with pytest.raises(error, match=message):
        parse_kernel_text(text)
    assert issubclass(error, ValueError) and issubclass(KernelError, ValueError)


def test_format_text_folds_divisor():
    kernel = Kernel([[1, 2, 1]], divisor=4)
    assert format_kernel_text(kernel) == "0.25\t0.5\t0.25\n"
    assert format_kernel_text(Kernel([[1, -2, 1]])) == "1\t-2\t1\n"


def test_text_with_divisor_reads_back_to_the_same_kernel():
    kernel = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, offset=-3.5)
    text = format_kernel_text(kernel, keep_divisor=True)
    assert text == "1\t2\t1\n2\t4\t2\n1\t2\t1\ndivisor 16\noffset -3.5\n"
    again = parse_kernel_text(text)
    np.testing.assert_array_equal(again.weights, kernel.weights)
    assert (again.divisor, again.offset) == (16, -3.5)
    assert parse_kernel_text("1 1 1\nDivisor: 3").divisor == 3
    with pytest.raises(KernelFileError, match="divisor cannot be 0"):
        parse_kernel_text("1 1 1\ndivisor 0")


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 3).flatmap(
        lambda h: st.integers(0, 3).flatmap(
            lambda w: st.lists(
                st.lists(
                    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
                    min_size=2 * w + 1,
                    max_size=2 * w + 1,
                ),
                min_size=2 * h + 1,
                max_size=2 * h + 1,
            )
        )
    )
)
def test_text_round_trip_is_exact(rows):
    kernel = Kernel(rows)
    again = parse_kernel_text(format_kernel_text(kernel))
    np.testing.assert_array_equal(again.weights, kernel.weights)


# -- ImageJ --------------------------------------------------------------------------------
def test_imagej_import(tmp_path):
    path = tmp_path / "blur.txt"
    path.write_text("text1\n1 1 1\n1 1 1\n1 1 1\n")
    kernel, notes = one(path)
    np.testing.assert_array_equal(kernel.weights, np.ones((3, 3)))
    assert (kernel.divisor, kernel.offset, kernel.border, kernel.name) == (1, 0, "nearest", "blur")
    assert any("Normalize option is not stored" in n for n in notes)
    assert any("sum to 9" in n and "set the divisor to 9" in n for n in notes)


def test_imagej_round_trip(tmp_path):
    kernel = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, border="nearest")
    notes = export_kernel(kernel, tmp_path / "g.txt")
    assert any("divided by 16" in n for n in notes)
    back, _ = one(tmp_path / "g.txt")
    np.testing.assert_array_equal(back.effective_weights(), kernel.effective_weights())
    for ext in (".csv", ".kernel"):
        (tmp_path / f"g{ext}").write_text((tmp_path / "g.txt").read_text())
        assert one(tmp_path / f"g{ext}")[0].weights.shape == (3, 3)


def test_imagej_refuses_offset_and_colour(tmp_path):
    with pytest.raises(KernelFileError, match=r"no offset; the offset 128 would be lost"):
        export_kernel(Kernel([[1]], offset=128), tmp_path / "o.txt")
    with pytest.raises(KernelFileError, match=r"colour kernel"):
        export_kernel(Kernel(np.ones((3, 3, 1, 1))), tmp_path / "c.txt")
    assert list(tmp_path.iterdir()) == []


def test_imagej_malformed(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 2 3\n1 2\n")
    with pytest.raises(KernelFileError, match=rf"^{path}: rows have different lengths"):
        import_kernels(path)
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(KernelFileError, match=r"not a text file"):
        import_kernels(path)


# -- Photoshop .acf ------------------------------------------------------------------------
def test_acf_hand_made_file_byte_by_byte(tmp_path):
    # 27 big-endian int16: 25 weights row by row, scale, offset.
    words = [0] * 25
    words[6:9] = [-1, -2, -1]  # row 1
    words[11:14] = [0, 0, 0]  # row 2
    words[16:19] = [1, 2, 300]  # row 3 (asymmetric on purpose)
    words += [7, -20]
    data = b"".join(struct.pack(">h", w) for w in words)
    assert len(data) == 54 and data[12:14] == b"\xff\xff" and data[-2:] == b"\xff\xec"
    path = tmp_path / "edge.acf"
    path.write_bytes(data)
    kernel, notes = one(path)
    np.testing.assert_array_equal(kernel.weights, [[-1, -2, -1], [0, 0, 0], [1, 2, 300]])
    assert (kernel.divisor, kernel.offset, kernel.border) == (7, -20, "nearest")
    assert any("repeats edge pixels" in n for n in notes)
    # Written back, the same 54 bytes.
    export_kernel(kernel, tmp_path / "again.acf")
    assert (tmp_path / "again.acf").read_bytes() == data


def test_acf_full_5x5_and_rectangular(tmp_path):
    weights = np.arange(-12, 13).reshape(5, 5)
    export_kernel(Kernel(weights, divisor=3, offset=9), tmp_path / "a.acf")
    data = (tmp_path / "a.acf").read_bytes()
    assert struct.unpack(">27h", data) == (*range(-12, 13), 3, 9)
    row = Kernel([[1, 2, 1]], divisor=4)
    notes = export_kernel(row, tmp_path / "row.acf")
    assert any("centred" in n for n in notes)
    words = struct.unpack(">27h", (tmp_path / "row.acf").read_bytes())
    assert words[10:15] == (0, 1, 2, 1, 0) and sum(map(abs, words[:25])) == 4
    back, _ = one(tmp_path / "row.acf")
    assert back.shape == (1, 3)
    np.testing.assert_array_equal(back.weights, row.weights)


def test_acf_scales_fractions_to_integers_when_exact(tmp_path):
    kernel = Kernel([[0.25, 0.5, 0.25]])  # = [1 2 1] / 4
    notes = export_kernel(kernel, tmp_path / "f.acf")
    assert any("scale 4" in n for n in notes)
    back, _ = one(tmp_path / "f.acf")
    np.testing.assert_array_equal(back.effective_weights(), kernel.effective_weights())
    big = Kernel([[1000, 2000, 1000]], divisor=4000)  # too large as it is, fine reduced
    export_kernel(big, tmp_path / "b.acf")
    assert struct.unpack(">27h", (tmp_path / "b.acf").read_bytes())[11:14] == (1, 2, 1)
    assert one(tmp_path / "b.acf")[0].divisor == 4
    third = Kernel(np.full((3, 3), 1 / 9))
    export_kernel(third, tmp_path / "t.acf")
    assert one(tmp_path / "t.acf")[0].divisor == 9


def test_acf_takes_float_noise_as_the_whole_numbers_it_is(tmp_path):
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float)
    noise = np.random.default_rng(0).uniform(-3e-12, 3e-12, (3, 3))
    export_kernel(Kernel(sharpen + noise, offset=-1.3e-12), tmp_path / "s.acf")
    back, _ = one(tmp_path / "s.acf")
    np.testing.assert_array_equal(back.weights, sharpen)
    assert back.offset == 0 and back.divisor == 1
    # A real fraction of a level is still refused, however close to a whole number.
    with pytest.raises(KernelFileError, match="offset"):
        export_kernel(Kernel(sharpen, offset=2 + 1e-6), tmp_path / "o.acf")
    with pytest.raises(KernelFileError, match="without rounding"):
        export_kernel(Kernel(sharpen + 1e-6), tmp_path / "w.acf")


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        (Kernel(np.ones((7, 7))), "at most 5x5 weights; this kernel is 7x7"),
        (Kernel([[0.123456789]]), "cannot be written that way without rounding"),
        (Kernel([[1000]]), "from -999 to 999"),
        (Kernel([[1]], offset=0.5), "offset .* 0.5 would be lost"),
        (Kernel(np.ones((1, 1, 1, 1))), "colour kernel"),
    ],
)
def test_acf_refuses_losses(tmp_path, kernel, message):
    with pytest.raises(KernelFileError, match=message):
        export_kernel(kernel, tmp_path / "x.acf")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", [0, 53, 55, 108])
def test_acf_wrong_size(tmp_path, size):
    path = tmp_path / "bad.acf"
    path.write_bytes(b"\0" * size)
    with pytest.raises(KernelFileError, match=f"exactly 54 bytes, this one is {size}"):
        import_kernels(path)


def test_acf_zero_scale(tmp_path):
    path = tmp_path / "z.acf"
    path.write_bytes(struct.pack(">27h", *([0] * 12 + [1] + [0] * 12), 0, 0))
    with pytest.raises(KernelFileError, match=r"scale .divisor. is 0"):
        import_kernels(path)


@pytest.mark.parametrize(("scale", "same"), [(-8, "scale 8"), (12000, None), (-12000, None)])
def test_acf_scale_outside_photoshops_range_is_noted_and_kept(tmp_path, scale, same):
    # Seen in a public repository: an .acf with scale -8, which Photoshop's dialog (scale
    # 1..9999) cannot have saved. Imported as the file says, with a note; nothing is lost.
    grid = [0] * 25
    grid[11:14] = [1, -4, 2]
    path = tmp_path / "odd.acf"
    path.write_bytes(struct.pack(">27h", *grid, scale, 0))
    kernel, notes = one(path)
    assert kernel.divisor == scale
    note = " ".join(notes)
    assert f"scale {scale} is outside Photoshop's 1..9999" in note
    assert (f"negated with {same}" in note) == (same is not None)
    if same is None:  # 1/12000 steps: no scale Photoshop accepts holds these weights
        with pytest.raises(KernelFileError, match="without rounding"):
            export_kernel(kernel, tmp_path / "back.acf")
        return
    # Exported, the same filter with a scale Photoshop accepts.
    export_kernel(kernel, tmp_path / "back.acf")
    words = struct.unpack(">27h", (tmp_path / "back.acf").read_bytes())
    assert words[25] == 8 and words[11:14] == (-1, 4, -2)
    back, back_notes = one(tmp_path / "back.acf")
    np.testing.assert_allclose(back.effective_weights(), kernel.effective_weights())
    assert not any("outside" in n for n in back_notes)


def test_acf_weight_and_offset_outside_photoshops_range_are_noted(tmp_path):
    path = tmp_path / "big.acf"
    path.write_bytes(struct.pack(">27h", *([0] * 12 + [1200] + [0] * 12), 1, -10000))
    kernel, notes = one(path)
    assert kernel.weights[0, 0] == 1200 and kernel.offset == -10000
    assert any("weight of 1200 is outside" in n for n in notes)
    assert any("offset -10000 is outside" in n for n in notes)


# -- GIMP presets --------------------------------------------------------------------------
GIMP_FILE = """# GIMP GimpGegl-gegl-convolution-matrix-config settings

(GimpGegl-gegl-convolution-matrix-config "Edge \\"left\\""
    (time 0)
    (a1 0) (a2 0) (a3 0) (a4 0) (a5 0)
    (b1 0) (b2 -1) (b3 -2) (b4 -1) (b5 0)
    (c1 0) (c2 0) (c3 0) (c4 0) (c5 0)
    (d1 0) (d2 1) (d3 2) (d4 1) (d5 0)
    (e1 0) (e2 0) (e3 0) (e4 0) (e5 0)
    (divisor 2.000000)
    (offset 0.500000)
    (red yes)
    (normalize no)
    (border loop))
(GimpGegl-gegl-convolution-matrix-config "Blur"
    (time 1580000000)
    (b2 1) (b3 1) (b4 1) (c2 1) (c3 1) (c4 1) (d2 1) (d3 1) (d4 1)
    (normalize yes))

# end of settings
"""


def test_gimp_presets_several_kernels(tmp_path):
    path = tmp_path / "GimpGegl-gegl-convolution-matrix-config.settings"
    path.write_text(GIMP_FILE)
    kernels, notes = import_kernels(path)
    edge, blur = kernels
    # The letter is the column, the digit the row: b2..b4 is column b (the second).
    np.testing.assert_array_equal(edge.weights, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert edge.name == 'Edge "left"'
    assert (edge.divisor, edge.offset, edge.border) == (2, 127.5, "wrap")
    np.testing.assert_array_equal(blur.weights, np.ones((3, 3)))
    assert (blur.divisor, blur.offset, blur.border) == (9, 0, "nearest")  # normalised
    assert any("linear light" in n for n in notes)


def test_gimp_round_trip(tmp_path):
    kernel = Kernel(
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        divisor=1.5,
        offset=51,
        border="nearest",
        name="Sharp",
        space="linear",
    )
    assert export_kernel(kernel, tmp_path / "s.settings") == []
    # GIMP filters in linear light: a kernel made for the stored values is written with a
    # note that GIMP's result will differ.
    perceptual = kernel.replace(space="perceptual")
    assert any("linear light" in n for n in export_kernel(perceptual, tmp_path / "p.settings"))
    back, _ = one(tmp_path / "s.settings")
    assert back.space == "linear"
    np.testing.assert_array_equal(back.weights, kernel.weights)
    assert (back.divisor, back.border, back.name) == (1.5, "nearest", "Sharp")
    assert back.offset == pytest.approx(51)
    notes = export_kernel(kernel.replace(border="reflect"), tmp_path / "r.settings")
    assert any("no 'reflect' border" in n for n in notes)


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        (Kernel(np.ones((7, 7))), "GIMP's Convolution Matrix holds at most 5x5 weights"),
        (Kernel(np.ones((3, 3, 1, 1))), "GIMP's Convolution Matrix cannot hold a colour kernel"),
    ],
)
def test_gimp_refuses_what_it_cannot_hold(tmp_path, kernel, message):
    with pytest.raises(KernelFileError, match=message):
        export_kernel(kernel, tmp_path / "x.settings")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('(GimpGegl-gegl-convolution-matrix-config "x" (a1 0)', "never closed"),
        ('(other-config "x")', "no GIMP Convolution Matrix presets"),
        ('(GimpGegl-gegl-convolution-matrix-config "x" (c3 abc))', "not a number"),
        (")", "unbalanced"),
        (
            '(GimpGegl-gegl-convolution-matrix-config "x" (c3 1) (divisor 1e-300) (normalize no))',
            "divisor 1e-300 is too small",
        ),
    ],
)
def test_gimp_malformed(tmp_path, text, message):
    path = tmp_path / "bad.settings"
    path.write_text(text)
    with pytest.raises(KernelFileError, match=message):
        import_kernels(path)


def test_folder_is_not_a_kernel_file(tmp_path):
    (tmp_path / "kernels.json").mkdir()
    for path in (tmp_path, tmp_path / "kernels.json"):
        with pytest.raises(KernelFileError, match=r": is a folder, not a kernel file"):
            import_kernels(path)


def test_unknown_extensions(tmp_path):
    with pytest.raises(KernelFileError, match=r"unknown kernel file type '.png'"):
        import_kernels(tmp_path / "a.png")
    with pytest.raises(KernelFileError, match=r"unknown kernel file type '.doc'"):
        export_kernel(Kernel([[1]]), tmp_path / "a.doc")
