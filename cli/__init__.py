"""The ``emvb`` command line: one module per subcommand (:mod:`cli.main` lists them)."""
