"""The stylized facts of the brief, each compared across conditions over an ensemble of seeds.

Every fact is tested twice: with the model as it is (the fact must hold) and
with its responsible mechanism switched off through its parameters (the fact
must then fail), so each test proves it would catch the loss of the mechanism.
"""
