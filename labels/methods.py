"""The relabelling methods by name: citation, what each does, when it can differ from sorting.

Plain data, importable without numpy or xarray (the command line offers the names as choices);
:mod:`labels.relabel` runs the two-component ones, :mod:`labels.kmethods` those for K components.
docs/methods.md §4 and §4.10 have each algorithm.
"""

#: name -> (citation, what it does, when it can differ from sorting by mu). Printed by the report,
#: ``emvb labels`` and docs/methods.md §4.
METHOD_INFO = {
    "order": ("identifiability constraint mu1 < mu2 applied after sampling (Jasra, Holmes & Stephens 2005)",
              "sorts each draw by mu",
              "never: it is sorting"),
    "stephens": ("Stephens (2000), JRSS-B 62:795-809",
                 "minimises the Kullback-Leibler divergence of each draw's allocation probabilities to "
                 "their relabelled average",
                 "where the weights rather than the means decide the allocations: |logit pi1| not small "
                 "against |mu2 - mu1| sd(x) / sigma^2"),
    "pra": ("Marin, Mengersen & Robert (2005), Handbook of Statistics 25:459-507",
            "pivotal reordering: the permutation closest (Euclidean, means in interquartile ranges of the data) "
            "to the highest-posterior draw",
            "on draws with |mu2 - mu1| |mu2* - mu1*| < |(2 pi1 - 1)(2 pi1* - 1)| (means standardised), i.e. means "
            "closer than the weights in interquartile ranges of the data"),
    "ecr": ("Papastamoulis & Iliopoulos (2010), JCGS 19:313-331 (iterative version 2, expected mismatches)",
            "fewest expected allocation mismatches against the pivot allocation argmax_k q_ik",
            "where the weights rather than the means decide the allocations: |logit pi1| not small "
            "against |mu2 - mu1| sd(x) / sigma^2"),
    "nearest_mode": ("nearest of the MLE and its mirror image in the Louis metric (docs/methods.md §4.5)",
                     "the labels that bring the draw nearer the EM estimate, distance scaled by its covariance",
                     "where a draw's pi1 and sigma deviations from the MLE, scaled by its covariance, outweigh "
                     "those of its means"),
}
METHODS = tuple(METHOD_INFO)

#: name -> (citation, objective, needs the data). K-component methods (:mod:`labels.kmethods`);
#: docs/methods.md §4.10.
METHOD_INFO_K = {
    "order": ("ordering constraint mu_1 < ... < mu_K after sampling (Jasra, Holmes & Stephens 2005)",
              "sorts each draw by its means", False),
    "order_weights": ("ordering constraint w_1 < ... < w_K after sampling (Jasra, Holmes & Stephens 2005)",
                      "sorts each draw by its weights", False),
    "stephens": ("Stephens (2000), JRSS-B 62:795-809",
                 "Kullback-Leibler divergence of each draw's relabelled allocation probabilities from their "
                 "average over draws", True),
    "ecr_pivot": ("Papastamoulis & Iliopoulos (2010), JCGS 19:313-331 (ECR with a pivot)",
                  "expected allocation mismatches against the highest-likelihood draw's allocation", True),
    "ecr_iterative_1": ("Papastamoulis & Iliopoulos (2010); Papastamoulis (2016) JSS 69(c01), ecr.iterative.1",
                        "allocation mismatches against the per-point majority of the relabelled allocations", True),
    "ecr_iterative_2": ("Papastamoulis & Iliopoulos (2010); Papastamoulis (2016) JSS 69(c01), ecr.iterative.2",
                        "expected allocation mismatches against argmax_k of the averaged relabelled probabilities",
                        True),
    "pra": ("Marin, Mengersen & Robert (2005), Handbook of Statistics 25:459-507",
            "Euclidean distance (weights, standardised means and sigmas) to the highest-likelihood draw", True),
    "data_based": ("Rodriguez & Walker (2014), JCGS 23:25-45",
                   "squared standardised distance of each component's allocated data to the label's data-based "
                   "centre", True),
}
METHODS_K = tuple(METHOD_INFO_K)
#: Names accepted for compatibility with the two-component methods (ECR of :mod:`labels.ecr` is version 2).
ALIASES = {"ecr": "ecr_iterative_2"}
