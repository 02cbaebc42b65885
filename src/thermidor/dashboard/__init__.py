"""The Solara dashboard behind ``thermidor ui``: edit a scenario, run it, watch and compare.

``state`` turns what a user typed into ``--set`` overrides validated by the scenario
schema; ``events`` adds a shock or an intervention at a chosen year; ``runner`` runs the
simulation in a thread; ``figures`` and ``export`` draw and export it; ``app`` is the page.
"""
