"""The ``workbench`` command itself: the app by default, usage errors, pipes."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from workbench.cli.terminal import ProgressBar


def test_unknown_option_and_help(files, run, assert_one_line_error):
    assert_one_line_error(run("--frobnicate", cwd=files), 2, "unknown option --frobnicate")
    result = run("--help", cwd=files)
    assert result.returncode == 0 and "workbench apply" in result.stdout


def test_image_names_go_to_the_app(monkeypatch):
    from workbench import cli

    seen = []
    fake = type(sys)("workbench.gui.app")
    fake.main = lambda paths: seen.append(paths) or 0
    monkeypatch.setitem(sys.modules, "workbench.gui.app", fake)
    assert cli.main(["apply.png", "learn"]) == 0
    assert cli.main([]) == 0
    assert seen == [["apply.png", "learn"], []]


def test_missing_app_is_a_clear_error(monkeypatch, capsys):
    from workbench import cli

    monkeypatch.setitem(sys.modules, "workbench.gui.app", None)
    assert cli.main(["photo.png"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("workbench: the desktop app is not available") and err.count("\n") == 1


def test_reader_that_goes_away_is_not_an_error(files, workbench_command):
    # As in `workbench kernels list | head -1`: the pipe closes before the output is written.
    environment = {**os.environ, "WORKBENCH_KERNELS": str(files / "user-kernels")}
    process = subprocess.Popen(
        [workbench_command, "kernels", "list"],
        cwd=files,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert err == b""
    assert process.returncode == 141


def test_progress_bar_keeps_its_fraction_from_file_to_file():
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True)
    bar.set_label("first.png")
    bar.update(0.5, force=True)
    bar.set_label("second.png")  # the next file of a batch: half the batch is still done
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("second.png") and last.endswith(" 50%")
    bar.clear()
    assert stream.getvalue().endswith("\r")
    assert ProgressBar(io.StringIO()).enabled is False  # not a terminal: no bar


def test_an_unexpected_error_is_one_line_with_status_1(monkeypatch, capsys):
    from workbench import cli

    def broken(args):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("workbench.cli.apply.run", broken)
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    assert cli.main(["apply", "a.png", "-k", "sharpen", "-o", "b.png"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "workbench: internal error: RuntimeError: boom; second line "
        "(set WORKBENCH_DEBUG=1 for details)\n"
    )


def test_a_user_error_of_several_lines_is_said_on_one(monkeypatch, capsys):
    from workbench import cli

    def refuses(args):
        raise ValueError("photo.png: first problem\n  and its detail")

    monkeypatch.setattr("workbench.cli.apply.run", refuses)
    assert cli.main(["apply", "a.png", "-k", "sharpen", "-o", "b.png"]) == 2
    assert capsys.readouterr().err == "workbench: photo.png: first problem; and its detail\n"


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    from workbench import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("workbench.cli.apply.run", interrupted)
    assert cli.main(["apply", "a.png", "-k", "sharpen", "-o", "b.png"]) == 130
    assert capsys.readouterr().err == "workbench: interrupted\n"
