"""The scenario schema: every field a scenario file may hold, with its range.

Strict models (unknown keys are errors) so that a typo in a scenario file is a
clear error instead of a silently ignored knob.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from thermidor.engine.calendar import START_PATTERN
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.plan import NAMES, MechanismParams
from thermidor.model.state import Rule

# The ``[mechanisms]`` record is built from the plan at import; type checkers see its base.
if TYPE_CHECKING:
    MechanismTable = ParamsBase
else:
    MechanismTable = MechanismParams

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Step = Annotated[int, Field(ge=0)]
SLUG = r"^[a-z0-9][a-z0-9-]*$"
# The stable name of a shock or an intervention: ``--without ID`` and ``--set events.ID.x=v``
# address an event by it. Unique within a scenario; when a file leaves it out the scenario
# derives one from kind and start (see ``Scenario._derive_ids``).
EventId = Annotated[str, Field(pattern=SLUG, max_length=80)]
# The three branches of the apparatus the letter names, defined once.
BranchName = Literal["party", "soviets", "unions"]
BRANCHES: tuple[BranchName, ...] = get_args(BranchName)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Meta(Strict):
    """Who the scenario is, when it starts, how long a step lasts, and why."""

    name: str = Field(pattern=SLUG)
    title: str
    description: str = Field(description="one line, shown by `thermidor scenarios`")
    time_step: Literal["week", "month", "quarter", "year"] = "month"
    start: str = Field(pattern=START_PATTERN, description="calendar date of step 0, e.g. 1917-11")
    steps: int = Field(ge=1, le=100_000)
    members: int = Field(ge=100, le=10_000_000)
    sources: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)


class Cohort(Strict):
    """A generation of members with the political experience it brought in."""

    name: str
    share: Unit
    activity: Unit
    capacity: Unit
    identification: Unit = 0.9
    fear: Unit = 0.1
    party_share: Unit = 0.2
    threshold_mean: Unit = Field(0.3, description="mean voice/mobilisation threshold")


class Stratum(Strict):
    """An economic position within the class (the letter's 'regular, occasional, semi-peasant')."""

    name: str
    share: Unit
    hardship: Unit
    vulnerability: Unit = Field(0.5, description="how much of a shock reaches this stratum")
    wage_min: int = Field(1, ge=1, le=18)
    wage_max: int = Field(18, ge=1, le=18)

    @model_validator(mode="after")
    def _wage_range(self) -> Stratum:
        if self.wage_min > self.wage_max:
            msg = f"wage_min={self.wage_min} must not exceed wage_max={self.wage_max}"
            raise ValueError(msg)
        return self


class NetworkSpec(Strict):
    """Who sees and tells whom: workplace cells, neighbourhoods and a few long ties."""

    workplace_degree: float = Field(6.0, ge=0.0, le=100.0)
    neighbourhood_size: int = Field(200, ge=2, le=100_000)
    neighbourhood_degree: float = Field(3.0, ge=0.0, le=100.0)
    random_degree: float = Field(0.5, ge=0.0, le=100.0)
    dispersion: float = Field(
        2.0, gt=0.0, le=1000.0, description="negative-binomial shape of sociability"
    )


def _shares_sum_to_one(items: list[Cohort] | list[Stratum], what: str) -> None:
    total = sum(item.share for item in items)
    if abs(total - 1.0) > 1e-6:
        msg = f"{what} shares must sum to 1, got {total:.6g}"
        raise ValueError(msg)


class Society(Strict):
    """Cohorts, strata, wage categories and the network of the simulated class."""

    cohorts: list[Cohort] = Field(min_length=1)
    strata: list[Stratum] = Field(min_length=1)
    wage_categories: int = Field(18, ge=1, le=18)
    wage_ratio: float = Field(
        8.0, ge=1.0, le=100.0, description="top category wage / bottom category wage"
    )
    cell_size: int = Field(40, ge=5, le=1000, description="members per workplace cell")
    fanout: int = Field(8, ge=2, le=100, description="offices under each higher office")
    network: NetworkSpec = NetworkSpec()

    @model_validator(mode="after")
    def _shares(self) -> Society:
        _shares_sum_to_one(self.cohorts, "society.cohorts")
        _shares_sum_to_one(self.strata, "society.strata")
        return self


class Tier(Strict):
    """How the offices of one tier of a branch are filled and held."""

    rule: Rule = "election"
    term: int = Field(12, ge=1, le=10_000, description="steps between elections or draws")
    recall: bool = False


class Branch(Strict):
    """One of the apparatus' branches, with rules for its top, middle and bottom tiers."""

    name: BranchName
    top: Tier = Tier()
    middle: Tier = Tier()
    bottom: Tier = Tier()


class Institutions(Strict):
    """The rules of the apparatus. Headline knobs override the per-branch rules when set."""

    branches: list[Branch] = Field(min_length=1, max_length=3)
    nominated_share: Unit | None = Field(
        None, description="share of offices filled by nomination; overrides branch rules"
    )
    privilege_cap: float | None = Field(
        None, ge=1.0, le=1000.0, description="office income / mean member income; None = no cap"
    )
    apparatus_cap: Unit = Field(0.15, description="largest share of members in the apparatus")
    term: int | None = Field(None, ge=1, le=10_000, description="overrides every tier's term")
    recall: bool | None = Field(None, description="overrides every tier's recall")
    staff_per_office: float = Field(1.0, ge=0.0, le=1000.0, description="initial staff posts")
    entrenched: bool = Field(
        False,
        description="the selection rules change only by the scenario's dated events: neither "
        "the apparatus, nor the members, nor a reaction after Thermidor can change them "
        "(set by holding institutions.nominated_share)",
    )

    @model_validator(mode="after")
    def _unique_branches(self) -> Institutions:
        names = [b.name for b in self.branches]
        if len(set(names)) != len(names):
            msg = f"institutions.branches names must be unique, got {names}"
            raise ValueError(msg)
        return self


class Repression(Strict):
    intensity: Unit = Field(0.1, description="probability scale of punishing voice")
    deport_share: Unit = Field(0.2, description="share of the punished deported, not expelled")


class Transparency(Strict):
    level: Unit = Field(0.3, description="free press: how far abuses and reports are seen")
    audit_rate: Unit = Field(0.02, description="chance per step an office's report is audited")


class Education(Strict):
    intensity: Unit = Field(0.0, description="deliberate political education of members")


class Economy(Strict):
    market_temptation: Unit = Field(0.2, description="NEP: what office can buy on the market")


def _derived_id(kind: str, start: object, taken: set[str]) -> str:
    """``kind-start`` (``cut_apparatus`` at 12 -> ``cut-apparatus-12``), then ``-2``, ``-3``...
    until it names no other event."""
    base = f"{kind}-{start}".replace("_", "-").lower()
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def _id_from_kind_and_start(data: Any) -> Any:
    """An event validated on its own (outside a scenario) without an ``id`` gets
    ``kind-start``; inside a scenario, ``Scenario._derive_ids`` has already given it one
    that no other event has."""
    if isinstance(data, dict) and "id" not in data:
        return {**data, "id": _derived_id(str(data.get("kind")), data.get("start"), set())}
    return data


class Shock(Strict):
    """An exogenous event: harvest failure, unemployment, market pressure, recruitment, crisis."""

    id: EventId
    kind: Literal["harvest", "unemployment", "market", "recruitment", "crisis"]
    start: Step
    duration: int = Field(1, ge=1, le=100_000)
    magnitude: float = Field(ge=0.0, le=10.0)
    cohort: str | None = Field(None, description="for recruitment: the recruits' cohort")
    note: str = ""

    _default_id = model_validator(mode="before")(_id_from_kind_and_start)


class _Intervention(Strict):
    id: EventId
    start: Step
    note: str = ""

    _default_id = model_validator(mode="before")(_id_from_kind_and_start)


class RestoreElections(_Intervention):
    kind: Literal["restore_elections"]
    branches: list[BranchName] | None = None


class Nominate(_Intervention):
    kind: Literal["nominate"]
    share: Unit
    branches: list[BranchName] | None = None


class Sortition(_Intervention):
    kind: Literal["sortition"]
    share: Unit
    branches: list[BranchName] | None = None


class CutApparatus(_Intervention):
    kind: Literal["cut_apparatus"]
    fraction: Unit
    cap: Unit | None = None


class CapPrivilege(_Intervention):
    kind: Literal["cap_privilege"]
    cap: float = Field(ge=1.0, le=1000.0)


class RightsGuarantees(_Intervention):
    kind: Literal["rights_guarantees"]
    intensity: Unit


class Repress(_Intervention):
    kind: Literal["repression"]
    intensity: Unit


class EducationCampaign(_Intervention):
    kind: Literal["education"]
    intensity: Unit


class FreePress(_Intervention):
    kind: Literal["transparency"]
    level: Unit


class Audits(_Intervention):
    kind: Literal["audits"]
    rate: Unit


class Purge(_Intervention):
    kind: Literal["purge"]
    fraction: Unit


class Readmit(_Intervention):
    """Members recover their rights: a ``share`` of the expelled readmitted to the party and,
    with ``deported``, the same share of the deported returned (to their cells)."""

    kind: Literal["readmit"]
    share: Unit
    deported: bool = True


class TermLimits(_Intervention):
    kind: Literal["term_limits"]
    term: int = Field(ge=1, le=10_000)
    recall: bool | None = None


class BoundFunctions(_Intervention):
    """The remaining apparatus' "tasks, functions and rights" strictly determined (letter):
    ``level`` is the share of a superior's power to nominate in place of an election that
    the rules take away (``Policy.bounded``)."""

    kind: Literal["bound_functions"]
    level: Unit


InterventionKind = (
    RestoreElections
    | Nominate
    | Sortition
    | CutApparatus
    | CapPrivilege
    | RightsGuarantees
    | Repress
    | EducationCampaign
    | FreePress
    | Audits
    | Purge
    | Readmit
    | TermLimits
    | BoundFunctions
)
Intervention = Annotated[InterventionKind, Field(discriminator="kind")]
# A shock or an intervention (their kinds never coincide).
Event = Annotated[Shock | InterventionKind, Field(discriminator="kind")]


class Knob(NamedTuple):
    """What holding a headline parameter leaves out of a run."""

    kinds: tuple[str, ...]  # the intervention kinds that change the same dimension
    none_holds: bool  # whether ``none`` is a value held (no cap) or means "not set"


# THE table of headline knobs that hold. A headline parameter given with ``--set`` (or an
# experiment's ``set`` or varying parameter) holds for the whole run: the scenario
# loader leaves out every scheduled intervention of the kinds listed here, and records
# each one in the resolved scenario's ``suppressed`` list; a held nominated share also sets
# ``institutions.entrenched``, so that neither the apparatus, nor the members, nor a
# reaction after Thermidor changes the rules from inside the run. Shocks are never left out:
# they are the history the institutions meet, not a rule. ``none_holds=False``: setting
# the knob to ``none`` means "not set" (the per-branch or per-tier rules decide), so it
# holds nothing. Documented in docs/scenarios/README.md, "Headline knobs hold".
HEADLINE_KNOBS: dict[str, Knob] = {
    # every rule change moves the share of offices filled by nomination, scripted or not (the
    # rules the run itself changes are held by ``entrenched``)
    "institutions.nominated_share": Knob(("nominate", "restore_elections", "sortition"), False),
    "institutions.privilege_cap": Knob(("cap_privilege",), True),  # none = no cap, held
    # a cut dismisses staff and may set a new cap: the apparatus the cap bounds
    "institutions.apparatus_cap": Knob(("cut_apparatus",), True),
    # term_limits sets every term and, optionally, recall: either knob leaves it out whole
    "institutions.term": Knob(("term_limits",), False),
    "institutions.recall": Knob(("term_limits",), False),
    "repression.intensity": Knob(("repression", "rights_guarantees"), True),
    "transparency.level": Knob(("transparency",), True),
    "transparency.audit_rate": Knob(("audits",), True),
    "education.intensity": Knob(("education",), True),
}


class Suppressed(Strict):
    """An event the loader left out of this run, and why: a record, never run."""

    by: str = Field(
        description="'--without' (removed by id) or the headline parameter held, "
        "e.g. institutions.nominated_share"
    )
    event: Event


class Scenario(Strict):
    """A whole scenario file, validated."""

    meta: Meta
    society: Society
    institutions: Institutions
    repression: Repression = Repression()
    transparency: Transparency = Transparency()
    education: Education = Education()
    economy: Economy = Economy()
    shocks: list[Shock] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    mechanisms: MechanismTable = MechanismParams()
    switched_off: list[str] = Field(
        default_factory=list,
        description="mechanisms of the plan left out of every step (an ablation)",
    )
    suppressed: list[Suppressed] = Field(
        default_factory=list,
        description="events the loader left out of this run (--without, held headline knobs)",
    )

    @model_validator(mode="after")
    def _known_mechanisms(self) -> Scenario:
        """Only mechanisms of the plan can be switched off (``thermidor plan`` lists them)."""
        for name in self.switched_off:
            if name not in NAMES:
                allowed = ", ".join(NAMES)
                msg = f"switched_off: {name!r} is not a mechanism of the plan; allowed: {allowed}"
                raise ValueError(msg)
        return self

    @model_validator(mode="before")
    @classmethod
    def _derive_ids(cls, data: Any) -> Any:
        """Give every shock and intervention written without an ``id`` one derived from its
        kind and start, in file order, never one another event already has."""
        if not isinstance(data, dict):
            return data
        lists = {key: data.get(key) for key in ("shocks", "interventions")}
        tables = [
            item
            for items in lists.values()
            if isinstance(items, list)
            for item in items
            if isinstance(item, dict)
        ]
        if all("id" in item for item in tables):
            return data
        taken = {str(item["id"]) for item in tables if "id" in item}
        data = dict(data)
        for key, items in lists.items():
            if isinstance(items, list):
                data[key] = [
                    {**item, "id": _derived_id(str(item.get("kind")), item.get("start"), taken)}
                    if isinstance(item, dict) and "id" not in item
                    else item
                    for item in items
                ]
        return data

    @model_validator(mode="after")
    def _events_within_run(self) -> Scenario:
        cohorts = {c.name for c in self.society.cohorts}
        for i, shock in enumerate(self.shocks):
            if shock.kind == "recruitment" and shock.cohort not in cohorts:
                msg = (
                    f"shocks[{i}].cohort={shock.cohort!r} must name a cohort of "
                    f"society.cohorts: {sorted(cohorts)}"
                )
                raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        seen: dict[str, str] = {}
        places = [(f"shocks.{i}", s.id) for i, s in enumerate(self.shocks)]
        places += [(f"interventions.{i}", v.id) for i, v in enumerate(self.interventions)]
        for place, event_id in places:
            if event_id in seen:
                msg = (
                    f"{place}.id = {event_id!r}: already the id of {seen[event_id]}; "
                    f"every shock and intervention needs its own id (a slug, {SLUG})"
                )
                raise ValueError(msg)
            seen[event_id] = place
        return self

    def events(self) -> list[Shock | Intervention]:
        """Every shock and intervention of the run, shocks first, in file order."""
        return [*self.shocks, *self.interventions]
