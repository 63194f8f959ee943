"""The ``workbench`` command: the desktop app by default, sub-commands for batch work.

::

    workbench [IMAGE ...]                 open the desktop app (the sample image if none)
    workbench apply IMAGE... -k KERNEL -o OUT [--border MODE] [--repeat N] [--strategy S]
    workbench learn BEFORE AFTER [--pair BEFORE AFTER ...] -o KERNEL.json
                    [--size N|auto] [--mode shared|per-channel|color] [--solver exact|adam]
    workbench kernels list | show NAME | import FILE | export NAME FILE

Errors print one line on stderr and exit with status 2 for bad input, 1 for a failure
(130 when interrupted); never a traceback for a user's mistake. Set ``WORKBENCH_DEBUG=1``
to see the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from workbench.cli import terminal
from workbench.cli.terminal import InputError, Terminated, exit_status, say

__all__ = ["main"]

COMMANDS = ("apply", "learn", "kernels")

USAGE = """\
workbench [IMAGE ...]
       workbench apply IMAGE [IMAGE ...] -k KERNEL -o OUT [--border MODE] [--repeat N]
                       [--strategy S] [--quality Q] [--png-compression 0-9]
                       [--space perceptual|linear] [--luminance]
                       [--out-range clip|abs|stretch|float]
                       [--scheduler tcp://HOST:PORT|local:N] [--skip-existing]
       workbench learn BEFORE AFTER [--pair BEFORE AFTER ...] -o KERNEL.json
                       [--size N|auto] [--mode shared|per-channel|color]
                       [--solver exact|adam] [--loss l2|huber|l1]
                       [--space auto|perceptual|linear] [--residual FILE]
       workbench kernels list | show NAME | import FILE... | export NAME FILE"""

EPILOG = """\
With no sub-command, the desktop app opens on the given images (or the sample image).
KERNEL is a library name (see 'workbench kernels list', e.g. gaussian-3x3) or a kernel file
(.json, ImageJ .txt, Photoshop .acf, GIMP .settings). Exit status: 0 done, 1 failed,
2 bad input, 130/143/129 interrupted. Run 'workbench COMMAND --help' for a command's options."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr (and status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    from workbench.cli import apply as cli_apply
    from workbench.cli import kernels as cli_kernels
    from workbench.cli import learn as cli_learn

    parser = _Parser(
        prog="workbench",
        usage=USAGE,
        description="Filter Workbench: apply, design and learn convolution filters.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, required=True, prog="workbench"
    )
    cli_apply.add_parser(commands)
    cli_learn.add_parser(commands)
    cli_kernels.add_parser(commands)
    return parser


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (it costs a scan of the path)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("filter-workbench")
    except Exception:
        return "(development)"


def _open_app(paths: list[str]) -> int:
    try:
        from workbench.gui.app import main as app_main
    except ImportError as exc:
        say(f"the desktop app is not available ({exc})")
        return 1
    return int(app_main(paths) or 0)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout may be closed or not a real file
        pass


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop a command as Ctrl+C does: temporary files are removed."""

    def stop(signum: int, _frame: object) -> None:
        if terminal.signal_received is not None:  # a second one must not break the clean-up
            return
        terminal.signal_received = signum
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                signal.signal(signum, stop)
            except (OSError, ValueError):  # not the main thread (tests calling main())
                pass


def _reopen_closed_streams() -> None:
    """Give a closed stdout or stderr (``workbench kernels list >&-``) a place to go.

    Python sets ``sys.stdout`` to None when the descriptor is closed at start; output then
    goes nowhere, quietly, and the descriptor is taken so no file opened later gets it.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "w", closefd=False))
        except OSError:
            setattr(sys, name, open(os.devnull, "w"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    _reopen_closed_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    first = args[0] if args else None
    if first not in COMMANDS and first not in ("-h", "--help", "--version"):
        if first is not None and first.startswith("-") and first != "--":
            say(f"unknown option {first} (see 'workbench --help')")
            return 2
        return _open_app([a for a in args if a != "--"])
    _stop_on_signals()
    if not os.environ.get("WORKBENCH_DEBUG"):
        # A library's warning (numpy overflow, Pillow...) is not our one line: what the user
        # must know the engine says itself, as an error or a note.
        warnings.simplefilter("ignore")
    try:
        namespace = _parser().parse_args(args)
        status = int(namespace.run(namespace))
        terminal.stop_if_signalled()
        sys.stdout.flush()  # a reader that went away shows here, where it is handled
        return status
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except BrokenPipeError:
        # The reader went away (``workbench kernels list | head``): stop quietly, as other
        # command-line tools do, and keep Python from complaining again when it flushes.
        _silence_stdout()
        return 141  # what a shell reports for a tool stopped by SIGPIPE
    except BaseException as exc:
        status = exit_status(exc)
        if isinstance(exc, Terminated):
            say("stopped by a signal (nothing half-written is left)")
        elif status == 130:
            say("interrupted")
        elif isinstance(exc, MemoryError):
            say("not enough memory for this work: try smaller images or close other programs")
        elif os.environ.get("WORKBENCH_DEBUG"):
            raise
        elif isinstance(exc, (ValueError, OSError, InputError)):
            say(str(exc))
        else:  # a bug: still one line, with a way to see more
            say(f"internal error: {type(exc).__name__}: {exc} (set WORKBENCH_DEBUG=1 for details)")
        return status


if __name__ == "__main__":
    sys.exit(main())
