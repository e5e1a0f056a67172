"""Group commit for writes that arrive on sockets: many small writes, one transaction.

Submissions for the same key (a debate) that arrive within a short window (a few ms) are
handed together to a batch function (a domain service, run in the database thread), which
returns one result per item. Each submitter awaits its own result: an acknowledgement is sent
only after the batch committed. Only one batch per key is in flight; the next one gathers
while it commits, so throughput grows with load instead of the queue."""

import asyncio
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from django.db import connections

logger = logging.getLogger(__name__)


class GroupCommitter:
    def __init__(self, batch_fn: Callable[[int, list], list], *, window: float, max_batch: int):
        self._batch_fn = batch_fn
        # One thread of its own, keeping its database connection between batches: the shared
        # database thread (and a pool round trip per call) made a commit wait behind other
        # reads, and acks with it.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-commit")
        self.window = window
        self.max_batch = max_batch
        self._pending: dict[int, list[tuple[object, asyncio.Future]]] = {}
        self._running: dict[int, asyncio.Task] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self.batches = 0
        self.loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, key: int, item):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        batch = self._pending.setdefault(key, [])
        batch.append((item, future))
        if len(batch) >= self.max_batch:
            self._start(key)
        elif key not in self._timers and key not in self._running:
            self._timers[key] = loop.call_later(self.window, self._start, key, context=contextvars.Context())
        return await future

    def _run_batch(self, key: int, items: list) -> list:
        try:
            return self._batch_fn(key, items)
        except Exception:
            # A broken connection is replaced at the next batch; the failed one is reported.
            connections.close_all()
            raise

    def close(self) -> None:
        """Release the thread and its connection (the committer of a loop that ended)."""
        self._executor.submit(connections.close_all)
        self._executor.shutdown(wait=False)

    def _start(self, key: int) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        if key in self._running or not self._pending.get(key):
            return  # the running batch picks these up when it finishes
        pending = self._pending.pop(key)
        batch, rest = pending[: self.max_batch], pending[self.max_batch :]
        if rest:
            self._pending[key] = rest
        self._running[key] = asyncio.get_running_loop().create_task(
            self._commit(key, batch), context=contextvars.Context()
        )

    async def _commit(self, key: int, batch) -> None:
        try:
            results = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._run_batch, key, [item for item, _ in batch])
        except Exception as exc:  # nothing was committed: every submitter hears the failure
            from project.database import is_database_unavailable

            if is_database_unavailable(exc):  # an outage: one clear line per batch, no traceback
                logger.error("group commit of %d item(s) for %s failed, database unavailable (%s): "
                             "nothing stored, each submitter told to retry", len(batch), key, exc)
            else:
                logger.exception("group commit failed for %s", key)
            results = [exc] * len(batch)
        self.batches += 1
        for (_, future), result in zip(batch, results):
            if not future.done():
                future.set_result(result)
        del self._running[key]
        if self._pending.get(key):
            self._start(key)
