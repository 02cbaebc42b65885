"""``thermidor timeline`` lists every event with its date and status; ``thermidor run --without``
removes one; a headline knob set holds, and the run says which events it held back."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from thermidor.cli import app
from thermidor.store import Store

SCENARIO = "soviet-1917-1928"
SMALL = ["--members", "300", "--steps", "24"]
NOMINATIONS = [
    "appointmentism-1919",
    "tsektran-1920",
    "nominate-committees-1921",
    "nominate-unions-1921",
    "secretaries-confirmed-1922",
    "nomenklatura-1923",
    "nominees-to-cells-1926",
    "fifteenth-congress-1927",
]

runner = CliRunner()


def invoke(*args: str, columns: int = 80) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


def timeline_json(*extra: str) -> dict:
    return one_json_line(invoke("timeline", SCENARIO, *extra, "--format", "json"))


def test_the_timeline_lists_every_event_with_its_calendar_date() -> None:
    found = timeline_json()
    assert (found["start"], found["time_step"], found["steps"]) == ("1917-11", "month", 130)
    events = {e["id"]: e for e in found["events"]}
    assert len(events) == len(found["events"]) == 17 + 23
    assert [e["start"] for e in found["events"]] == sorted(e["start"] for e in found["events"])
    enrolment = events["lenin-enrolment-1924"]
    assert enrolment["type"] == "shock"
    assert enrolment["kind"] == "recruitment"
    assert (enrolment["start"], enrolment["date"]) == (75, "1924-02")
    assert (enrolment["end"], enrolment["end_date"]) == (78, "1924-05")
    assert enrolment["fields"] == {"magnitude": 0.3, "cohort": "lenin-enrolment"}
    assert (events["demobilisation-1918"]["date"], events["demobilisation-1918"]["end_date"]) == (
        "1918-01",
        "1918-12",
    )
    nomenklatura = events["nomenklatura-1923"]
    assert nomenklatura["type"] == "intervention"
    assert (nomenklatura["date"], nomenklatura["end"], nomenklatura["fields"]) == (
        "1923-11",
        None,
        {"share": 0.5},
    )
    assert all(e["suppressed"] is None and e["in_run"] for e in found["events"])
    assert found["suppressed"] == []


def test_step_76_is_march_1924() -> None:
    found = timeline_json("--set", "events.lenin-enrolment-1924.start=76")
    moved = next(e for e in found["events"] if e["id"] == "lenin-enrolment-1924")
    assert (moved["start"], moved["date"], moved["end_date"]) == (76, "1924-03", "1924-06")


def test_the_timeline_shows_what_a_run_leaves_out() -> None:
    found = timeline_json(
        "--set",
        "institutions.nominated_share=0",
        "--without",
        "famine-1921",
        "--set",
        "meta.steps=100",
    )
    status = {e["id"]: (e["suppressed"], e["in_run"]) for e in found["events"]}
    assert len(status) == 40  # the events left out are still listed
    assert found["suppressed"] == [i for i in status if status[i][0] is not None]
    assert {i for i, (by, _) in status.items() if by == "institutions.nominated_share"} == set(
        NOMINATIONS
    )
    assert status["famine-1921"] == ("--without", True)
    assert status["deportations-1928"] == (None, False)  # step 122, after the last step

    args = ("timeline", SCENARIO, "--set", "institutions.nominated_share=0")
    table = invoke(*args, "--without", "famine-1921", columns=200)
    assert table.exit_code == 0, table.stderr
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines() if line.strip()}
    assert rows["nomenklatura-1923"][1:4] == ["nominate", "72", "1923-11"]
    assert rows["nomenklatura-1923"][-1] == "held"
    assert rows["famine-1921"][1:] == [
        "harvest",
        "44",
        "1921-07",
        "1922-06",
        "magnitude=0.6",
        "removed",
    ]
    assert rows["lenin-enrolment-1924"][-1] == "runs"
    said = table.stdout.split("held: ", 1)[1].replace("\n", " ")
    assert said.startswith("institutions.nominated_share is set, so appointmentism-1919,")
    assert "removed: famine-1921 (--without)" in table.stdout
    narrow = invoke(*args, columns=80).stdout  # folded, never cut short with an ellipsis
    assert "…" not in narrow
    assert "nomenklatura-1923" in narrow


def test_an_unknown_id_is_a_usage_error_listing_the_known_ids(tmp_path: Path) -> None:
    store = tmp_path / "results.duckdb"
    for args in (
        ("timeline", SCENARIO, "--without", "lenin"),
        ("run", SCENARIO, *SMALL, "--without", "lenin", "--store", str(store)),
        ("run", SCENARIO, *SMALL, "--set", "events.lenin.magnitude=1", "--store", str(store)),
    ):
        assert_usage_error(
            invoke(*args),
            "no shock or intervention has id 'lenin'",
            "known ids: demobilisation-1918, war-communism-hunger-1918",
            "lenin-enrolment-1924",
        )
    assert not store.exists()


def test_a_held_knob_is_said_on_stderr_and_stored_with_the_run(tmp_path: Path) -> None:
    store = tmp_path / "results.duckdb"
    result = invoke(
        "run", SCENARIO, *SMALL, "--set", "institutions.nominated_share=0",
        "--without", "purge-1921", "--store", str(store), "--format", "json",
    )  # fmt: skip
    summary = one_json_line(result)
    assert summary["final"]["nominated_share"] == 0.0  # appointmentism (step 16) held back
    notes = result.stderr.strip().splitlines()
    assert [line.split()[1] for line in notes] == NOMINATIONS  # one line per event, no purge
    assert all("institutions.nominated_share" in line for line in notes)
    with Store(store, read_only=True) as db:
        params = db.get_run(summary["run_id"])["params"]
    assert [(r["by"], r["event"]["id"]) for r in params["suppressed"]] == [
        ("--without", "purge-1921"),
        *[("institutions.nominated_share", i) for i in NOMINATIONS],
    ]
    assert "purge-1921" not in [i["id"] for i in params["interventions"]]


def test_without_on_a_classic_model_is_a_usage_error() -> None:
    assert_usage_error(invoke("run", "granovetter", "--without", "x"), "--without x", "no events")
