"""Fuzzing the command line with hostile kernel JSON and damaged image bytes (issue 12).

Each example runs ``workbench apply`` in this process (``cli.main``, as the console script
does) and asserts the README's promise: exit status 0 or 2, at most one line on stderr
(exactly one when refused), no traceback, no file left behind, the inputs unchanged.
The decompression guard is lowered to a megapixel so a garbled header cannot make an
example decode hundreds of megabytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from workbench import cli
from workbench.engine import imageio
from workbench.engine.imageio import save_image

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RNG = np.random.default_rng(12)


@pytest.fixture
def folder(tmp_path_factory, monkeypatch):
    """A working folder with a photo and an empty user library; the guard at 1 MP."""
    here = tmp_path_factory.mktemp("fuzz")
    save_image(here / "photo.png", RNG.integers(0, 256, (12, 14, 3), dtype=np.uint8))
    monkeypatch.setenv("WORKBENCH_KERNELS", str(here / "user-kernels"))
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    monkeypatch.setenv("WORKBENCH_THREADS", "1")
    monkeypatch.setattr(imageio, "MAX_PIXELS", 1_000_000)
    monkeypatch.chdir(here)
    return here


def run_cli(*args: str) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(list(args))
    return status, err.getvalue().strip().splitlines()


def check_promise(folder: Path, status: int, lines: list[str], inputs: dict[str, bytes]) -> None:
    assert status in (0, 2), (status, lines)
    assert not any("Traceback" in line or "internal error" in line for line in lines), lines
    if status == 2:
        assert len(lines) == 1 and lines[0].startswith("workbench: "), lines
        assert not (folder / "out.png").exists()
    else:
        assert len(lines) <= 1, lines  # a note ("only the first frame is used") at most
        assert (folder / "out.png").is_file()
        (folder / "out.png").unlink()
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    for name, data in inputs.items():
        assert (folder / name).read_bytes() == data, f"{name} was changed"
    names = {p.name for p in folder.iterdir()}
    assert names <= {"photo.png", "user-kernels", *inputs}, names


# -- kernel JSON ------------------------------------------------------------------------
hostile_numbers = st.one_of(
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 1e300, -1e300, 1e-320, 2**63, 10**309]),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
)
rows = st.lists(hostile_numbers | st.integers(-5, 5), min_size=0, max_size=5)
cells = hostile_numbers | st.integers(-5, 5) | st.floats(-10, 10)
grids = st.one_of(
    st.lists(st.lists(cells, min_size=3, max_size=3), min_size=3, max_size=3),  # 3x3
    st.lists(rows, min_size=0, max_size=5),
    st.lists(st.lists(rows, max_size=3), max_size=3),  # 3-D
    st.lists(st.lists(st.lists(rows, max_size=2), max_size=2), max_size=2),  # colour-ish
    hostile_numbers,
    st.dictionaries(st.text(max_size=3), hostile_numbers, max_size=2),
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "format": st.sampled_from(["workbench.kernel", "other", 1]),
        "version": st.one_of(st.integers(-2, 3), st.text(max_size=2)),
        "weights": grids,
        "divisor": hostile_numbers,
        "offset": st.one_of(hostile_numbers, st.lists(hostile_numbers, max_size=4)),
        "border": st.one_of(st.sampled_from(["reflect", "wrap", "nope", ""]), hostile_numbers),
        "name": st.one_of(st.text(max_size=8), hostile_numbers),
        "extra key": st.text(max_size=5),
    },
)


def encode(document: dict, cut: int | None) -> bytes:
    text = json.dumps(document, allow_nan=True)
    data = text.encode("utf-8", "surrogatepass")
    return data if cut is None else data[:cut]


@FUZZ
@given(document=documents, cut=st.one_of(st.none(), st.integers(0, 200)))
@example(document={"weights": [[10**309]]}, cut=None)  # the cases the fuzzing pass found
@example(document={"weights": [[1]], "offset": 1e300}, cut=None)
@example(document={"weights": [[1]], "divisor": "16"}, cut=None)
def test_fuzzed_kernel_json_keeps_the_promise(folder, document, cut):
    data = encode(document, cut)
    (folder / "k.json").write_bytes(data)
    inputs = {"k.json": data, "photo.png": (folder / "photo.png").read_bytes()}
    status, lines = run_cli("apply", "photo.png", "-k", "k.json", "-o", "out.png")
    check_promise(folder, status, lines, inputs)


@FUZZ
@given(document=documents)
@example(document={"weights": [[10**309]]})
def test_a_fuzzed_kernel_in_the_user_library_never_stops_a_command(folder, document):
    library = folder / "user-kernels"
    library.mkdir(exist_ok=True)
    (library / "fuzzed.json").write_bytes(encode(document, None))
    status, lines = run_cli("apply", "photo.png", "-k", "gaussian-3x3", "-o", "out.png")
    assert status == 0 and lines == [], lines
    (folder / "out.png").unlink()
    status, lines = run_cli("kernels", "list")
    assert status == 0, lines
    assert all(line.startswith("workbench: skipped ") for line in lines), lines


# -- damaged image bytes ------------------------------------------------------------------
def _image_files(folder: Path) -> dict[str, bytes]:
    """Small valid files of every kind the fuzzer damages."""
    rgb = RNG.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    second = Image.fromarray(rgb[::-1])
    writers = {
        ".png": lambda p: Image.fromarray(rgb).save(p, "PNG"),
        "-16.png": lambda p: save_image(p, rgb.astype(np.uint16) * 257),
        ".jpg": lambda p: Image.fromarray(rgb).save(p, "JPEG", quality=80),
        ".bmp": lambda p: Image.fromarray(rgb).save(p, "BMP"),
        ".webp": lambda p: Image.fromarray(rgb).save(p, "WEBP"),
        ".gif": lambda p: Image.fromarray(rgb).save(
            p, "GIF", save_all=True, append_images=[second]
        ),
        ".tif": lambda p: tifffile.imwrite(
            p, rgb.astype(np.uint16) * 257, photometric="rgb", compression="zlib"
        ),
        "-float.tif": lambda p: tifffile.imwrite(
            p, rgb.astype(np.float32) / 255, photometric="rgb"
        ),
    }
    out = {}
    for kind, write in writers.items():
        path = folder / f"valid{kind}"
        write(path)
        out[kind] = path.read_bytes()
    return out


with tempfile.TemporaryDirectory() as _tmp:
    IMAGES = _image_files(Path(_tmp))


@st.composite
def damaged(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(IMAGES)))
    data = bytearray(IMAGES[kind])
    for _ in range(draw(st.integers(0, 6))):  # garble a few bytes, often in the header
        at = draw(st.one_of(st.integers(0, min(64, len(data) - 1)), st.integers(0, len(data) - 1)))
        data[at] = draw(st.integers(0, 255))
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    ext = ".png" if kind == "-16.png" else ".tif" if kind == "-float.tif" else kind
    return ext, bytes(data if cut is None else data[:cut])


@FUZZ
@given(case=damaged())
def test_damaged_image_bytes_keep_the_promise(folder, case):
    ext, data = case
    name = f"damaged{ext}"
    (folder / name).write_bytes(data)
    inputs = {name: data, "photo.png": (folder / "photo.png").read_bytes()}
    status, lines = run_cli("apply", name, "-k", "sharpen", "-o", "out.png")
    check_promise(folder, status, lines, inputs)
    (folder / name).unlink()
