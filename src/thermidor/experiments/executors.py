"""Where runs execute: local worker processes (the default, no server) or a Ray cluster.

Each worker runs one simulation at a time on one thread: the engine's compiled
kernels would otherwise use every core per run, and the numbers do not depend
on the thread count, so a run gives the same numbers on any executor.
Results arrive in completion order; the caller stores each as it comes.
Local workers end with the process that started them, even when it is killed
(``lifetime``), and closing an executor whose results are no longer wanted (an
interrupted experiment) stops its workers instead of waiting for their runs.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from thermidor.experiments.lifetime import follow_parent

if TYPE_CHECKING:
    from thermidor.model.results import Results
    from thermidor.scenarios import Scenario


@dataclass(frozen=True)
class Task:
    """One run to compute: the scenario, its overrides (fixed and the point's), the seed."""

    scenario: str
    overrides: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class Outcome:
    """A finished task, with its parameters' canonical JSON and hash (encoded in the worker,
    where it costs nothing, rather than by the process that stores every run)."""

    task: Task
    results: Results
    started: datetime
    params_json: str
    params_hash: str


@functools.lru_cache(maxsize=64)
def _resolved(scenario: str, overrides: tuple[str, ...]) -> Scenario:
    """The validated scenario of a point, once per worker (its seeds share it)."""
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    return load_scenario(scenario, list(overrides))


def simulate(task: Task) -> Outcome:
    """Run one task (in a worker)."""
    from thermidor.model.run import run  # noqa: PLC0415
    from thermidor.store import canonical_json, hash_of  # noqa: PLC0415

    started = datetime.now(UTC).replace(tzinfo=None)
    results = run(_resolved(task.scenario, task.overrides), task.seed)
    canonical = canonical_json(results.params)
    return Outcome(task, results, started, canonical, hash_of(canonical))


def _one_thread() -> None:
    import numba  # noqa: PLC0415

    numba.set_num_threads(1)


def _start_worker(parent: int) -> None:
    """A local worker's initializer: end with ``parent``; run the engine on one thread."""
    follow_parent(parent)
    _one_thread()


def _on_one_thread(fn: Callable[[Task], Any], task: Task) -> Any:
    """``fn(task)`` with the engine on one thread (what a Ray task executes)."""
    _one_thread()
    return fn(task)


class Executor(Protocol):
    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        """``fn(task)`` for every task, yielded as each finishes."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """Worker processes on this machine (``workers`` defaults to the usable cores)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or len(os.sched_getaffinity(0))
        # spawn, not fork: forking a process whose compiled kernels started threads can hang
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        self._pending: set[Future[Any]] = set()

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        pending = self._pending = set()  # what close() finds unfinished if the caller stops
        queue = iter(tasks)
        window = 4 * self.workers  # enough to keep workers busy, few results held in memory
        for task in queue:
            pending.add(self._pool.submit(fn, task))
            if len(pending) >= window:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            pending -= done
            for future in done:
                following = next(queue, None)
                if following is not None:
                    pending.add(self._pool.submit(fn, following))
                yield future.result()

    def close(self) -> None:
        """Shut the pool down. Runs still in hand are nobody's when the caller stopped
        reading (Ctrl-C, SIGTERM, an error): their workers are stopped, not waited for."""
        if any(not future.done() for future in self._pending):
            self._stop_workers()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _stop_workers(self) -> None:
        """Kill the workers, then free the pool's manager thread: a worker killed between
        the header and the body of a result leaves it waiting for the body forever, as this
        process holds the writing end of the result pipe too (it never writes there).
        Closed, that end turns the wait into end-of-file, which the pool takes for a
        broken worker, and shuts down."""
        workers = list(self._pool._processes.values())
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join()
        writer = getattr(self._pool._result_queue, "_writer", None)
        if writer is not None:
            writer.close()


class RayExecutor:
    """Tasks on a Ray cluster: an existing one at ``address``, or a local one started here."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        import ray  # noqa: PLC0415

        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            ray.init(
                # "local" starts a fresh cluster here instead of joining one found on the machine
                address=address or "local",
                include_dashboard=False,
                log_to_driver=False,
                num_cpus=workers if address is None else None,
                runtime_env={"env_vars": {"NUMBA_NUM_THREADS": "1"}},
            )
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        remote = self._ray.remote(num_cpus=1)(_on_one_thread)
        queue = iter(tasks)
        window = 4 * self.workers
        pending = [remote.remote(fn, task) for task in itertools.islice(queue, window)]
        while pending:
            done, pending = self._ray.wait(pending, num_returns=1)
            task = next(queue, None)
            if task is not None:
                pending.append(remote.remote(fn, task))
            yield self._ray.get(done[0])

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_executor(kind: str, workers: int | None = None, address: str | None = None) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, workers)
    msg = f"executor {kind!r}: allowed: local, ray"
    raise ValueError(msg)
