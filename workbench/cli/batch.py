"""Batch work on every core: one task per file on a few threads, results in input order.

Decoding, filtering and encoding all run in C code that releases the GIL (libjpeg-turbo,
libpng, zlib-ng, numpy), so threads are enough to keep the cores busy: while one file is
filtered, another is decoded or encoded. Results come back in input order, so messages and
the exit status are the same as a one-at-a-time run; at most ``threads + 1`` files are in
memory at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["batch_threads", "in_order"]

T = TypeVar("T")


def batch_threads() -> int:
    """How many files to work on at once: ``WORKBENCH_THREADS`` if set, else the cores."""
    wanted = os.environ.get("WORKBENCH_THREADS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return os.cpu_count() or 1


def in_order(
    task: Callable[[int], T], count: int, *, threads: int, stop: threading.Event
) -> Iterator[T]:
    """``task(0)``, ``task(1)``, ... ``task(count - 1)`` run on ``threads`` threads, in order.

    An exception from a task is raised here, in order. If the caller stops early (that
    exception, Ctrl+C, or closing the iterator), ``stop`` is set for the running tasks to
    see, tasks not yet started are dropped, and the running ones are waited for, so that
    none is left writing a file when the command exits.
    """
    if threads <= 1 or count <= 1:
        for i in range(count):
            yield task(i)
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="workbench-batch")
    futures: dict[int, Future[T]] = {}
    finished = False
    try:
        ahead = threads + 1  # one waiting, so a thread that finishes starts at once
        for i in range(min(ahead, count)):
            futures[i] = pool.submit(task, i)
        for i in range(count):
            result = futures.pop(i).result()
            if i + ahead < count:
                futures[i + ahead] = pool.submit(task, i + ahead)
            yield result
        finished = True
    finally:
        if not finished:
            stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
