"""The report of one comparison: markdown, figures, tables and the output folder."""
