"""The report pipeline: import -> papermill-executed notebooks -> HTML/DOCX/PDF + manifest."""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..config import Study, _project_root, load_study
from ..importer import file_sha256, import_study

__all__ = ["build_report", "ReportError", "KERNEL_NAME", "FORMATS", "report_paths", "notebook_paths", "scrub_paths", "build_marker"]

KERNEL_NAME = "evaluation"
FORMATS = ("html", "docx", "pdf")
_VERSIONED = (
    "evaluation", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib", "papermill",
    "nbclient", "ipykernel", "pyarrow", "openpyxl", "weasyprint", "pypandoc-binary",
)


class ReportError(RuntimeError):
    """A notebook failed or an export could not be made; the message says where."""


def notebook_paths(notebooks_dir) -> list[Path]:
    """The report notebooks in order (``NN-name.ipynb``)."""
    found = sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]-*.ipynb"))
    if not found:
        raise ReportError(f"no report notebooks (NN-name.ipynb) found in {notebooks_dir}")
    return found


def report_paths(study: Study, lang: str) -> dict[str, Path]:
    """Where a build in ``lang`` writes: the primary language gets plain names."""
    primary = lang == study.languages[0]
    stem = "learning-report" if primary else f"learning-report.{lang}"
    base = study.reports_dir
    return {
        "dir": base,
        "notebooks": base / "notebooks" / lang,
        "tables": base / "tables",
        "figures": base / "figures",
        **{fmt: base / f"{stem}.{fmt}" for fmt in FORMATS},
        "manifest": base / "manifest.json",
    }


def _ensure_kernel() -> None:
    """Make sure the named kernel exists for this Python (installed by `make setup`)."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(prefix=sys.prefix, kernel_name=KERNEL_NAME, display_name="Python (evaluation)")


def _kernel_config():
    """Kernel manager settings: talk to the kernel over local IPC sockets, not TCP.

    Over TCP (the default) every kernel logs "Kernel is running over TCP without
    encryption"; IPC sockets live in the user's private Jupyter runtime folder. A
    Unix socket path may not be longer than about 100 bytes, so a very deep runtime
    folder (and Windows, which has no IPC transport) keeps TCP.
    """
    from traitlets.config import Config

    # the kernel's sockets are <runtime>/kernel-<12 hex>-ipc-<n>: 30 characters after the folder
    if not _ipc_possible():
        return Config()
    return Config({"KernelManager": {"transport": "ipc"}})


def _ipc_possible() -> bool:
    from jupyter_core.paths import jupyter_runtime_dir

    return os.name != "nt" and len(os.fsencode(jupyter_runtime_dir())) + 30 <= 100


def _kernel_manager_class():
    """A kernel manager whose IPC sockets have a name of their own, in the private runtime folder, and
    that shuts a finished kernel down without interrupting it first.

    jupyter_client names IPC sockets ``kernel-ipc-<n>`` in the working directory by
    default; a kernel left running by an interrupted build would then answer the next
    build's kernel on the same socket ("Invalid Signature").
    """
    import uuid

    from jupyter_client.manager import KernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    class _OwnSocketsKernelManager(KernelManager):
        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts every kernel before asking it to shut down; an idle kernel then
            # prints "KeyboardInterrupt caught in kernel" to the terminal. A finished notebook needs no interrupt.
            if getattr(self, "shutting_down", False):
                return
            await super()._async_interrupt_kernel()

        def _ip_default(self) -> str:
            if self.transport == "ipc":
                folder = Path(jupyter_runtime_dir())
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                return str(folder / f"kernel-{uuid.uuid4().hex[:12]}-ipc")
            return super()._ip_default()

    return _OwnSocketsKernelManager


def build_marker(study: Study, lang: str) -> Path:
    """The file that exists while a build in `lang` runs, and stays when it was interrupted.

    Its presence says the report folder is incomplete: the final HTML/DOCX/PDF of that
    language are removed when a build starts and written (under a temporary name,
    then renamed) only at its end. The next build sees the marker and builds again.

    Examples
    --------
    >>> build_marker(study, "en").name  # doctest: +SKIP
    '.build-incomplete.en.json'
    """
    return study.reports_dir / f".build-incomplete.{lang}.json"


def _publication_gate(study: Study, progress: bool):
    """Compute (or read) the results and the publication gate; refuse to build when the audit fails."""
    from .gate import Gate
    from .results import study_results

    results = study_results(study)
    gate = Gate(results["publication"], results["audit"])
    if not gate.passed:
        leaks = gate.audit[gate.audit["disclosed"].astype(bool)]
        listing = "\n".join(f"  - {r.table} / {r.row} / {r.column}: a reader can narrow it to "
                             f"[{r.lower:g}, {r.upper:g}] ({r.reason})" for r in leaks.head(20).itertuples())
        raise ReportError(
            f"the intruder audit found {len(leaks)} hidden count(s) that a reader can recover from the published "
            f"numbers; no report is written:\n{listing}\n"
            "Raise privacy.min_cell / min_cell_interviews, merge small groups, or publish fewer breakdowns.")
    summary = gate.summary()
    _say(progress, f"publication gate: {summary['primary']} small, {summary['complementary']} complementary and "
                   f"{summary['derived']} derived cells hidden; audit of {summary['audited']} cells passed")
    return gate


def _relative(path, start) -> str:
    """`path` relative to `start` (POSIX separators), so no machine path reaches an executed notebook."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def scrub_paths(path: Path, *, root: Path, notebooks: Path | None = None) -> None:
    """Remove machine paths from a file under ``reports/`` (an executed notebook, a JSON file).

    The folder of the source notebooks becomes ``notebooks``, the project root ``.``,
    the user's home folder ``~`` and the host name ``<host>``; papermill's record of
    the environment and the clock times of the run are dropped, so two runs from the
    same inputs give the same notebook.

    Parameters
    ----------
    path : Path
        File to rewrite in place (UTF-8 text).
    root : Path
        The project root.
    notebooks : Path, optional
        The folder the source notebooks came from (default ``root / "notebooks"``).
    """
    import socket

    text = path.read_text(encoding="utf-8")
    source = Path(notebooks) if notebooks is not None else Path(root) / "notebooks"
    replacements = [(str(source.resolve()), "notebooks"), (str(source), "notebooks"),
                    (str(Path(root).resolve()), "."), (str(Path(root)), "."), (str(Path.home()), "~")]
    host = socket.gethostname()
    for old, new in replacements:
        if old and old not in ("/", "."):
            text = text.replace(old + "/", new + "/").replace(old, new)
    if host and len(host) >= 4:
        text = text.replace(host, "<host>")
    if path.suffix == ".ipynb":
        nb = json.loads(text)
        papermill = nb.get("metadata", {}).get("papermill", {})
        for key in ("environment_variables", "start_time", "end_time", "duration"):
            papermill.pop(key, None)  # environment and clock times: the manifest keeps the timings
        for cell in nb.get("cells", []):
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"  # papermill gives this cell a random id on every run
            cell.get("metadata", {}).pop("execution", None)
            for key in ("start_time", "end_time", "duration"):
                cell.get("metadata", {}).get("papermill", {}).pop(key, None)
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def _failed_cell(path: Path, exc) -> str:
    """Where a notebook failed: cell index in the executed notebook, execution count, first line."""
    import nbformat

    try:
        cells = nbformat.read(path, as_version=4).cells
        index = next(i for i, c in enumerate(cells) if c.cell_type == "code"
                     and any(o.get("output_type") == "error" for o in c.get("outputs", [])))
        first = cells[index].source.strip().splitlines()[0][:80]
    except Exception:  # the message must not fail because the notebook is unreadable
        return f"the cell with execution count {exc.exec_count}"
    return f'cell {index} of the executed notebook (execution count {exc.exec_count}, starting "{first}")'


