"""Calibration against history: ABC-SMC (pyabc) of a scenario's free parameters on
published figures, run on the experiments' executors, resumable, with its posterior,
posterior predictive checks and held-out predictions.

Modules, lowest first: ``targets`` (the data files and what a target compares),
``spec`` (calibration files), ``observables`` (what a run is measured by),
``simulate`` (one particle's run, in a worker), ``sampler`` (pyabc's sampler on our
executors, deterministic), ``inference`` (run and resume), ``posterior`` (reading the
history) and ``predictive`` (the posterior predictive runs).
"""
