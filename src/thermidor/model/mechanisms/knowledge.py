"""Knowledge: constituents witness abuses and tell one another over the network.

Letter: "the same refrain is always heard: 'We knew already for some time.' ...
all this is spoken of as known facts, not for a month but for years".

A member knows (one bit per branch) of an open abuse by the local office of
that branch. Each step members of a cell with an open abuse may witness it
(more so with a free press), learn it from neighbours who know, or read it in
the press. Holders of the offices below an abusing office may witness it too:
they are its electorate. Knowledge lapses when the case is closed.

Letter: "From the scandal of Chubarovsk ... to the abuses of Smolensk, of
Artiemovsk, etc." - "the flood of scandal which has become public". An abuse
widely known long enough (``scandal_after`` steps) is a scandal: it travels
beyond its cell, by the press to the other cells under the same higher office
of its branch, and by the ties that cross cells, from those who know it first
hand. Members who hear of it keep ``heard``, a memory of abuses beyond their own
offices that fades; legitimacy and voice read it as grievance only, never as
knowledge of one's own office's abuse (elections read ``knows`` alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.engine.kernels import recount_flagged
from thermidor.engine.rng import step_key
from thermidor.model.kernels import (
    hear_scandals,
    lapse_knowledge,
    spread_knowledge,
)
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "knowledge"
SUMMARY = "constituents witness abuses; knowledge spreads on the network"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("heard", "knows"))


class KnowledgeParams(ParamsBase):
    witness: float = Field(0.05, ge=0, le=1, description="chance per step to witness directly")
    tell: float = Field(0.15, ge=0, le=1, description="chance per step per knowing neighbour")
    press: float = Field(
        0.1, ge=0, le=1, description="chance per step to read of it at full transparency"
    )
    upward_witness: float = Field(
        0.1, ge=0, le=1, description="chance per step a holder below witnesses an abuse above"
    )
    widely_known: float = Field(
        0.5, ge=0, le=1, description="share of the electorate that makes an abuse widely known"
    )
    scandal_after: int = Field(
        3, ge=1, le=10_000, description="steps widely known before an abuse is a scandal"
    )
    scandal_press: float = Field(
        0.3, ge=0, le=1, description="chance per step per scandal nearby to read of it, at T = 1"
    )
    scandal_tell: float = Field(
        0.15, ge=0, le=1, description="chance per step per tie to another cell knowing a scandal"
    )
    heard_fade: float = Field(
        0.1, ge=0, le=1, description="share of the memory of abuses elsewhere lost per step"
    )


def learning_probability(
    knowing_neighbours: np.ndarray, transparency: float, params: KnowledgeParams
) -> np.ndarray:
    """Chance to learn of an open abuse this step: witness, neighbours or press."""
    stay_ignorant = (
        (1.0 - params.witness * (1.0 + transparency))
        * np.power(1.0 - params.tell, knowing_neighbours)
        * (1.0 - params.press * transparency)
    )
    return np.clip(1.0 - stay_ignorant, 0.0, 1.0).astype(np.float32)


def hearing_probability(
    scandals_nearby: np.ndarray,
    tellers: np.ndarray,
    transparency: float,
    params: KnowledgeParams,
) -> np.ndarray:
    """Chance to hear of a scandal beyond one's cell this step: read of one of the
    ``scandals_nearby`` (in the other cells under the same higher office) in the press, or
    be told by one of the ``tellers`` (neighbours in other cells who know of one first hand)."""
    stay = np.power(1.0 - params.scandal_press * transparency, scandals_nearby) * np.power(
        1.0 - params.scandal_tell, tellers
    )
    return np.clip(1.0 - stay, 0.0, 1.0)


def standing_bits(world: World) -> np.ndarray:
    """Per cell, a bit per branch whose office there has an abuse widely known and unsanctioned
    (``known_age > 0``): what one knows of it is knowledge of an unpunished abuse."""
    tree = world.offices.tree
    weights = (1 << np.arange(world.n_branches)).astype(np.uint8)
    standing = world.offices.known_age[tree.bottom_of] > 0
    return (standing * weights[:, None]).sum(axis=0).astype(np.uint8)


def scandals(world: World, params: KnowledgeParams) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: a bit per branch whose office there is a scandal (widely known for
    ``scandal_after`` steps), and how many scandals stand in the other cells under the same
    higher office of each branch (``scandals_nearby``, summed over branches)."""
    tree = world.offices.tree
    bottom = tree.bottom_of  # (branches, cells)
    scandal = world.offices.known_age[bottom] >= params.scandal_after
    weights = (1 << np.arange(world.n_branches)).astype(np.uint8)
    bits = (scandal * weights[:, None]).sum(axis=0).astype(np.uint8)
    above = tree.parent[bottom]
    district = np.where(above >= 0, above, bottom)  # a one-tier tree: the office itself
    per_district = np.zeros(tree.size)
    np.add.at(per_district, district, scandal.astype(np.float64))
    nearby = (per_district[district] - scandal).sum(axis=0)
    return bits, nearby


