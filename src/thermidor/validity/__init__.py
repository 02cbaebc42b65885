"""Validity of the model's conclusions: the stylized facts as library code, and how far they
hold across a region of parameters (the posterior of a calibration, a wider box).

``facts`` defines every fact (and the two Thermidor items) as a check with a continuous
margin; ``robustness`` evaluates them at parameter points and keeps the results in the
results store; ``sensitivity`` apportions each margin among the parameters of a box (Morris,
Sobol'). docs/robustness.md says what is computed and what it costs.
"""
