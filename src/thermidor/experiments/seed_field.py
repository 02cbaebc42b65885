"""The type of every seed in experiment files (``base_seed``, ``design.seed``,
``optimize.sampler_seed``): an integer in the engine's one range of seeds, refused outside
it with a message that states the range (``engine.seeds``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from thermidor.engine.seeds import SEED_MAX, SEED_MIN, SEED_RANGE


def _in_range(value: int) -> int:
    if not SEED_MIN <= value <= SEED_MAX:
        raise PydanticCustomError(
            "seed_range", "a seed must be a whole number in {range}", {"range": SEED_RANGE}
        )
    return value


Seed = Annotated[int, AfterValidator(_in_range)]