Params = KnowledgeParams


def step(world: World, params: KnowledgeParams, rng: np.random.Generator) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    n_b = world.n_branches
    transparency = world.policy.transparency
    weights = (1 << np.arange(n_b)).astype(np.uint8)
    open_bottom = off.open_abuses[tree.bottom_of] > 0  # (branches, cells)
    open_bits = (open_bottom * weights[:, None]).sum(axis=0).astype(np.uint8)
    # closed cases lapse; the per-cell counts of who knows follow every change of ``knows``
    relevant, counts = lapse_knowledge(world.cell_start, m.present, m.knows, open_bits, n_b)
    net = world.workmates
    # learning_probability, fused; only workmates' knowledge is about one's own cell's offices
    most = int(net.degree.max()) if net.degree.size else 0
    stay_by_tellers = np.power(np.float32(1.0 - params.tell), np.arange(most + 1, dtype=np.float32))
    spread_knowledge(
        net.indptr,
        net.indices,
        world.cell_start,
        m.serial,
        m.knows,
        relevant,
        step_key(rng),
        1.0 - params.witness * (1.0 + transparency),
        stay_by_tellers,
        1.0 - params.press * transparency,
        counts,
    )

    safe = np.maximum(counts[:, 0], 1.0)
    for b in range(n_b):
        off.known_frac[tree.bottom_of[b]] = counts[:, 1 + b] / safe

    upper = np.flatnonzero(tree.parent >= 0)
    parent = tree.parent[upper]
    parent_open = off.open_abuses[parent] > 0
    sees = rng.random(upper.size) < params.upward_witness * (1.0 + transparency)
    off.parent_known[upper] = (
        parent_open & (off.parent_known[upper] | sees) & (off.holder[upper] >= 0)
    )
    children = group_sum(parent, (off.holder[upper] >= 0).astype(np.float64), off.size)
    knowing_children = group_sum(parent, off.parent_known[upper].astype(np.float64), off.size)
    is_upper = tree.cell < 0
    ratio = np.divide(knowing_children, children, out=np.zeros_like(children), where=children > 0)
    off.known_frac[is_upper] = ratio[is_upper]

    widely = (off.open_abuses > 0) & (off.known_frac >= params.widely_known)
    off.known_age = np.where(widely, off.known_age + 1, 0).astype(np.int32)

    # scandals travel beyond their cells: hearing_probability, fused with the fading memory
    bits, nearby = scandals(world, params)
    tells = m.present & ((m.knows & bits[m.cell]) != 0)
    net, told = world.network, world.scandal_tellers
    recount_flagged(net.indptr, net.indices, tells, told.flags, told.count, group=m.cell)
    hear_scandals(
        m.cell,
        m.present,
        m.serial,
        told.count,
        nearby,
        m.heard,
        step_key(rng),
        1.0 - params.scandal_press * transparency,
        1.0 - params.scandal_tell,
        params.heard_fade,
    )
