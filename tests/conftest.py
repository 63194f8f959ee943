"""Suite-wide rules.

No test starts another image program (ImageMagick, GEGL, G'MIC, ImageJ): what a machine has
installed under those names varies (a `convert` that is not ImageMagick, another version that
rounds differently), so their results are committed fixtures under tests/data/, each with the
script and command that made it. Tests may start Python and our own `workbench` command.
"""

from __future__ import annotations

import os
import subprocess

import pytest

OTHER_PROGRAMS = {"convert", "magick", "compare", "mogrify", "identify", "gegl", "gmic", "imagej"}


def _program(args) -> str:
    first = args if isinstance(args, (str, bytes, os.PathLike)) else args[0]
    first = os.fsdecode(first)
    return os.path.basename(first.split()[0] if " " in first else first)


@pytest.fixture(autouse=True)
def no_other_programs(monkeypatch):
    real_init = subprocess.Popen.__init__

    def guarded(self, args, *rest, **kwargs):
        name = _program(args)
        if name in OTHER_PROGRAMS:
            raise AssertionError(
                f"a test started {name!r}: commit its output as a fixture under tests/data/"
            )
        real_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)


@pytest.fixture(scope="session")
def dask_cluster():
    """A real ``distributed.LocalCluster``: two worker processes, one thread each.

    Started once for the whole run (a few seconds) and only by tests that ask for it.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        host="127.0.0.1",
        silence_logs=40,  # logging.ERROR
    )
    try:
        yield cluster
    finally:
        cluster.close()
