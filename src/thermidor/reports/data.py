"""Read what a report shows from the results store, once, for both renderers.

``resolve`` decides what the ids name (one run, several runs to compare, or an
experiment) and refuses anything it cannot draw with one line naming the id and
what the store holds, before a file is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from thermidor.reports.panels import PANEL_METRICS, is_scenario_run
from thermidor.store import Store, StoreError, failure

SHOWN_IDS = 8  # how many existing ids an error message lists
BANDED_POINTS = 8  # bands over time are drawn for designs of at most this many points


@dataclass(frozen=True)
class RunData:
    """One run as a report draws it: its per-step series (``step`` included) and parameters."""

    run_id: str
    label: str
    series: dict[str, np.ndarray]
    params: dict[str, Any]
    thermidor_step: int | None


@dataclass(frozen=True)
class ExperimentData:
    """One experiment as a report draws it: the per-point summary (``summarize``), the final
    control index per point, and the sensitivity indices of each kept metric (sobol/morris)."""

    experiment_id: str
    name: str
    design: str
    summary: dict[str, Any]
    control: np.ndarray
    sensitivity: dict[str, dict[str, Any]] = field(default_factory=dict)
    # metric -> point -> (seeds, steps) series, for designs of at most BANDED_POINTS points
    runs: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # one run's, for its calendar

    @property
    def parameters(self) -> list[str]:
        return list(self.summary["parameters"])

    def values(self, name: str) -> list[Any]:
        """The value of parameter ``name`` at each point, in design order."""
        return [row["params"][name] for row in self.summary["points"]]

    def is_grid2(self) -> bool:
        """A two-parameter grid: the design whose points fill a table (a phase diagram)."""
        return self.design == "grid" and len(self.parameters) == 2

    def lines(self) -> list[tuple[str, list[int]]]:
        """The points drawn as one line against the first parameter: in a grid, one line per
        combination of the other parameters (labelled by it); in a sampled design, every
        point in one series. Point indices are sorted by the first parameter's value."""
        names = self.parameters
        points = self.summary["points"]
        order = sorted(range(len(points)), key=lambda p: _sortable(points[p]["params"][names[0]]))
        if self.design != "grid" or len(names) < 2:
            return [("", order)]
        groups: dict[str, list[int]] = {}
        for p in order:
            key = ", ".join(f"{n}={points[p]['params'][n]}" for n in names[1:])
            groups.setdefault(key, []).append(p)
        return list(groups.items())

    def grid(self, per_point: np.ndarray) -> tuple[list[Any], list[Any], np.ndarray]:
        """A two-parameter grid's values as a table: first parameter's values (columns),
        second's (rows) and ``z[row, column]`` (NaN where no point sits)."""
        first, second = self.parameters
        xs = sorted(set(self.values(first)), key=_sortable)
        ys = sorted(set(self.values(second)), key=_sortable)
        z = np.full((len(ys), len(xs)), np.nan)
        for p, row in enumerate(self.summary["points"]):
            z[ys.index(row["params"][second]), xs.index(row["params"][first])] = per_point[p]
        return xs, ys, z

    def series(self, metric: str, key: str) -> np.ndarray:
        """Per point (design order) a metric's ``mean``/``low``/``high``; ``metric``
        ``thermidor`` gives the share of runs that reached Thermidor (``share`` as mean)."""
        if metric == "thermidor" and key == "mean":
            key = "share"
        return np.array([row[metric][key] for row in self.summary["points"]], dtype=float)


FEW_VALUES = 3  # a parameter with at most this many values is drawn as separate points


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_categorical(values: list[Any]) -> bool:
    """Values drawn as separate conditions (points with error bars, never a line across the
    range): not all numbers, or at most ``FEW_VALUES`` distinct ones (0.1 and 0.9)."""
    return not all(is_number(v) for v in values) or len(set(values)) <= FEW_VALUES


