"""Sampling the PyMC model: chain starts, NUTS with nutpie or PyMC, and the posterior mode.

- :func:`sample` (:mod:`sampling.sample`), start points (:mod:`sampling.starts`), nutpie's
  per-chain starts (:mod:`sampling.nutpie_starts`), :func:`find_map` (:mod:`sampling.map`).

Importing this package does not import pymc; its modules do (the option lists in
:mod:`sampling.options` do not).
"""
