"""Files on disk: reading data files, and writing outputs so that nothing is lost or half-written."""
