"""The ``evaluation`` command: demo, import, report."""
from __future__ import annotations

import argparse
import sys

DEFAULT_STUDY = "config/studies/noorderbeekdwarsstraat-demo.yml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evaluation",
        description="Evaluate an area-based pilot: resident surveys before/after, interview codings, learning report.",
        epilog="Example: evaluation report --study config/studies/noorderbeekdwarsstraat-demo.yml --lang en --formats html,pdf",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser("demo", help="write the synthetic example study's raw files (deterministic)")
    demo.add_argument("--study", default=DEFAULT_STUDY, help="study file whose raw_dir receives the files (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed example seed)")

    imp = sub.add_parser("import", help="validate and pseudonymise raw files into data/processed/<study>/")
    imp.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    imp.add_argument("--force", action="store_true", help="re-import even when inputs are unchanged")
    imp.add_argument("--quiet", action="store_true", help="no progress output")

    rep = sub.add_parser("report", help="build the learning report (HTML, DOCX, PDF) with papermill")
    rep.add_argument("--study", default=DEFAULT_STUDY, help="study YAML file (default: %(default)s)")
    rep.add_argument("--lang", default="nl", choices=["nl", "en"], help="report language (default: %(default)s)")
    rep.add_argument("--formats", default="html", help="comma-separated: html,docx,pdf (default: %(default)s)")
    rep.add_argument("--force-import", action="store_true", help="re-import even when inputs are unchanged")
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def main(argv=None) -> int:
    """Entry point of the ``evaluation`` console script; returns the exit code."""
    from .config import ConfigError
    from .readers.surveys import SurveyReadError
    from .validate import ImportValidationError

    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "import":
            from .importer import import_study

            info = import_study(args.study, force=args.force, progress=not args.quiet)
            print(f"Processed tables in {info['processed_dir']}")
            return 0
        if args.command == "report":
            from .report.pipeline import build_report

            _generate_missing_demo(args.study)
            formats = [f.strip() for f in args.formats.split(",") if f.strip()]
            out = build_report(args.study, lang=args.lang, formats=formats, progress=not args.quiet,
                               force_import=args.force_import)
            print("Learning report written:")
            for fmt in ("html", "docx", "pdf"):
                if fmt in out:
                    print(f"  {fmt:5s} {out[fmt]}")
            return 0
    except (ConfigError, ImportValidationError, SurveyReadError, FileNotFoundError, ValueError) as exc:
        print(f"evaluation {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # report errors name notebook and cell
        from .report.pipeline import ReportError

        if isinstance(exc, ReportError):
            print(f"evaluation {args.command}: error: {exc}", file=sys.stderr)
            return 1
        raise
    return 0


def _generate_missing_demo(study_path) -> None:
    """A synthetic study whose raw files are not there yet gets them generated (fresh clones)."""
    from .config import load_study
    from .demo import generate_demo

    study = load_study(study_path)
    if study.synthetic and not all(p.exists() for p in study.raw_files):
        print(f"Synthetic example study: generating its raw files in {study.raw_dir}", file=sys.stderr)
        generate_demo(out_dir=study.raw_dir)


def _demo(args) -> int:
    from .config import load_study
    from .demo import generate_demo

    study = load_study(args.study)
    if not study.synthetic:
        print(f"evaluation demo: error: {args.study} is not a synthetic study (study.synthetic: true); "
              "refusing to write into its raw folder", file=sys.stderr)
        return 2
    kwargs = {"seed": args.seed} if args.seed is not None else {}
    written = generate_demo(out_dir=study.raw_dir, **kwargs)
    print(f"Synthetic example study written to {study.raw_dir}:")
    for name, path in written.items():
        print(f"  {name:12s} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
