"""pyabc's sampler on thermidor's executors, with results that do not depend on which.

pyabc's own parallel samplers accept particles in the order their simulations
finish, so two runs of one calibration differ with the machine's load, and they
ship pyabc's closures to the workers. This sampler keeps everything pyabc does
(drawing a proposal, weighing, accepting) in this process and sends the workers only
the runs, as plain ``Particle`` tasks any executor can take:

1. For each proposal ``j`` of a generation, sent in batches, seed NumPy's global
   generator (which pyabc draws from) with a seed derived from (calibration seed,
   generation, j) and let
   pyabc propose: the model function stops it at the simulation and keeps the
   parameters.
2. Run the batch's simulations on the executor, in any order, on any machine.
3. Replay each proposal in order of ``j`` with the same seed: pyabc draws the same
   parameters, the model function answers with the stored simulation, and pyabc
   weighs and accepts. The first ``n`` accepted in the order of ``j`` make the
   population; the proposals after the ``n``-th acceptance are discarded, whatever
   their results.

So a generation is a function of the calibration seed and the previous population
only: the same on local processes or Ray, with 1 or 100 workers, in batches of any
size (only the runs wasted past the n-th acceptance differ), and when it is run
again after a kill. (``fault_point`` lets the tests kill a calibration at a named
generation or batch, as ``kill -9`` would.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from pyabc.sampler import Sampler

from thermidor.store import fault_point

SimulateBatch = Callable[[list[dict[str, float]], list[int]], list[dict[str, float]]]


class Proposed(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the model function in the proposal pass: pyabc's draw, caught here."""

    def __init__(self, parameters: dict[str, float]) -> None:
        super().__init__("proposal")
        self.parameters = parameters


class Replay:
    """The model function pyabc calls: proposes (raises) or answers with a stored run."""

    def __init__(self) -> None:
        self.answer: dict[str, float] | None = None

    def __call__(self, parameters: Any) -> dict[str, float]:
        if self.answer is None:
            raise Proposed({k: float(parameters[k]) for k in parameters})
        answer, self.answer = self.answer, None
        return answer


def _seeds(seed: int, t: int, first: int, size: int) -> tuple[list[int], list[int]]:
    """The proposal seeds (NumPy's legacy seeding takes 32 bits) and simulation seeds of
    proposals ``first .. first + size - 1`` of generation ``t``: each from a SeedSequence
    keyed by (seed, generation, proposal), so a proposal is the same whatever the batches
    it was sent in, and the population whatever the number of workers."""
    proposal, run = [], []
    for j in range(first, first + size):
        # t = -1 would be a calibration sample from the prior
        state = np.random.SeedSequence([seed, t + 1, j]).generate_state(2, dtype=np.uint32)
        proposal.append(int(state[0]))
        run.append(int(state[1]))
    return proposal, run


class ExecutorSampler(Sampler):
    """Deterministic batches of proposals, simulated by ``simulate_batch``."""

    def __init__(
        self,
        replay: Replay,
        simulate_batch: SimulateBatch,
        seed: int,
        batch: int,
        on_generation: Callable[[int, int, int], None] | None = None,
    ):
        super().__init__()
        self.on_generation = on_generation
        self.replay = replay
        self.simulate_batch = simulate_batch
        self.seed = seed
        self.batch = batch
        self.simulations = 0  # across generations: the runs made by this process

    def _proposals(self, simulate_one: Callable, seeds: list[int]) -> list[dict[str, float]]:
        found = []
        for seed in seeds:
            np.random.seed(seed)  # noqa: NPY002 - pyabc draws from the global generator
            try:
                simulate_one()
            except Proposed as proposal:
                found.append(proposal.parameters)
            else:  # pragma: no cover - pyabc always simulates a proposal
                raise RuntimeError("pyabc accepted a proposal without simulating it")
        return found

    def _batches(self, simulate_one: Callable, t: int) -> Iterator[tuple[int, Any]]:
        """(proposal seed, outcome) in the order of proposal, batch after batch."""
        number = 0
        while True:
            proposal_seeds, run_seeds = _seeds(self.seed, t, number * self.batch, self.batch)
            self.replay.answer = None
            parameters = self._proposals(simulate_one, proposal_seeds)
            outcomes = self.simulate_batch(parameters, run_seeds)
            self.simulations += len(outcomes)
            fault_point(f"calibrate-batch-{t}-{number}")
            yield from zip(proposal_seeds, outcomes, strict=True)
            number += 1

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        fault_point(f"calibrate-generation-{t}")
        sample = self._create_empty_sample()
        evaluations = 0
        for proposal_seed, outcome in self._batches(simulate_one, t):
            np.random.seed(proposal_seed)  # noqa: NPY002 - the same draw again
            self.replay.answer = outcome
            sample.append(simulate_one())
            evaluations += 1
            if sample.n_accepted >= n or evaluations >= max_eval:
                break
        self.nr_evaluations_ = evaluations
        if self.on_generation is not None:
            self.on_generation(t, sample.n_accepted, evaluations)
        if sample.n_accepted < n:
            sample.ok = False
        return sample
