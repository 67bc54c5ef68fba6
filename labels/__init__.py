"""Label switching: diagnosis (:mod:`labels.diagnose`) and relabelling methods (:mod:`labels.relabel`)."""
