"""``workbench apply --scheduler``: one task per file on a Dask ``distributed`` cluster.

``tcp://HOST:PORT`` sends the files to a running scheduler (``dask scheduler``, workers
started with ``dask worker tcp://HOST:PORT``); ``local:N`` starts a ``LocalCluster`` of N
worker processes on this machine for the run. Each worker runs the same per-file work as a
plain ``workbench apply``, writing through a temporary file and a rename, so no output is
ever half-written. A TIFF too large to read whole is a chunked dask array instead: the
workers read and filter its bands, and this process writes them tile by tile. Dask redoes
the tasks of a worker that dies on the others; a file whose filter raised is retried twice
in case the failure was the machine's (a full disk, a lost mount), then reported as a plain
run reports it.

Workers must see the input and output paths (a shared file system), and have this
package (and the same kernel) installed. dask is imported only here, and only when
``--scheduler`` is given.
"""

from __future__ import annotations

import argparse
import glob
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.terminal import InputError, ProgressBar, say

if TYPE_CHECKING:
    from workbench.engine import Kernel

__all__ = ["INSTALL_HINT", "require_dask", "run_on_scheduler", "scheduler_address"]

INSTALL_HINT = "--scheduler needs Dask: pip install 'filter-workbench[cluster]'"

_TCP = re.compile(r"^(tcp|tls)://[^\s/:]+(:\d{1,5})?/?$")
_LOCAL = re.compile(r"^local:(\d{1,4})$")

#: Tries of a file whose filter raised, after the first: for failures of the machine.
RETRIES = 2


def scheduler_address(text: str) -> str:
    """argparse type of ``--scheduler``: ``tcp://HOST:PORT`` or ``local:N``."""
    local = _LOCAL.match(text)
    if local:
        if not 1 <= int(local.group(1)) <= 512:
            raise argparse.ArgumentTypeError(f"{text}: N must be from 1 to 512 workers")
        return text
    if _TCP.match(text):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a scheduler: give tcp://HOST:PORT (a running 'dask scheduler') "
        f"or local:N (N worker processes on this machine)"
    )


def require_dask():
    """``distributed``, or the InputError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return distributed


def _filter_on_worker(source: Path, target: Path, kernel: Kernel, args: argparse.Namespace):
    from workbench.cli.one_file import filter_file

    filter_file(source, target, kernel, args, None)


def _stream_on_cluster(
    source: Path, target: Path, kernel: Kernel, args: argparse.Namespace, client
):
    """A TIFF too large to read whole: its bands are filtered by the workers, written here."""
    from workbench.engine.dask_apply import stream_apply_dask
    from workbench.engine.imageio import ImageWriteError
    from workbench.engine.tiff_stream import stream_target_problem

    problem = stream_target_problem(target)
    if problem:
        raise ImageWriteError(problem)
    stream_apply_dask(
        source,
        target,
        kernel,
        client,
        repeat=args.repeat,
        compression=getattr(args, "tiff_compression", None),
        border=args.border,
        strategy=args.strategy,
    )


def run_on_scheduler(
    address: str,
    jobs: Sequence[tuple[Path, Path]],
    kernel: Kernel,
    args: argparse.Namespace,
    bar: ProgressBar,
    report: Callable[[Path, BaseException], int],
) -> int:
    """Filter every ``(source, target)`` on the cluster; returns the worst exit status.

    ``report(source, exc)`` says a file's problem (one line) and returns its exit status,
    or re-raises what is no problem of one file. The bar counts finished files.
    """
    distributed = require_dask()
    # The scheduler's and workers' own log lines (a worker restarting...) are not ours.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    cluster = None
    local = _LOCAL.match(address)
    try:
        if local:
            cluster = distributed.LocalCluster(
                n_workers=int(local.group(1)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                host="127.0.0.1",
                silence_logs=logging.CRITICAL,
            )
        client = distributed.Client(cluster or address, timeout="10s")
    except OSError as exc:  # refused, unreachable, timed out
        if cluster is not None:
            cluster.close()
        raise InputError(f"cannot reach the scheduler at {address} ({exc})") from None
    status = 0
    futures = {}
    try:
        with client:
            try:
                from workbench.engine.tiff_stream import is_streamed

                # Workers run elsewhere, in another folder: paths must be absolute.
                jobs = [(source.absolute(), target.absolute()) for source, target in jobs]
                big = [(source, target) for source, target in jobs if is_streamed(source)]
                for source, target in jobs:
                    if (source, target) in big:
                        continue
                    future = client.submit(
                        _filter_on_worker,
                        source,
                        target,
                        kernel,
                        args,
                        retries=RETRIES,
                        pure=False,
                        key=f"workbench-apply-{target.name}-{uuid.uuid4().hex[:12]}",
                    )
                    futures[future] = source
                done = 0
                bar.update(0.0, force=True)
                for source, target in big:  # meanwhile the workers filter the others
                    bar.set_label(source.name)
                    try:
                        _stream_on_cluster(source, target, kernel, args, client)
                    except (ValueError, OSError) as exc:
                        bar.clear()
                        status = max(status, _report(report, source, exc))
                    done += 1
                    bar.update(done / len(jobs))
                for future in distributed.as_completed(futures):
                    source = futures[future]
                    done += 1
                    bar.set_label(source.name)
                    if future.status == "error":
                        bar.clear()
                        status = max(status, _report(report, source, future.exception()))
                    bar.update(done / len(jobs))
            finally:
                left = [future for future in futures if not future.done()]
                if left:  # Ctrl+C: the workers stop what is left
                    client.cancel(left)
    finally:
        if cluster is not None:
            cluster.close()
    _remove_leftovers(target for _, target in jobs)
    return status


def _report(report: Callable[[Path, BaseException], int], source: Path, exc: BaseException) -> int:
    try:
        return report(source, exc)
    except Exception:  # not a problem of the file: of the cluster (KilledWorker...)
        say(f"{source.name}: failed on the cluster ({type(exc).__name__}: {exc})")
        return 1


def _remove_leftovers(targets: Iterable[Path]) -> None:
    """Temporary files of writes a dying worker left (the target itself never is one)."""
    for target in targets:
        for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
            try:
                part.unlink()
            except OSError:
                pass
