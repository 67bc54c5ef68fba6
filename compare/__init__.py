"""One comparison of EM and the posterior on one data set: the pipeline, the table, the results file."""
