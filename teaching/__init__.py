"""Teaching: the original student EM bug hunt, each mistake (:mod:`teaching.faulty`) run beside the right code."""
