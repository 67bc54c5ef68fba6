"""Sampling the PyMC model: chain starts and NUTS with nutpie or PyMC.

- :func:`sample` (:mod:`sampling.sample`), start points (:mod:`sampling.starts`), nutpie's
  per-chain starts (:mod:`sampling.nutpie_starts`).

Importing this package does not import pymc; its modules do (the option lists in
:mod:`sampling.options` do not).
"""
