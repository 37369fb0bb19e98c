"""The ``evaluation`` command: demo, import, report, and the replication kit.

``check`` is a preflight of a study's configuration and raw files;
``new-study``, ``draft-instrument``, ``draft-frame`` and ``export-codebook``
help another city set up its own study by configuration alone.

One error path for users: every problem a user can cause (configuration, raw
files, validation, a failed notebook, a file that cannot be read or written)
ends as one clear message on standard error and a non-zero exit code; no
traceback is shown unless ``--debug`` is given. Exit codes: 0 done, 1 the
report failed or an unexpected internal error, 2 a problem with the input or
the configuration, 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import argparse
import sys

DEFAULT_STUDY = "config/studies/noorderbeekdwarsstraat-demo.yml"
EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evaluation",
        description="Evaluate an area-based pilot: resident surveys before/after, interview codings, learning report.",
        epilog="Example: evaluation report --study config/studies/noorderbeekdwarsstraat-demo.yml --lang en --formats html,pdf\n"
        "Exit codes: 0 done, 1 report failed or internal error, 2 problem in the input or configuration, 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the full traceback when something fails")

    demo = sub.add_parser("demo", parents=[debug],
                          help="write the synthetic example study's raw files (deterministic) into an empty raw folder")
    demo.add_argument("--study", default=DEFAULT_STUDY, help="study file whose raw_dir receives the files (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed example seed)")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace the example files even though the raw folder is not empty")
    demo.add_argument("--if-missing", action="store_true",
                      help="write the files only when the raw folder is empty or absent; otherwise leave it alone "
                      "(what `make report` uses on a fresh clone)")

    imp = sub.add_parser("import", parents=[debug], help="validate and pseudonymise raw files into data/processed/<study>/")
    imp.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    imp.add_argument("--force", action="store_true", help="re-import even when inputs are unchanged")
    imp.add_argument("--quiet", action="store_true", help="no progress output")

    rep = sub.add_parser("report", parents=[debug], help="build the learning report (HTML, DOCX, PDF) with papermill")
    rep.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    rep.add_argument("--lang", default=None,
                     help="report language, one of the study's report.languages (default: the first of them); "
                     "several comma-separated, or 'all': built side by side, the results computed once")
    rep.add_argument("--formats", default="html", help="comma-separated: html,docx,pdf (default: %(default)s)")
    rep.add_argument("--force", action="store_true",
                     help="build even when inputs, configuration, code, notebooks and outputs are unchanged "
                     "(otherwise such a build is skipped)")
    rep.add_argument("--force-import", action="store_true", help="re-import even when inputs are unchanged")
    rep.add_argument("--quiet", action="store_true", help="no progress output")

    res = sub.add_parser("results", parents=[debug],
                         help="import and compute the study's results tables (with its publication gate), no report: "
                         "what a site shares for a synthesis")
    res.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    res.add_argument("--share", default=None, metavar="FOLDER",
                     help="also write the shareable results (published numbers only) to this folder")
    res.add_argument("--quiet", action="store_true", help="no progress output")

    syn = sub.add_parser("synthesis", parents=[debug],
                         help="build the cross-site synthesis report from several studies' published results")
    which = syn.add_mutually_exclusive_group(required=True)
    which.add_argument("--programme", help="programme YAML: the sites and how their measures and codes match")
    which.add_argument("--studies", nargs="+", metavar="STUDY",
                       help="two or more study YAML files (a programme file is written beside the report)")
    syn.add_argument("--lang", default=None, help="report language (default: the programme's first)")
    syn.add_argument("--formats", default="html", help="comma-separated: html,docx,pdf (default: %(default)s)")
    syn.add_argument("--quiet", action="store_true", help="no progress output")

    chk = sub.add_parser("check", parents=[debug],
                         help="preflight in seconds: configuration, raw files, columns, margins, interview cases")
    chk.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")

    new = sub.add_parser("new-study", parents=[debug],
                         help="write a commented skeleton of study, instrument and coding-frame YAML")
    new.add_argument("name", help="study id: letters, digits, '-' and '_' (becomes the file and folder name)")
    new.add_argument("--dir", default="config",
                     help="configuration folder receiving studies/, instruments/, coding-frames/ "
                     "(default: %(default)s)")

    dri = sub.add_parser("draft-instrument", parents=[debug],
                         help="draft an instrument (survey codebook) YAML from a .sav, .csv or .xlsx export")
    dri.add_argument("file", help="survey export (.sav gives value labels and user-missing codes)")
    dri.add_argument("--out", default=None, help="write the draft to this file (default: print it)")

    drf = sub.add_parser("draft-frame", parents=[debug],
                         help="draft a coding-frame YAML from a QDA codebook (.qdc) or project (.qdpx)")
    drf.add_argument("file", help="REFI-QDA codebook (.qdc) or project (.qdpx, .qde)")
    drf.add_argument("--out", default=None, help="write the draft to this file (default: print it)")

    exc = sub.add_parser("export-codebook", parents=[debug],
                         help="write the study's coding frame as a REFI-QDA codebook (.qdc) for the QDA tool")
    exc.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    exc.add_argument("--out", required=True, help="the .qdc file to write")
    exc.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    return parser


def main(argv=None) -> int:
    """Entry point of the ``evaluation`` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    except KeyboardInterrupt:
        print("evaluation: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    debug = bool(getattr(args, "debug", False))
    try:
        with _warnings_as_lines(args.command, debug):
            return _run(args)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"evaluation {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        code, message = _describe(exc)
        print(f"evaluation {args.command}: {message}", file=sys.stderr)
        return code


def _run(args) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command == "import":
        from .importer import import_study

        info = import_study(args.study, force=args.force, progress=not args.quiet)
        print(f"Processed tables in {info['processed_dir']}")
        return EXIT_OK
    if args.command == "report":
        from .config import load_study
        from .report.pipeline import build_reports

        study = load_study(args.study)
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        langs = args.lang if args.lang and ("," in args.lang or args.lang == "all") else [args.lang or study.languages[0]]
        outs = build_reports(study, langs=langs, formats=formats,
                             progress=not args.quiet, force=args.force, force_import=args.force_import)
        skipped = all(out.get("skipped") for out in outs.values())
        print("Learning report unchanged (nothing rebuilt; --force rebuilds):" if skipped else "Learning report written:")
        for out in outs.values():
            for fmt in ("html", "docx", "pdf"):
                if fmt in out:
                    print(f"  {fmt:5s} {out[fmt]}")
        return EXIT_OK
    if args.command == "results":
        return _results(args)
    if args.command == "synthesis":
        return _synthesis(args)
    if args.command == "check":
        return _check(args)
    if args.command in ("new-study", "draft-instrument", "draft-frame", "export-codebook"):
        return _kit(args)
    raise ValueError(f"unknown command {args.command!r}")


def _results(args) -> int:
    from .config import load_study
    from .importer import import_study
    from .report.pipeline import _publication_gate

    study = load_study(args.study)
    import_study(study, progress=not args.quiet)
    gate = _publication_gate(study, not args.quiet)  # computes (or reads) the results; refuses when the audit fails
    print(f"Results tables in {study.processed_dir / 'results'} (publication gate: audit of "
          f"{gate.summary()['audited']} cells passed)")
    if args.share:
        from .report.results import study_results
        from .synthesis import write_shareable_results

        folder = write_shareable_results(study_results(study), args.share)
        print(f"Shareable results (published numbers only) in {folder}")
    return EXIT_OK


def _synthesis(args) -> int:
    from .report.programme import build_synthesis, load_programme, write_programme

    if args.studies is not None:
        if len(args.studies) < 2:
            raise ValueError("a synthesis needs at least two studies: --studies A.yml B.yml ...")
        from .config import load_study

        root = load_study(args.studies[0]).reports_dir.parent
        path = write_programme(args.studies, root / "synthesis" / "programme.yml")
        print(f"Programme file written: {path} (edit it to match measures or codes across sites)")
    else:
        path = args.programme
    programme = load_programme(path)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    out = build_synthesis(programme, lang=args.lang, formats=formats, progress=not args.quiet)
    print("Synthesis report written:")
    for fmt in ("html", "docx", "pdf"):
        if fmt in out:
            print(f"  {fmt:5s} {out[fmt]}")
    return EXIT_OK


def _check(args) -> int:
    from .preflight import check_study, format_problems, summary_line

    problems = check_study(args.study)
    for line in format_problems(problems):
        print(line)
    summary = summary_line(args.study, problems)
    if (problems["severity"] == "error").any():
        print(f"evaluation check: error: {summary}", file=sys.stderr)
        return EXIT_INPUT
    print(summary)
    return EXIT_OK


def _kit(args) -> int:
    from . import kit

    if args.command == "new-study":
        files = kit.new_study(args.name, config_dir=args.dir)
        print(f"Skeleton of study {args.name!r} written:")
        for kind, path in files.items():
            print(f"  {kind:12s} {path}")
        print(f"Fill in the TODOs, put the raw exports in data/raw/{args.name}/, then run "
              f"`evaluation check --study {files['study']}`.")
        return EXIT_OK
    if args.command in ("draft-instrument", "draft-frame"):
        draft = kit.draft_instrument if args.command == "draft-instrument" else kit.draft_frame
        text = draft(args.file, out=args.out)
        if args.out is None:
            sys.stdout.write(text)
        else:
            n = text.count("# review")
            print(f"Draft written to {args.out} ({n} line(s) marked '# review').")
        return EXIT_OK
    path = kit.export_codebook(args.study, args.out, overwrite=args.overwrite)
    print(f"REFI-QDA codebook written: {path}")
    return EXIT_OK


def _describe(exc: BaseException) -> tuple[int, str]:
    """Exit code and one message for an exception that reached the command line."""
    from .config import ConfigError
    from .readers.refi import CodingsFormatError
    from .readers.surveys import SurveyReadError
    from .validate import ImportValidationError

    try:
        from .report.pipeline import ReportError
    except Exception:  # the report layer failing to import must not hide the real error
        ReportError = ()  # noqa: N806

    if ReportError and isinstance(exc, ReportError):
        return EXIT_FAILED, f"error: {exc}"
    if isinstance(exc, (ConfigError, ImportValidationError, SurveyReadError, CodingsFormatError)):
        return EXIT_INPUT, f"error: {exc}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        what = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError) and not exc.filename:
            what = str(exc)
        return EXIT_INPUT, f"error: {where}{what}"
    if isinstance(exc, MemoryError):
        return EXIT_INPUT, "error: out of memory; is one of the input files far larger than expected?"
    if isinstance(exc, ValueError) and type(exc).__module__.startswith("evaluation"):
        return EXIT_INPUT, f"error: {exc}"
    if isinstance(exc, (ValueError, TypeError)) and _raised_by_package(exc):
        # argument checks of the package's own functions (e.g. an unknown format name)
        return EXIT_INPUT, f"error: {exc}"
    return EXIT_FAILED, (
        f"internal error: {type(exc).__name__}: {_first_line(exc)}\n"
        "This is a bug in the evaluation package, not in your files. Run the command again with --debug "
        "for the full traceback and report it."
    )


def _raised_by_package(exc: BaseException) -> bool:
    """Whether the exception was raised by a ``raise`` in the evaluation package itself."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    module = last.tb_frame.f_globals.get("__name__", "")
    return module == "evaluation" or module.startswith("evaluation.")


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _warnings_as_lines:  # noqa: N801 - used as a context manager
    """Show Python warnings as one ``evaluation <command>: warning: ...`` line each."""

    def __init__(self, command: str, debug: bool):
        self.command = command
        self.debug = debug

    def __enter__(self):
        import warnings

        self._saved = warnings.showwarning
        if not self.debug:
            command = self.command

            def show(message, category, filename, lineno, file=None, line=None):
                print(f"evaluation {command}: warning: {message}", file=sys.stderr)

            warnings.showwarning = show
        return self

    def __exit__(self, *exc):
        import warnings

        warnings.showwarning = self._saved
        return False


def _demo(args) -> int:
    from .config import load_study
    from .demo import DEFAULT_SEED, check_demo_files, generate_demo, truth_path_for

    study = load_study(args.study)
    if not study.synthetic:
        print(f"evaluation demo: error: {args.study} is not a synthetic study (study.synthetic: true); "
              "refusing to write into its raw folder", file=sys.stderr)
        return EXIT_INPUT
    seed = args.seed if args.seed is not None else DEFAULT_SEED
    raw = study.raw_dir
    present = sorted(p.name for p in raw.iterdir()) if raw.is_dir() else []
    if present and args.if_missing and not args.overwrite:
        print(f"Raw folder {raw} already holds files; left as it is.")
        return EXIT_OK
    if present and not args.overwrite:
        if check_demo_files(raw, study.raw_files) is None and _truth_seed(truth_path_for(raw)) == seed:
            print(f"The synthetic example study's raw files are already in {raw} (unchanged; nothing written).")
            return EXIT_OK
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        print(f"evaluation demo: error: {raw} is not empty ({shown}); files in a raw folder are never "
              "overwritten by accident. Use --overwrite to replace them with the synthetic example.", file=sys.stderr)
        return EXIT_INPUT
    written = generate_demo(out_dir=raw, seed=seed, overwrite=args.overwrite)
    print(f"Synthetic example study written to {raw}:")
    for name, path in written.items():
        print(f"  {name:12s} {path}")
    return EXIT_OK


def _truth_seed(path) -> int | None:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError, AttributeError):
        return None


if __name__ == "__main__":
    sys.exit(main())
