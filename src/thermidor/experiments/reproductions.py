"""The classic models' key published results, measured again and stored: Granovetter (1978),
the Peter principle (Pluchino et al. 2010), accidental politicians (Pluchino et al. 2011)
and civil violence (Epstein 2002).

Each reproduction measures one or more claims per seed at documented modest sizes (a few
minutes in all on two cores; ``docs/classic/README.md``), and each measured value is a
row of the store's table ``classic_measures``, with the claim, its paper, the paper's value,
the interval of agreement, the sizes, the seed and the version that measured it. The
table of the validity report (``thermidor.reports.reproductions.classic_table``) is read
from those rows alone. Measuring is resumable: a (claim, sizes, seed, version) already
stored is not measured again.

The claims and the papers' values come from ``docs/classic/*.md`` and ``tests/classic``;
where the documentation recalls a paper's figure without having checked it against the
text, the claim says so and keeps to its sign.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from thermidor._version import __version__
from thermidor.experiments.executors import Executor, make_executor
from thermidor.store import Store, _now, check_seed

GRANOVETTER = (
    "Granovetter, M. (1978) Threshold models of collective behavior. American Journal of "
    "Sociology 83(6), 1420-1443."
)
PETER = (
    "Pluchino, A., Rapisarda, A. & Garofalo, C. (2010) The Peter principle revisited: a "
    "computational study. Physica A 389(3), 467-472."
)
PARLIAMENT = (
    "Pluchino, A., Garofalo, C., Rapisarda, A., Spagano, S. & Caserta, M. (2011) Accidental "
    "politicians: How randomly selected legislators can improve parliament efficiency. "
    "Physica A 390(21-22), 3944-3954."
)
EPSTEIN = (
    "Epstein, J. M. (2002) Modeling civil violence: An agent-based computational approach. "
    "PNAS 99(suppl 3), 7243-7250."
)
PETER_RECALLED = (
    "; the sign as docs/classic/peter.md recalls the paper, not checked against its text"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS classic_measures (
    reproduction VARCHAR NOT NULL,
    claim VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    paper VARCHAR NOT NULL,
    statement VARCHAR NOT NULL,
    paper_value VARCHAR NOT NULL,
    accept_low DOUBLE,
    accept_high DOUBLE,
    tolerance VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    sizes JSON NOT NULL,
    seed BIGINT NOT NULL,
    value DOUBLE,
    version VARCHAR NOT NULL,
    measured TIMESTAMP NOT NULL,
    seconds DOUBLE,
    PRIMARY KEY (claim, sizes, seed, version)
);
"""


@dataclass(frozen=True)
class Claim:
    """A published result and how a measured value is judged against it: the value (the
    mean over seeds) agrees when it lies in [``low``, ``high``] (None: unbounded)."""

    id: str
    model: str
    paper: str
    statement: str
    paper_value: str
    unit: str
    low: float | None
    high: float | None
    tolerance: str


@dataclass(frozen=True)
class Reproduction:
    """What one seed measures: its claims, at ``sizes`` (the documented defaults)."""

    name: str
    sizes: Mapping[str, Any]
    seeds: int
    claims: tuple[Claim, ...]
    measure: Callable[[dict[str, Any], int], dict[str, float]]


# --- the measures (module level: they run in worker processes) -----------------------------


def _granovetter(sizes: dict[str, Any], seed: int) -> dict[str, float]:
    """Deterministic: the two riots of the paper and the jump of the mean-field map."""
    from thermidor.classic.granovetter import (  # noqa: PLC0415
        MODEL,
        critical_sd,
        normal_fixed_point,
    )

    del seed
    n, mean = float(sizes["n"]), float(sizes["mean"])
    riot = MODEL.simulate(MODEL.resolve(["preset=riot-100"]), 0)["acting"][-1]
    broken = MODEL.simulate(MODEL.resolve(["preset=riot-100-broken"]), 0)["acting"][-1]
    sd = critical_sd(n, mean)
    return {
        "granovetter-riot-100": float(riot),
        "granovetter-riot-broken": float(broken),
        "granovetter-critical-sd": sd,
        "granovetter-below-jump": normal_fixed_point(n, mean, sd - 0.01),
        "granovetter-above-jump": normal_fixed_point(n, mean, sd + 0.01),
    }


