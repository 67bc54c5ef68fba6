"""Is a claimed estimate a maximum of the likelihood, and which one? The likelihood's geometry at a point
(gradient, curvature, one EM step, the optimum EM climbs to) for ``emvb validate`` and :func:`emvb.validate`
(:mod:`geometry.validate`). Named for what it computes: ``emvb.validate`` is the public function."""
