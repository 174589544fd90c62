"""Work the app does outside a script run: the start-up warm-up and prefetching likely next maps.

Streamlit's cached functions may be called from any thread (the cache is the server's, shared by
all sessions, with one lock per value so a value is never computed twice at once), but outside a
script run each call logs "missing ScriptRunContext". Threads started here are named with
:data:`THREAD_PREFIX`, and only their warnings are dropped (:func:`quiet_own_threads`).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import OrderedDict
from typing import Callable, Hashable

THREAD_PREFIX = "hotspots-"
STREAMLIT_LOGGERS = ("streamlit.runtime.scriptrunner_utils.script_run_context",
                     "streamlit.runtime.caching.cache_data_api")
LOG = logging.getLogger("hotspots.background")


class _NotOwnThreads(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.threadName.startswith(THREAD_PREFIX)


_FILTER = _NotOwnThreads()


def quiet_own_threads() -> None:
    """Drop Streamlit's "missing ScriptRunContext" warnings raised in this module's threads (only those)."""
    for name in STREAMLIT_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class Prefetcher:
    """Runs submitted calls one at a time on a background thread, each key once.

    One worker, so prefetching never takes more than one of the server's cores from the people
    using it; a bounded queue (``max_pending``), so a busy server drops guesses rather than
    falling behind; and a memory of recent keys (``remember``), so a rerun that asks for the
    same guesses again costs nothing. A failed call is logged and forgotten: the value is
    computed when someone asks for it, as it would be without prefetching.
    """

    def __init__(self, max_pending: int = 8, remember: int = 256, name: str = "prefetch"):
        self.max_pending = max_pending
        self.remember = remember
        self.name = THREAD_PREFIX + name
        self._queue: queue.Queue = queue.Queue()
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, key: Hashable, fn: Callable, *args) -> bool:
        """Queue ``fn(*args)`` unless ``key`` was submitted recently or the queue is full; True if queued."""
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            if self._queue.unfinished_tasks >= self.max_pending:
                return False
            self._seen[key] = None
            while len(self._seen) > self.remember:
                self._seen.popitem(last=False)
            if self._thread is None:
                quiet_own_threads()
                self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
                self._thread.start()
            self._queue.put((key, fn, args))
        return True

    def forget(self) -> None:
        """Forget which keys were done (their cached values were cleared): they may be submitted again."""
        with self._lock:
            self._seen.clear()

    def join(self) -> None:
        """Wait until every queued call has run (for tests and benchmarks)."""
        self._queue.join()

    def _work(self) -> None:
        _lower_priority()
        while True:
            key, fn, args = self._queue.get()
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - a guess that failed; computed on demand instead
                LOG.exception("prefetching %r failed", key)
                with self._lock:
                    self._seen.pop(key, None)
            finally:
                self._queue.task_done()


def _lower_priority(niceness: int = 10) -> None:
    """Make the calling thread yield the CPU to the server's other threads (and, on a laptop serving
    itself, to the browser drawing the map): Linux schedules threads alone, so this thread only."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


PREFETCH = Prefetcher()  # the server's one prefetching thread (started on first use)