def _peter(sizes: dict[str, Any], seed: int) -> dict[str, float]:
    """Steady-state efficiency (mean of each run's last ``tail`` steps, then over ``runs``
    runs) of every hypothesis and strategy, one ensemble each."""
    from thermidor.classic.peter import (  # noqa: PLC0415
        HYPOTHESES,
        STRATEGIES,
        PeterParams,
        simulate_ensemble,
    )

    runs, steps, tail = int(sizes["runs"]), int(sizes["steps"]), int(sizes["tail"])
    steady: dict[tuple[str, str], float] = {}
    initial: dict[tuple[str, str], float] = {}
    for i, hypothesis in enumerate(HYPOTHESES):
        for j, strategy in enumerate(STRATEGIES):
            params = PeterParams(hypothesis=hypothesis, strategy=strategy, steps=steps)
            series = simulate_ensemble(params, runs, seed * 1000 + 10 * i + j)
            steady[hypothesis, strategy] = float(series["efficiency"][:, -tail:].mean())
            initial[hypothesis, strategy] = float(series["initial_efficiency"].mean())
    common = steady["common_sense", "best"]
    others = max(steady["common_sense", s] for s in STRATEGIES if s != "best")
    return {
        "peter-best-lowers": steady["peter", "best"] - initial["peter", "best"],
        "peter-random-beats-best": steady["peter", "random"] - steady["peter", "best"],
        "peter-alternated-beats-best": steady["peter", "alternated"] - steady["peter", "best"],
        "peter-worst-raises": steady["peter", "worst"] - initial["peter", "worst"],
        "peter-common-sense-best": common - others,
    }


def _parliament(sizes: dict[str, Any], seed: int) -> dict[str, float]:
    """The sweep over the number of independents: its argmax, and the gain at the rule."""
    from thermidor.classic.parliament import golden_rule, sweep  # noqa: PLC0415

    n, p = int(sizes["n"]), float(sizes["p"])
    values, means, _ = sweep(
        n, p, int(sizes["step"]), int(sizes["legislatures"]), seed,
        proposals=int(sizes["proposals"]),
    )  # fmt: skip
    rule = golden_rule(n, p)
    at_rule = means[int(np.argmin(np.abs(values - rule)))]
    return {
        "parliament-golden-rule": float(values[int(np.argmax(means))]),
        "parliament-gain": float(at_rule - means[0]),
    }


def _epstein(sizes: dict[str, Any], seed: int) -> dict[str, float]:
    """Model I with NetLogo's rules (outbursts and quiet spells), model I without cops (the
    closed form), model II without cops (one group killed off)."""
    from thermidor.classic.epstein import MODEL, outbursts  # noqa: PLC0415

    steps, burn = int(sizes["steps"]), int(sizes["burn"])
    run = MODEL.simulate(MODEL.resolve(["preset=netlogo", f"steps={steps}"]), seed)
    active = run["active"][burn:]
    bursts, _ = outbursts(active, float(sizes["threshold"]))
    legitimacy = float(sizes["legitimacy"])
    calm = MODEL.resolve(["preset=no-cops", f"legitimacy={legitimacy}", "steps=10"])
    war = MODEL.resolve(["preset=model-ii-no-cops", f"steps={int(sizes['model_ii_steps'])}"])
    groups = MODEL.simulate(war, seed)
    return {
        "epstein-outbursts": 100.0 * len(bursts) / max(len(active), 1),
        "epstein-quiet": float(np.median(run["active_share"][burn:])),
        "epstein-no-cops": float(MODEL.simulate(calm, seed)["active_share"][-1]),
        "epstein-model-ii-cleansing": float(min(groups["group_a"][-1], groups["group_b"][-1])),
    }


