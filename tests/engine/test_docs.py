"""The engine's public API documents itself: numpydoc sections, and examples that run."""

from __future__ import annotations

import doctest
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.engine import ConvLayer, Kernel, apply_kernel, apply_kernel_in_place, fit_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary

PUBLIC = [
    apply_kernel,
    apply_kernel_in_place,
    Kernel,
    fit_kernel,
    ConvLayer,
    load_image,
    save_image,
    KernelLibrary,
]


def names(obj) -> str:
    return obj.__name__


@pytest.mark.parametrize("obj", PUBLIC, ids=names)
def test_public_api_has_the_numpydoc_sections(obj):
    doc = inspect.getdoc(obj)
    sections = ["Parameters", "Raises", "Examples"]
    if inspect.isfunction(obj) and inspect.signature(obj).return_annotation != "None":
        sections.append("Returns")
    for section in sections:
        assert f"\n{section}\n{'-' * len(section)}\n" in doc, f"{names(obj)}: no {section}"


@pytest.mark.parametrize("obj", PUBLIC, ids=names)
def test_public_api_examples_run(obj):
    module_globals = dict(vars(sys.modules[obj.__module__]))
    tests = doctest.DocTestFinder(recurse=False).find(obj, globs=module_globals)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{names(obj)} has no example"
    assert results.failed == 0


def readme_python_blocks() -> list[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", readme, flags=re.S)


def test_the_readme_library_example_runs():
    blocks = readme_python_blocks()
    assert blocks, "the README has no python example"
    rng = np.random.default_rng(0)
    before = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    blur = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, border="nearest")
    after = apply_kernel(before, blur)
    for block in blocks:
        names = {"image": before, "before": before, "after": after}
        exec(compile(block, "README.md", "exec"), names)
        if "result" in names:  # the example's fit finds the blur it was shown
            assert names["result"].kernel.shape == (3, 3)
            assert np.allclose(names["result"].kernel.weights, blur.weights / 16, atol=0.02)