def _sortable(value: Any) -> tuple[int, Any]:
    """Numbers before anything else (a ``none`` cap, a string), each in its own order."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def run_from_arrays(
    series: dict[str, np.ndarray],
    params: dict[str, Any],
    thermidor_step: int | None,
    label: str,
    run_id: str = "",
) -> RunData:
    """A run held in memory (the dashboard's unsaved run) as a report draws it."""
    missing = [m for m in PANEL_METRICS if m not in series]
    if missing:
        msg = f"run {label!r} has no series {', '.join(missing)}: not a scenario run"
        raise ValueError(msg)
    columns = {name: np.asarray(values, dtype=np.float64) for name, values in series.items()}
    length = len(columns[PANEL_METRICS[0]])
    if "step" not in columns:
        columns["step"] = np.arange(length, dtype=np.float64)
    return RunData(run_id, label, columns, params, thermidor_step)


def load_run(store: Store, run_id: str) -> RunData:
    """A stored scenario run; StoreError for a classic-model or unfinished run."""
    run = store.get_run(run_id)
    if not is_scenario_run(run["params"]):
        msg = (
            f"run {run_id!r} is a {run['scenario']} (classic model) run: reports draw "
            "scenario runs; use `thermidor show` for its series"
        )
        raise StoreError(msg)
    table = store.series(run_id)
    if table.num_rows == 0:
        msg = f"run {run_id!r} has no stored series (status {run['status']})"
        raise StoreError(msg)
    series = {name: table.column(name).to_numpy() for name in table.column_names}
    label = f"{run['scenario']} seed {run['seed']} ({run_id})"
    return run_from_arrays(series, run["params"], run["thermidor_step"], label, run_id)


def load_experiment(store: Store, experiment_id: str) -> ExperimentData:
    """A stored experiment: its summary, final control index per point and, for a sobol or
    morris design, the sensitivity indices of each kept metric."""
    from thermidor.experiments import records, sensitivity  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415
    from thermidor.experiments.summary import summarize  # noqa: PLC0415

    summary = summarize(store, experiment_id, "final")
    spec = records.experiment(store, experiment_id)["spec"]
    drawn = spec.get("design")
    design = str(drawn.get("kind", "grid")) if isinstance(drawn, dict) else "grid"
    outcomes = records.outcomes(store, experiment_id, ["control_index"]).to_pandas()
    points = len(summary["points"])
    control = (
        outcomes.groupby("point")["control_index"].mean().reindex(range(points)).to_numpy(float)
    )
    indices: dict[str, dict[str, Any]] = {}
    if design in ("sobol", "morris"):
        for metric in summary["metrics"]:
            try:
                indices[metric] = sensitivity.from_store(store, experiment_id, metric)
            except ExperimentError:  # no variation, or an incomplete design: no bars
                continue
    runs, params = _series_per_point(store, experiment_id, summary["metrics"], points)
    return ExperimentData(
        experiment_id, summary["name"], design, summary, control, indices, runs, params
    )


def _series_per_point(
    store: Store, experiment_id: str, metrics: list[str], points: int
) -> tuple[dict[str, dict[int, np.ndarray]], dict[str, Any]]:
    """Every run's series of each kept metric, grouped by point (a (seeds, steps) array),
    and one run's parameters; nothing for a design of more than ``BANDED_POINTS`` points."""
    from thermidor.experiments import records  # noqa: PLC0415
    from thermidor.store import quoted  # noqa: PLC0415

    if points > BANDED_POINTS or not metrics:
        return {}, {}
    for metric in metrics:
        records.check_metric(metric, f"experiment {experiment_id} in {store.path}")
    columns = ", ".join(f"s.{quoted(m)}" for m in metrics)
    table = store.connection.sql(
        f"SELECT l.point, l.run_id, s.step, {columns} FROM experiment_runs l "
        "JOIN steps s USING (run_id) WHERE l.experiment_id = ? ORDER BY l.point, l.run_id, s.step",
        params=[experiment_id],
    ).to_arrow_table()
    if table.num_rows == 0:
        return {}, {}
    point = table.column("point").to_numpy()
    run = np.asarray(table.column("run_id").to_pylist())
    out: dict[str, dict[int, np.ndarray]] = {m: {} for m in metrics}
    for p in np.unique(point):
        rows = point == p
        ids = list(dict.fromkeys(run[rows]))
        for m in metrics:
            values = table.column(m).to_numpy(zero_copy_only=False)[rows].astype(float)
            out[m][int(p)] = values.reshape(len(ids), -1)
    return out, store.get_run(str(run[0]))["params"]


def _existing(store: Store) -> str:
    from thermidor.experiments import records  # noqa: PLC0415

    runs = [r["run_id"] for r in store.list_runs()]
    exps = [e["experiment_id"] for e in records.experiments(store)]

    def shown(ids: list[str]) -> str:
        more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
        return (", ".join(ids[:SHOWN_IDS]) + more) if ids else "none"

    return f"runs: {shown(runs)}; experiments: {shown(exps)}"


def resolve(store: Store, ids: list[str]) -> tuple[str, list[RunData] | ExperimentData]:
    """What ``ids`` name: ``("run", [one])``, ``("compare", [several])`` or
    ``("experiment", data)``; StoreError naming the first unknown id and what exists."""
    from thermidor.experiments import records  # noqa: PLC0415

    if not ids:
        msg = "give a run id, several run ids, or an experiment id"
        raise StoreError(msg)
    runs = {r["run_id"] for r in store.list_runs()}
    exps = {e["experiment_id"] for e in records.experiments(store)}
    for id_ in ids:
        if id_ not in runs and id_ not in exps:
            msg = f"no run or experiment {id_!r} in {store.path}; {_existing(store)}"
            raise StoreError(msg)
    named = [id_ for id_ in ids if id_ in exps]
    if named:
        if len(ids) > 1:
            msg = f"{named[0]!r} is an experiment: give it alone (one experiment per report)"
            raise StoreError(msg)
        return "experiment", load_experiment(store, named[0])
    if len(set(ids)) != len(ids):
        msg = f"a run id is given twice: {', '.join(ids)}"
        raise StoreError(msg)
    loaded = [load_run(store, id_) for id_ in ids]
    return ("run" if len(loaded) == 1 else "compare"), loaded


def open_and_resolve(
    store_path: str | Path, ids: list[str]
) -> tuple[str, list[RunData] | ExperimentData]:
    """``resolve`` on a store file, after ingesting what a killed experiment left; a DuckDB
    error met while reading (a corrupt block) is a StoreError naming the file."""
    import duckdb  # noqa: PLC0415

    from thermidor.experiments.spool import settle  # noqa: PLC0415

    path = Path(store_path)
    if not path.is_file():
        msg = f"no results store at {path}"
        raise StoreError(msg)
    try:
        settle(path)
        with Store(path, read_only=True) as store:
            return resolve(store, ids)
    except duckdb.Error as exc:
        raise failure(path, exc) from exc