# --- the claims ------------------------------------------------------------------------------

_INF = None
NO_COPS_SHARE = 1.0 - 0.1 / (1.0 - 0.82)  # 1 - T / (1 - L), T = 0.1, L = 0.82

REPRODUCTIONS: tuple[Reproduction, ...] = (
    Reproduction(
        "granovetter",
        {"n": 100, "mean": 25.0},
        1,  # no randomness: the paper's populations and its map
        (
            Claim(
                id="granovetter-riot-100",
                model="granovetter",
                paper=GRANOVETTER,
                statement="Thresholds 0, 1, ..., 99 (N = 100): everyone riots",
                paper_value="100",
                unit="rioters",
                low=100,
                high=100,
                tolerance="exactly",
            ),
            Claim(
                id="granovetter-riot-broken",
                model="granovetter",
                paper=GRANOVETTER,
                statement="The threshold-1 agent moved to 2: a riot of 1",
                paper_value="1",
                unit="rioters",
                low=1,
                high=1,
                tolerance="exactly",
            ),
            Claim(
                id="granovetter-critical-sd",
                model="granovetter",
                paper=GRANOVETTER,
                statement=(
                    "Normal thresholds, mean 25, N = 100: the equilibrium jumps from a few to all"
                    " at a critical sd"
                ),
                paper_value="about 12.2",
                unit="sd (people)",
                low=12.15,
                high=12.25,
                tolerance="within 0.05 (the paper's last digit)",
            ),
            Claim(
                id="granovetter-below-jump",
                model="granovetter",
                paper=GRANOVETTER,
                statement="Just below the critical sd the riot stops near the instigators",
                paper_value="about 6",
                unit="rioters",
                low=5.0,
                high=7.0,
                tolerance="within 1",
            ),
            Claim(
                id="granovetter-above-jump",
                model="granovetter",
                paper=GRANOVETTER,
                statement="Just above it everyone riots",
                paper_value="100",
                unit="rioters",
                low=99.0,
                high=100.0,
                tolerance="within 1",
            ),
        ),
        _granovetter,
    ),
    Reproduction(
        "peter",
        {"runs": 50, "steps": 1000, "tail": 200},
        3,
        (
            Claim(
                id="peter-best-lowers",
                model="peter",
                paper=PETER,
                statement=(
                    "Peter hypothesis: promoting the best lowers the efficiency (steady state "
                    "minus E(0))"
                ),
                paper_value="a loss",
                unit="points of E",
                low=_INF,
                high=0.0,
                tolerance="at most 0",
            ),
            Claim(
                id="peter-random-beats-best",
                model="peter",
                paper=PETER,
                statement=(
                    "Peter hypothesis: promoting at random beats promoting the best (steady states)"
                ),
                paper_value="a gain",
                unit="points of E",
                low=0.0,
                high=_INF,
                tolerance="at least 0",
            ),
            Claim(
                id="peter-alternated-beats-best",
                model="peter",
                paper=PETER,
                statement=(
                    "Peter hypothesis: promoting the best and the worst in turn beats promoting "
                    "the best (steady states)"
                ),
                paper_value="a gain",
                unit="points of E",
                low=0.0,
                high=_INF,
                tolerance="at least 0",
            ),
            Claim(
                id="peter-worst-raises",
                model="peter",
                paper=PETER,
                statement=(
                    "Peter hypothesis: promoting the worst raises the efficiency (steady state "
                    "minus E(0))"
                ),
                paper_value="a gain" + PETER_RECALLED,
                unit="points of E",
                low=0.0,
                high=_INF,
                tolerance="at least 0",
            ),
            Claim(
                id="peter-common-sense-best",
                model="peter",
                paper=PETER,
                statement=(
                    "Common-sense hypothesis: promoting the best beats every other strategy (its "
                    "steady state minus the next best)"
                ),
                paper_value="a gain" + PETER_RECALLED,
                unit="points of E",
                low=0.0,
                high=_INF,
                tolerance="at least 0",
            ),
        ),
        _peter,
    ),
    Reproduction(
        "parliament",
        {"n": 500, "p": 0.6, "step": 10, "legislatures": 100, "proposals": 1000},
        3,
        (
            Claim(
                id="parliament-golden-rule",
                model="parliament",
                paper=PARLIAMENT,
                statement=(
                    "The efficiency peaks at the golden rule N*_ind = (2N - 4Np + 4) / (1 - 4p) "
                    "(N = 500, p = 0.6; argmax of the sweep)"
                ),
                paper_value="140",
                unit="independents",
                low=120.0,
                high=160.0,
                tolerance="within 20 (two steps of the sweep)",
            ),
            Claim(
                id="parliament-gain",
                model="parliament",
                paper=PARLIAMENT,
                statement=(
                    "Legislators drawn by lot raise the efficiency: at the golden rule minus "
                    "without independents"
                ),
                paper_value="a gain",
                unit="points of efficiency",
                low=0.0,
                high=_INF,
                tolerance="at least 0",
            ),
        ),
        _parliament,
    ),
    Reproduction(
        "epstein",
        {"steps": 1000, "burn": 50, "threshold": 50, "legitimacy": 0.82, "model_ii_steps": 200},
        4,
        (
            Claim(
                id="epstein-outbursts",
                model="epstein",
                paper=EPSTEIN,
                statement=(
                    "Model I (NetLogo's rules): outbursts of rebellion recur (punctuated "
                    "equilibrium); outbursts (> 50 active) per 100 steps after step 50"
                ),
                paper_value="recurring outbursts",
                unit="per 100 steps",
                low=0.5,
                high=_INF,
                tolerance="at least one per 200 steps",
            ),
            Claim(
                id="epstein-quiet",
                model="epstein",
                paper=EPSTEIN,
                statement=(
                    "Model I: between outbursts, long quiet spells (median active share after "
                    "step 50)"
                ),
                paper_value="quiet most of the time",
                unit="share",
                low=0.0,
                high=0.05,
                tolerance="at most 0.05 (the test's bound)",
            ),
            Claim(
                id="epstein-no-cops",
                model="epstein",
                paper=EPSTEIN,
                statement=(
                    "Model I without cops: active iff grievance H (1 - L) exceeds T, so a share 1"
                    " - T / (1 - L) at L = 0.82 (derived from the paper's rules)"
                ),
                paper_value=f"{NO_COPS_SHARE:.3f}",
                unit="share",
                low=NO_COPS_SHARE - 0.03,
                high=NO_COPS_SHARE + 0.03,
                tolerance="within 0.03 (4 binomial SEs of 4 x 1120 citizens)",
            ),
            Claim(
                id="epstein-model-ii-cleansing",
                model="epstein",
                paper=EPSTEIN,
                statement=(
                    "Model II without cops: one group kills the other off (citizens of the"
                    " smaller group left at the end of the run)"
                ),
                paper_value="none left",
                unit="citizens",
                low=0.0,
                high=0.0,
                tolerance="exactly 0",
            ),
        ),
        _epstein,
    ),
)
BY_NAME = {r.name: r for r in REPRODUCTIONS}