def _say(progress, message):
    if progress:
        print(f"[report] {message}", file=sys.stderr, flush=True)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def build_report(study, *, lang: str | None = None, formats=("html",), progress: bool = True, force_import: bool = False,
                 notebooks_dir=None) -> dict:
    """Build a study's learning report.

    Parameters
    ----------
    study : Study or path-like
        The study or the path of its YAML file.
    lang : str
        One of the study's report languages (``report.languages``).
        Report language.
    formats : iterable of {"html", "docx", "pdf"}
        Outputs besides the executed notebooks; HTML is always made (the others derive from it).
    progress : bool
        Show progress (notebook cells, steps) on standard error.
    force_import : bool
        Re-import even if the raw files did not change.
    notebooks_dir : path-like, optional
        Folder with the ``NN-name.ipynb`` notebooks (default: the project's ``notebooks/``).

    Returns
    -------
    dict
        Paths of everything written (``html``, ``docx``, ``pdf``, ``notebooks``, ``manifest``) and timings.

    Raises
    ------
    ReportError
        A notebook cell failed (the message names notebook and cell; the executed
        notebook is kept), or an export failed. Also raised before anything runs when
        ``pdf`` is asked for and WeasyPrint's system libraries are missing (the message
        names the Debian package; ``make setup-system`` installs them).
    PreflightError
        :func:`evaluation.preflight.check_study` found errors (configuration, raw files,
        columns, margins, interview cases): raised before the import, with every error.

    Examples
    --------
    >>> out = build_report("config/studies/noorderbeekdwarsstraat-demo.yml", lang="en")  # doctest: +SKIP
    >>> out["html"].name  # doctest: +SKIP
    'learning-report.en.html'
    """
    import papermill as pm

    from .export import assemble_html, export_docx, export_pdf, pdf_support_problem

    if not isinstance(study, Study):
        study = load_study(study)
    from .i18n import check_lang, t, use_locales

    use_locales(study.locales)
    lang = lang or study.languages[0]
    if lang not in study.languages:
        raise ValueError(f"lang={lang!r} is not a report language of this study; use one of "
                         f"{', '.join(study.languages)} (report.languages in {study.path.name})")
    check_lang(lang)
    formats = tuple(dict.fromkeys(("html", *formats)))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    if "pdf" in formats and (problem := pdf_support_problem()):
        raise ReportError(problem)  # before minutes of notebooks, not after them
    from ..preflight import PreflightError, check_study

    problems = check_study(study)  # everything the preflight can see fails here, not inside a notebook
    if (problems["severity"] == "error").any():
        raise PreflightError(study.path, problems)
    timings = {}
    started = time.perf_counter()
    info = import_study(study, force=force_import, progress=progress)
    timings["import"] = round(time.perf_counter() - started, 2)

    gate = _publication_gate(study, progress)
    timings["results"] = round(time.perf_counter() - started - timings["import"], 2)

    paths = report_paths(study, lang)
    for key in ("notebooks", "tables", "figures"):
        paths[key].mkdir(parents=True, exist_ok=True)
    # Appendix A lists the tables of this build only
    (paths["tables"] / f"_published.{lang}.json").unlink(missing_ok=True)
    marker = build_marker(study, lang)
    if marker.exists():
        _say(progress, f"the previous {lang} build did not finish ({marker.name} is there); building it again in full")
    marker.write_text(json.dumps({"lang": lang, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                  "formats": list(formats)}), encoding="utf-8")
    for fmt in FORMATS:  # no finished report of an earlier build beside the new notebooks and tables
        paths[fmt].unlink(missing_ok=True)
    root = _project_root(study.path)
    notebooks = notebook_paths(notebooks_dir or root / "notebooks")
    _ensure_kernel()
    kernel_config = _kernel_config()
    # kernels run in the project root, so the parameters can be relative paths (no machine path in the notebooks)
    parameters = {"study": _relative(study.path, root), "lang": lang, "output_dir": _relative(paths["dir"], root)}
    source_dir = notebooks[0].parent
    executed = []
    for index, notebook in enumerate(notebooks, 1):
        target = paths["notebooks"] / notebook.name
        _say(progress, f"notebook {index}/{len(notebooks)}: {notebook.name}")
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(notebook), str(target), parameters=parameters, kernel_name=KERNEL_NAME,
                progress_bar=progress, cwd=str(root), log_output=False, config=kernel_config,
                kernel_manager_class=_kernel_manager_class(),
            )
        except pm.PapermillExecutionError as exc:
            where = _failed_cell(target, exc)
            scrub_paths(target, root=root, notebooks=source_dir)
            raise ReportError(
                f"notebook {notebook.name} failed in {where}: {exc.ename}: {exc.evalue}\n"
                f"The executed notebook is kept for inspection: {target}"
            ) from None
        timings[notebook.name] = round(time.perf_counter() - t0, 2)
        scrub_paths(target, root=root, notebooks=source_dir)
        executed.append(target)

    title = study.title.get(lang, study.id)
    banner = t("synthetic_banner", lang) if study.synthetic else None
    t0 = time.perf_counter()
    # every output is written under a temporary name and renamed when complete
    staged = {fmt: paths[fmt].with_name(f".{paths[fmt].name}.partial") for fmt in formats}
    assemble_html(executed, title=title, lang=lang, out_path=staged["html"], banner=banner)
    if "docx" in formats:
        export_docx(staged["html"], staged["docx"], banner=banner, toc_text=t("toc_update", lang))
    if "pdf" in formats:
        export_pdf(staged["html"], staged["pdf"])
    outputs = {}
    for fmt in formats:
        staged[fmt].replace(paths[fmt])
        outputs[fmt] = paths[fmt]
    timings["export"] = round(time.perf_counter() - t0, 2)
    timings["total"] = round(time.perf_counter() - started, 2)

    manifest_path = paths["manifest"]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}

    def rel(p):
        p = Path(p)
        if not p.is_absolute():
            return p.as_posix()
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name

    manifest.update({"study": study.id, "synthetic": study.synthetic, "versions": _versions()})
    manifest.setdefault("builds", {})[lang] = {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "parameters": {"study": rel(study.path), "lang": lang, "formats": list(formats), "kernel": KERNEL_NAME},
        "inputs": {rel(p): h for p, h in info["inputs"].items()},
        "import_skipped": info.get("skipped", False),
        "notebooks": [rel(p) for p in executed],
        "outputs": {fmt: {"path": rel(p), "sha256": file_sha256(p)} for fmt, p in outputs.items()},
        "timings_seconds": timings,
        "publication_gate": gate.summary(),
    }
    partial = manifest_path.with_name(f".{manifest_path.name}.partial")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(manifest_path)
    marker.unlink(missing_ok=True)  # the build is complete
    _say(progress, f"done in {timings['total']} s")
    return {**outputs, "notebooks": executed, "manifest": manifest_path, "timings": timings}
