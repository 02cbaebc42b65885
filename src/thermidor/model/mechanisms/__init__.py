"""The twelve mechanisms of the brief, one module each, plus the economy that drives shocks.

Each module holds its parameters (a frozen, validated record), a ``step``
function ``step(world, params, rng)`` and the pure functions its tests probe.
Its docstring names the passage of Rakovsky's letter it implements.
"""
