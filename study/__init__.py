"""emvb.study: repeated-sampling studies of EM and the posterior (``emvb study``).

Many data sets are simulated from one truth (or, for simulation-based calibration, from the
prior); each is fitted by EM and by the PyMC models; the per-replicate records go to an SQLite
store as they finish, and the study is summarised as coverage, bias, Bernstein-von Mises and SBC
tables, figures and a report. The replicates run as Dask tasks (a local cluster or an existing
scheduler), and an interrupted study resumes where it stopped.

One job per module: :mod:`~study.settings` (scenarios and settings), :mod:`~study.seeds`,
:mod:`~study.replicate` (the task; :mod:`~study.em_part`, :mod:`~study.posterior_part`,
:mod:`~study.sbc`), :mod:`~study.store` (SQLite), :mod:`~study.runner` (Dask),
:mod:`~study.progress`, :mod:`~study.aggregate`, :mod:`~study.figures`, :mod:`~study.report`,
:mod:`~study.folder`; :mod:`~study.upstream` holds the study's calls into the shared priors, model,
sampler and label APIs.
"""
