"""The base record for mechanism parameters: frozen, validated, unknown keys rejected."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Parameters of one mechanism; every field has a documented default and range."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