@dataclass(frozen=True)
class Unit:
    """One seed of one reproduction at given sizes (what a worker measures)."""

    name: str
    sizes_json: str
    seed: int


def measure(unit: Unit) -> tuple[Unit, dict[str, float], float]:
    """Measure one unit (in a worker): its claims' values and the seconds it took."""
    started = time.monotonic()
    values = BY_NAME[unit.name].measure(json.loads(unit.sizes_json), unit.seed)
    return unit, values, time.monotonic() - started


def sizes_of(name: str, override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A reproduction's sizes, some replaced by ``override`` (ValueError for a key it lacks)."""
    sizes = dict(BY_NAME[name].sizes)
    for key, value in (override or {}).items():
        if key not in sizes:
            msg = f"{name}: no size {key!r}; sizes: {', '.join(sizes)}"
            raise ValueError(msg)
        sizes[key] = value
    return sizes


def chosen(names: Sequence[str] | None) -> list[Reproduction]:
    """The reproductions named (all by default); ValueError naming an unknown one."""
    if names is None:
        return list(REPRODUCTIONS)
    for name in names:
        if name not in BY_NAME:
            msg = f"reproduction {name!r}: unknown; allowed: {', '.join(BY_NAME)}"
            raise ValueError(msg)
    return [BY_NAME[name] for name in dict.fromkeys(names)]


def _stored(store: Store) -> set[tuple[str, str, int]]:
    """(claim, sizes JSON, seed) measured by this version."""
    rows = store.connection.execute(
        "SELECT claim, sizes::VARCHAR, seed FROM classic_measures WHERE version = ?",
        [__version__],
    ).fetchall()
    return {(c, s, int(seed)) for c, s, seed in rows}


def _insert(store: Store, unit: Unit, values: dict[str, float], seconds: float) -> None:
    reproduction = BY_NAME[unit.name]
    rows = [
        [
            reproduction.name, claim.id, claim.model, claim.paper, claim.statement,
            claim.paper_value, claim.low, claim.high, claim.tolerance, claim.unit,
            unit.sizes_json, unit.seed, values[claim.id], __version__, _now(), seconds,
        ]
        for claim in reproduction.claims
    ]  # fmt: skip
    with store.transaction():
        store.connection.executemany(
            "INSERT OR REPLACE INTO classic_measures (reproduction, claim, model, paper, "
            "statement, paper_value, accept_low, accept_high, tolerance, unit, sizes, seed, "
            "value, version, measured, seconds) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def plan(
    store: Store,
    names: Sequence[str] | None = None,
    sizes: Mapping[str, Mapping[str, Any]] | None = None,
    seeds: int | None = None,
) -> tuple[list[Unit], int]:
    """The units still to measure, and how many there are in all."""
    store.connection.execute(SCHEMA)
    done = _stored(store)
    todo, total = [], 0
    for reproduction in chosen(names):
        own = json.dumps(sizes_of(reproduction.name, (sizes or {}).get(reproduction.name)),
                         sort_keys=True)  # fmt: skip
        count = 1 if reproduction.seeds == 1 else (seeds or reproduction.seeds)
        for seed in range(count):
            check_seed(seed)
            total += 1
            if all((c.id, own, seed) in done for c in reproduction.claims):
                continue
            todo.append(Unit(reproduction.name, own, seed))
    return todo, total


def run_reproductions(
    store_path: str,
    *,
    names: Sequence[str] | None = None,
    sizes: Mapping[str, Mapping[str, Any]] | None = None,
    seeds: int | None = None,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Measure every unit not yet in the store at ``store_path`` and store each as it ends;
    return (measured now, units in all).

    Args:
        names: reproductions to run (default all: granovetter, peter, parliament, epstein).
        sizes: per reproduction, sizes replacing its defaults (tests make them tiny).
        seeds: seeds per reproduction (default its own: 1 where it is deterministic).
    """
    chosen(names)
    for name, override in (sizes or {}).items():
        chosen([name])
        sizes_of(name, override)
    with Store(store_path) as store:
        todo, total = plan(store, names, sizes, seeds)
        done = total - len(todo)
        if progress is not None:
            progress(done, total)
        if not todo:
            return 0, total
        pool = make_executor(executor, workers, address) if isinstance(executor, str) else executor
        try:
            for unit, values, seconds in pool.map_unordered(measure, todo):  # type: ignore[arg-type]
                _insert(store, unit, values, seconds)
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            if isinstance(executor, str):
                pool.close()
        return len(todo), total
