"""The engine: arrays, networks, hierarchies, random streams and step plans.

It knows nothing of the Rakovsky model; mechanisms and models are built on it.
"""

from thermidor.engine.rng import Streams

__all__ = ["Streams"]
