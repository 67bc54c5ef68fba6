"""The ``emvb`` command line: one parser, one error handler, one module per subcommand.

Each subcommand lives in ``cli/<name>.py`` with ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``, and is listed in :data:`COMMANDS` (imported explicitly: a missing module
is an import error, not a silently missing command). Those modules import heavy libraries (pymc,
arviz, matplotlib) inside ``run`` only, so ``emvb --help`` and ``emvb em`` start fast.

Every :class:`~models.errors.EmvbError` (bad file, bad parameter, existing output) becomes one line
on stderr and exit status 2, with no traceback; so do argparse's own usage errors.
"""

from __future__ import annotations

import argparse
import sys

from ..models.errors import EmvbError
from . import em, inspect, labels, pitfalls, run, sample, simulate, validate

#: Subcommands in the order ``emvb --help`` lists them: name -> module.
COMMANDS = {
    "simulate": simulate,
    "inspect": inspect,
    "em": em,
    "sample": sample,
    "run": run,
    "labels": labels,
    "validate": validate,
    "pitfalls": pitfalls,
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``emvb em: error: ...``) and exit status 2."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="emvb",
        description="EM vs Bayes for a two-component Gaussian mixture with a shared sigma: "
        "the hand-written EM's maximum-likelihood estimate beside the PyMC posterior, on identical data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, module in COMMANDS.items():
        # argparse %-formats a subcommand's help (not its description): "95%" must reach it as "95%%".
        p = sub.add_parser(name, help=module.HELP.replace("%", "%%"),
                           description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except EmvbError as e:
        print(f"emvb {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"emvb {args.command}: interrupted; nothing half-written was left", file=sys.stderr)
        return 130
