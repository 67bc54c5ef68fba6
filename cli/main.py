"""The ``emvb`` command line: one parser, one error handler, one module per subcommand.

Each subcommand lives in ``cli/<name>.py`` with ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``, and is listed in :data:`COMMANDS` (imported explicitly: a missing module
is an import error, not a silently missing command). Those modules import heavy libraries (pymc,
arviz, matplotlib) inside ``run`` only, so ``emvb --help`` and ``emvb em`` start fast.

What :func:`main` does for every command, so that a new command gets it by declaring, not coding:

- **Errors.** Every :class:`~models.errors.EmvbError` (bad file, bad parameter, existing output)
  becomes one line on stderr and exit status 2, with no traceback; so do argparse's usage errors.
  A closed stdout (``emvb em ... | head -1``) ends the command quietly (exit status 141). A write
  that found no room outside :mod:`files.output` (which names its outputs itself), e.g. a library's
  cache on a full disk, is one line naming the file (:data:`NO_SPACE`), exit status 2.
- **Ctrl-C.** The command runs inside :func:`files.interrupt.interrupts_stop`, so an interrupt
  stops it even where a library (nutpie, PyMC) catches it: one line ``interrupted; nothing
  written`` and exit status 130; nothing is renamed into place after it (:mod:`files.output`).
  Before that, while the command starts (imports, parsing), ``emvb._command`` (api/_command.py,
  imported first by the package) does the same for an uncaught ``KeyboardInterrupt``.
- **Inputs.** An option that names a file the command reads takes an argparse type of
  :mod:`cli.args` marked by :func:`cli.args.reads_files` (``data_file``, ``input_file``,
  ``priors_spec``); :func:`build_parser` collects them per subcommand from the parser
  (:func:`cli.args.input_options`), so there is no list of inputs to keep in step, and
  :func:`input_paths` gives every file the command line names as input (a data file's sidecar included).
- **Outputs, before anything is computed.** A command that writes declares
  ``OUTPUT = "file"`` or ``"folder"`` (it has ``--out`` and ``--force``; an ``--out`` left out
  writes nothing), and optionally ``extra_outputs(args)``, more ``(path, is_folder)`` pairs written
  beside ``--out`` (a sidecar). :func:`main` then calls :func:`files.output.claimed` before ``run``:
  an output that is, holds or is inside any input is refused, ``--force`` or not; so is one that
  exists without ``--force`` or cannot be written; its lock is held while the command runs (a second
  run writing the same output is refused, naming the first) and dead runs' temporary files are
  removed. A command with ``--out`` but no ``OUTPUT`` (``emvb study`` resumes into its folder and
  claims it itself) still has its ``--out`` checked against its inputs.
- **Contradictions.** ``CONFLICTS = {("n", "data"): "why"}`` refuses ``--n`` given together with
  ``--data``; ``REQUIRES = {("column", "data"): "why"}`` refuses ``--column`` without ``--data``.
  Only options typed on the command line count (:class:`OneLineParser` records them), and an option
  given twice is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys

from ..models.errors import EmvbError, SettingError
from . import bvm, check, em, inspect, labels, pitfalls, run, sample, simulate, study, validate
from .args import input_options

#: Subcommands in the order ``emvb --help`` lists them: name -> module.
COMMANDS = {
    "simulate": simulate,
    "inspect": inspect,
    "em": em,
    "check": check,
    "sample": sample,
    "run": run,
    "labels": labels,
    "validate": validate,
    "pitfalls": pitfalls,
    "bvm": bvm,
    "study": study,
}

#: Errors of a write that found no room: a full disk, a file-size limit (``ulimit -f``), a full quota.
NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})

#: The namespace attribute holding the options typed on the command line: dest -> option string.
GIVEN = "given_options"


def _note_given(parser, namespace, dest: str, option_string: str | None) -> None:
    given = dict(getattr(namespace, GIVEN, {}))
    if option_string is not None and dest in given:
        parser.error(f"{given[dest]} given twice; give it once")
    given[dest] = option_string
    setattr(namespace, GIVEN, given)


class _Given(argparse.Action):
    """argparse's ``store`` (or ``store_true``, with ``nargs=0``), recording that the option was typed
    (and refusing a value given twice; a repeated flag says the same thing)."""

    def __call__(self, parser, namespace, values, option_string=None):
        flag = self.nargs == 0
        _note_given(parser, namespace, self.dest, None if flag else option_string)
        setattr(namespace, self.dest, True if flag else values)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``emvb em: error: ...``, exit status 2), and the
    options typed on the command line are recorded in ``args.given_options``."""

    def add_argument(self, *args, **kwargs):  # noqa: D102 - argparse API
        action = kwargs.get("action", "store")
        if args and args[0].startswith("-") and action in ("store", "store_true"):
            if action == "store_true":
                kwargs.update(nargs=0, const=True, default=kwargs.get("default", False))
            kwargs["action"] = _Given
        return super().add_argument(*args, **kwargs)

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("emvb")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="emvb",
        description="EM vs Bayes for a two-component Gaussian mixture with a shared sigma: "
        "the hand-written EM's maximum-likelihood estimate beside the PyMC posterior, on identical data.",
    )
    parser.add_argument("--version", action="version", version=f"emvb {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, module in COMMANDS.items():
        # argparse %-formats a subcommand's help (not its description): "95%" must reach it as "95%%".
        p = sub.add_parser(name, help=module.HELP.replace("%", "%%"),
                           description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(p)
        p.set_defaults(_run=module.run, _inputs=input_options(p))
    return parser


def check_options(module, args) -> None:
    """Refuse option combinations the command declares contradictory (module note)."""
    given = getattr(args, GIVEN, {})
    for (option, other), why in getattr(module, "CONFLICTS", {}).items():
        if option in given and other in given:
            raise SettingError(f"{given[option]} cannot be combined with {given[other]}: {why}")
    for (option, needed), why in getattr(module, "REQUIRES", {}).items():
        if option in given and not getattr(args, needed, None):
            raise SettingError(f"{given[option]} needs --{needed}: {why}")


def input_paths(args) -> list:
    """Every file the command line names as an input (the options :func:`cli.args.input_options` found)."""
    return [f for dest, files_of in getattr(args, "_inputs", {}).items() if getattr(args, dest, None) is not None
            for f in files_of(getattr(args, dest))]


def claim_outputs(module, args):
    """:func:`files.output.claimed` for the outputs a command declares; a no-op for one that writes nothing."""
    from ..files.output import claimed, refuse_overlap

    kind, out = getattr(module, "OUTPUT", None), getattr(args, "out", None)
    if out is None:
        return contextlib.nullcontext([])
    if kind is None:  # claims its --out itself (emvb study), but never one that is an input
        refuse_overlap(out, input_paths(args))
        return contextlib.nullcontext([])
    outputs = [(out, kind == "folder")]
    outputs += list(getattr(module, "extra_outputs", lambda a: [])(args))
    return claimed(outputs, force=args.force, inputs=input_paths(args))


def _interrupted(outputs) -> str:
    from ..files.output import committed

    done = [str(p) for p in outputs if p in committed()]
    return f"interrupted after writing {', '.join(done)}" if done else "interrupted; nothing written"


def main(argv: list[str] | None = None) -> int:
    from ..files.interrupt import interrupts_stop

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    module = COMMANDS[args.command]
    outputs: list = []
    try:
        with interrupts_stop():
            check_options(module, args)
            with claim_outputs(module, args) as outputs:
                return int(args._run(args) or 0)
    except EmvbError as e:
        print(f"emvb {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # a command may say what an interrupt leaves (emvb study: the replicates kept, and how to resume)
        print(f"emvb {args.command}: {getattr(args, 'interrupted_note', None) or _interrupted(outputs)}",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        # whoever read stdout has gone (`emvb em ... | head -1`): stop quietly, as shell tools do; stdout
        # goes to /dev/null so that the interpreter's last flush at exit fails silently too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool the signal stopped
    except OSError as e:
        if e.errno not in NO_SPACE:
            raise
        # outputs are written by files.output, which names them; this is a write elsewhere (a library's cache)
        print(f"emvb {args.command}: error: {e.filename or 'a file'}: writing failed ({e.strerror})", file=sys.stderr)
        return 2
    finally:
        if argv is None:  # the process ends next: the console script and `python -m emvb.cli` pass no argv
            # The interpreter's last collection would walk every object the command made, only to free
            # memory the OS frees anyway: 2.3 s after `emvb run` (benchmarks/figures_speed.py). Frozen
            # objects are left to the OS; atexit handlers and the flush of stdout/stderr still run.
            gc.freeze()
