"""The report pipeline: import -> papermill-executed notebooks -> HTML/DOCX/PDF + manifest."""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..config import Study, _project_root, load_study
from ..importer import file_sha256, import_study

__all__ = ["build_report", "build_reports", "ReportError", "KERNEL_NAME", "FORMATS", "report_paths", "notebook_paths", "scrub_paths", "build_marker"]

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


def _resolve_langs(study: Study, langs) -> list[str]:
    """The languages asked for: ``None`` or ``"all"`` every report language, else a name, a comma list or a list."""
    if langs is None or langs == "all":
        return list(study.languages)
    if isinstance(langs, str):
        langs = [part.strip() for part in langs.split(",") if part.strip()]
    langs = list(dict.fromkeys(langs))
    if "all" in langs:
        return list(study.languages)
    wrong = [lang for lang in langs if lang not in study.languages]
    if wrong or not langs:
        raise ValueError(f"lang={(wrong or langs or [''])[0]!r} is not a report language of this study; use one of "
                         f"{', '.join(study.languages)} or all (report.languages in {study.path.name})")
    return langs


def _package_fingerprint() -> str:
    """SHA-256 over the package's files (code, language folders, templates), by relative path."""
    digest = hashlib.sha256()
    base = Path(__file__).resolve().parents[1]
    for path in sorted(base.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(path.relative_to(base).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _folder_hashes(folder: Path | None, root: Path) -> dict[str, str]:
    if folder is None or not Path(folder).is_dir():
        return {}
    return {_relative(p, root): file_sha256(p) for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def _build_key(study: Study, lang: str, formats, notebooks: list[Path], root: Path) -> str:
    """What a built report depends on, as one SHA-256: raw and configuration files, the evaluator's text, extra
    language folders, the package's files and the versions of its stack, the notebooks, the language and formats."""
    from ..importer import _input_hashes

    key = {
        "inputs": _input_hashes(study),
        "narrative": _folder_hashes(study.narrative_dir, root),
        "locales": _folder_hashes(study.locales, root),
        "reference_docx": file_sha256(study.reference_docx) if study.reference_docx else None,
        "package": _package_fingerprint(),
        "versions": _versions(),
        "notebooks": {p.name: file_sha256(p) for p in notebooks},
        "lang": lang,
        "formats": sorted(formats),
        "kernel": KERNEL_NAME,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _language_files(study: Study, lang: str, outputs: dict, executed: list, root: Path) -> dict[str, str]:
    """Every file a build in ``lang`` leaves behind, with its SHA-256 (paths relative to the project root)."""
    base = study.reports_dir
    files = [*outputs.values(), *executed]
    files += sorted(p for folder in ("tables", "figures") for p in (base / folder).glob(f"*.{lang}.*"))
    files += sorted(p for p in (base / "narrative-drafts" / lang).rglob("*") if p.is_file())
    return {_relative(p, root): file_sha256(p) for p in files if Path(p).is_file()}


def _unchanged(study: Study, lang: str, key: str, manifest: dict, root: Path) -> dict | None:
    """The manifest's record of ``lang`` when that build had the same key and left every file as recorded."""
    record = manifest.get("builds", {}).get(lang)
    if not record or record.get("build_key") != key or build_marker(study, lang).exists():
        return None
    files = record.get("files") or {}
    if not files or any(fmt not in record.get("outputs", {}) for fmt in record.get("parameters", {}).get("formats", [])):
        return None
    for name, digest in files.items():
        path = root / name
        if not path.is_file() or file_sha256(path) != digest:
            return None
    return record


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def build_report(study, *, lang: str | None = None, formats=("html",), progress: bool = True, force_import: bool = False,
                 notebooks_dir=None, force: bool = False, warm_kernel: bool = True) -> dict:
    """Build a study's learning report in one language.

    Parameters
    ----------
    study : Study or path-like
        The study or the path of its YAML file.
    lang : str
        One of the study's report languages (``report.languages``); default the first.
        :func:`build_reports` builds several (``"all"``) at once.
    formats : iterable of {"html", "docx", "pdf"}
        Outputs besides the executed notebooks; HTML is always made (the others derive from it).
    progress : bool
        Show progress (notebook cells, steps) on standard error.
    force_import : bool
        Re-import even if the raw files did not change (implies ``force``).
    notebooks_dir : path-like, optional
        Folder with the ``NN-name.ipynb`` notebooks (default: the project's ``notebooks/``).
    force : bool
        Build even when nothing changed since the last build (see :func:`build_reports`).
    warm_kernel : bool, default True
        Run the notebooks in one kernel per language (papermill engine ``evaluation-warm``,
        reset between notebooks); ``False`` starts a fresh kernel per notebook.

    Returns
    -------
    dict
        Paths of everything written (``html``, ``docx``, ``pdf``, ``notebooks``, ``manifest``), timings,
        and ``skipped`` (True when the build was unchanged and nothing ran).

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
    if not isinstance(study, Study):
        study = load_study(study)
    lang = lang or study.languages[0]
    if lang not in study.languages:
        raise ValueError(f"lang={lang!r} is not a report language of this study; use one of "
                         f"{', '.join(study.languages)} (report.languages in {study.path.name})")
    return build_reports(study, langs=[lang], formats=formats, progress=progress, force_import=force_import,
                         notebooks_dir=notebooks_dir, force=force, warm_kernel=warm_kernel)[lang]


def build_reports(study, *, langs=None, formats=("html",), progress: bool = True, force_import: bool = False,
                  notebooks_dir=None, force: bool = False, warm_kernel: bool = True, parallel: bool | None = None) -> dict:
    """Build a study's learning report in several languages: the results once, the languages side by side.

    Parameters
    ----------
    study : Study or path-like
        The study or the path of its YAML file.
    langs : None, "all", str or list of str
        Report languages: every language of the study (``None``, ``"all"``), one, a comma-separated
        list or a list.
    formats, progress, force_import, notebooks_dir, warm_kernel
        As for :func:`build_report`.
    force : bool
        Build even when nothing changed. Without it a language whose last build had the same raw
        and configuration files, evaluator's text, language folders, package files and versions,
        notebooks and formats, and whose files are all still as that build wrote them
        (``manifest.json``), is skipped with one line.
    parallel : bool, optional
        Build the languages at the same time (one kernel each); default when more than one
        language is built on a machine with more than one core.

    Returns
    -------
    dict
        Language -> what :func:`build_report` returns for it.

    Notes
    -----
    The preflight, the import and the results (with the publication gate) are done once for
    all languages; meanwhile each language's kernel starts and imports the analysis stack.
    Each language then runs the notebooks in its kernel and exports; outputs of two languages
    are byte for byte those of building them one after the other.

    Examples
    --------
    >>> outs = build_reports("config/studies/noorderbeekdwarsstraat-demo.yml", langs="all",
    ...                      formats=("html", "pdf"))  # doctest: +SKIP
    >>> sorted(outs)  # doctest: +SKIP
    ['en', 'nl']
    """
    from .export import pdf_support_problem

    started = time.perf_counter()
    if not isinstance(study, Study):
        study = load_study(study)
    from .i18n import check_lang, use_locales

    use_locales(study.locales)
    langs = _resolve_langs(study, langs)
    for lang in langs:
        check_lang(lang)
    formats = tuple(dict.fromkeys(("html", *formats)))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    root = _project_root(study.path)
    try:
        notebooks = notebook_paths(notebooks_dir or root / "notebooks")
    except ReportError as exc:  # said after the preflight, which may find more
        notebooks, missing_notebooks = [], exc
    else:
        missing_notebooks = None
    manifest_path = report_paths(study, langs[0])["manifest"]
    manifest = _read_manifest(manifest_path)
    keys = {lang: _build_key(study, lang, formats, notebooks, root) for lang in langs}
    results: dict[str, dict] = {}
    if not (force or force_import or missing_notebooks):
        built_at = []
        for lang in langs:
            record = _unchanged(study, lang, keys[lang], manifest, root)
            if record is not None:
                paths = report_paths(study, lang)
                results[lang] = {**{fmt: paths[fmt] for fmt in record["outputs"]}, "skipped": True,
                                 "notebooks": [root / p for p in record.get("notebooks", [])],
                                 "manifest": manifest_path, "timings": {"total": round(time.perf_counter() - started, 2)}}
                built_at.append(record.get("built_at", "?"))
        if results:
            _say(progress, f"{', '.join(results)}: unchanged since the build of {max(built_at)} (same inputs, "
                           "configuration, code, notebooks, formats and outputs); skipped - use --force to rebuild")
    todo = [lang for lang in langs if lang not in results]
    if not todo:
        return results
    if "pdf" in formats and (problem := pdf_support_problem()):
        raise ReportError(problem)  # before minutes of notebooks, not after them
    if missing_notebooks is not None:
        from ..preflight import PreflightError, check_study

        problems = check_study(study)
        if (problems["severity"] == "error").any():
            raise PreflightError(study.path, problems)
        raise missing_notebooks
    _ensure_kernel()
    kernel_config = _kernel_config()
    manager_class = _kernel_manager_class()
    kernels = {}
    if warm_kernel:
        from .engine import WarmKernel

        for lang in todo:  # they import the stack while the results are computed
            kernels[lang] = WarmKernel(KERNEL_NAME, cwd=str(root), config=kernel_config,
                                       manager_class=manager_class).start()
    try:
        from ..preflight import PreflightError, check_study

        problems = check_study(study)  # everything the preflight can see fails here, not inside a notebook
        if (problems["severity"] == "error").any():
            raise PreflightError(study.path, problems)
        shared = {}
        t0 = time.perf_counter()
        info = import_study(study, force=force_import, progress=progress)
        shared["import"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        gate = _publication_gate(study, progress)
        shared["results"] = round(time.perf_counter() - t0, 2)
        job = _Job(study=study, root=root, notebooks=notebooks, formats=formats, info=info, gate=gate, keys=keys,
                   shared=shared, started=started, manifest_path=manifest_path, kernel_config=kernel_config,
                   manager_class=manager_class, progress=progress)
        if parallel is None:
            parallel = len(todo) > 1 and (os.cpu_count() or 1) > 1
        if not parallel or len(todo) == 1:
            for lang in todo:
                results[lang] = _build_language(job, lang, kernels.get(lang), quiet_cells=False)
        else:
            results.update(_build_parallel(job, todo, kernels))
    finally:
        for kernel in kernels.values():
            kernel.shutdown()
    return {lang: results[lang] for lang in langs}


class _Job:
    """What every language's build shares (set up once by :func:`build_reports`)."""

    def __init__(self, **values):
        self.__dict__.update(values)
        self.export_lock = threading.Lock()  # one export at a time: WeasyPrint and pandoc are not shared safely
        self.manifest_lock = threading.Lock()


def _build_parallel(job: _Job, langs: list[str], kernels: dict) -> dict:
    """Build ``langs`` in threads (each drives its own kernel); raise the first failure after all have ended."""
    from concurrent.futures import ThreadPoolExecutor

    _say(job.progress, f"building {', '.join(langs)} side by side")
    with ThreadPoolExecutor(max_workers=len(langs), thread_name_prefix="report") as pool:
        futures = {lang: pool.submit(_build_language, job, lang, kernels.get(lang), quiet_cells=True) for lang in langs}
        try:
            outcomes = {}
            for lang, future in futures.items():
                try:
                    outcomes[lang] = future.result()
                except BaseException as exc:  # noqa: BLE001 - reported after the other languages ended
                    outcomes[lang] = exc
        except KeyboardInterrupt:
            for kernel in kernels.values():  # the threads' notebooks end when their kernels do
                kernel.shutdown()
            raise
    failures = [(lang, exc) for lang, exc in outcomes.items() if isinstance(exc, BaseException)]
    if failures:
        lang, exc = failures[0]
        done = [other for other in langs if not isinstance(outcomes[other], BaseException)]
        if done and isinstance(exc, ReportError):
            raise ReportError(f"{exc}\n(the {', '.join(done)} report(s) were built)") from None
        raise exc
    return outcomes


def _export_pdf_apart(html: Path, pdf: Path) -> None:
    """:func:`.export.export_pdf` in a Python process of its own (WeasyPrint holds the GIL for seconds)."""
    import subprocess

    code = "import sys\nfrom evaluation.report.export import export_pdf\nexport_pdf(sys.argv[1], sys.argv[2])\n"
    done = subprocess.run([sys.executable, "-c", code, str(html), str(pdf)], capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise ReportError(f"the PDF export of {html.name} failed: {lines[-1] if lines else f'exit {done.returncode}'}")


def _build_language(job: _Job, lang: str, kernel, *, quiet_cells: bool) -> dict:
    """Notebooks and exports of one language; the manifest records it when it is complete."""
    import papermill as pm

    from . import engine  # noqa: F401 - registers the papermill engine
    from .export import assemble_html, export_docx, export_pdf
    from .i18n import t

    study, root, formats, progress = job.study, job.root, job.formats, job.progress
    tag = f"{lang}: " if quiet_cells else ""
    timings = dict(job.shared)
    started = time.perf_counter()
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
    # kernels run in the project root, so the parameters can be relative paths (no machine path in the notebooks)
    parameters = {"study": _relative(study.path, root), "lang": lang, "output_dir": _relative(paths["dir"], root)}
    source_dir = job.notebooks[0].parent
    extra = {"engine_name": "evaluation-warm", "warm_kernel": kernel} if kernel is not None else {}
    if kernel is not None:
        t0 = time.perf_counter()
        kernel.wait_ready()
        timings["kernel_ready"] = round(time.perf_counter() - t0, 2)
    executed = []
    for index, notebook in enumerate(job.notebooks, 1):
        target = paths["notebooks"] / notebook.name
        _say(progress, f"{tag}notebook {index}/{len(job.notebooks)}: {notebook.name}")
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(notebook), str(target), parameters=parameters, kernel_name=KERNEL_NAME,
                progress_bar=progress and not quiet_cells, cwd=str(root), log_output=False,
                config=job.kernel_config, kernel_manager_class=job.manager_class, **extra,
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
    if kernel is not None:  # its work is done; end it while this language exports
        threading.Thread(target=kernel.shutdown, daemon=True).start()

    title = study.title.get(lang, study.id)
    banner = t("synthetic_banner", lang) if study.synthetic else None
    # every output is written under a temporary name and renamed when complete
    staged = {fmt: paths[fmt].with_name(f".{paths[fmt].name}.partial") for fmt in formats}
    t0 = time.perf_counter()
    with job.export_lock:
        _say(progress, f"{tag}exporting {', '.join(formats)}")
        assemble_html(executed, title=title, lang=lang, out_path=staged["html"], banner=banner)
        if "docx" in formats:
            export_docx(staged["html"], staged["docx"], banner=banner, toc_text=t("toc_update", lang),
                        reference_docx=study.reference_docx)
        if "pdf" in formats and not quiet_cells:
            export_pdf(staged["html"], staged["pdf"])
    if "pdf" in formats and quiet_cells:  # languages side by side: each PDF on a core of its own
        _export_pdf_apart(staged["html"], staged["pdf"])
    timings["export"] = round(time.perf_counter() - t0, 2)
    outputs = {}
    for fmt in formats:
        staged[fmt].replace(paths[fmt])
        outputs[fmt] = paths[fmt]
    timings["language"] = round(time.perf_counter() - started, 2)
    timings["total"] = round(time.perf_counter() - job.started, 2)

    def rel(p):
        p = Path(p)
        if not p.is_absolute():
            return p.as_posix()
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name

    record = {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "parameters": {"study": rel(study.path), "lang": lang, "formats": list(formats), "kernel": KERNEL_NAME},
        "inputs": {rel(p): h for p, h in job.info["inputs"].items()},
        "import_skipped": job.info.get("skipped", False),
        "notebooks": [rel(p) for p in executed],
        "outputs": {fmt: {"path": rel(p), "sha256": file_sha256(p)} for fmt, p in outputs.items()},
        "build_key": job.keys[lang],
        "files": _language_files(study, lang, outputs, executed, root),
        "timings_seconds": timings,
        "publication_gate": job.gate.summary(),
    }
    manifest_path = job.manifest_path
    with job.manifest_lock:
        manifest = _read_manifest(manifest_path)
        manifest.update({"study": study.id, "synthetic": study.synthetic, "versions": _versions()})
        manifest.setdefault("builds", {})[lang] = record
        partial = manifest_path.with_name(f".{manifest_path.name}.{lang}.partial")
        partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        partial.replace(manifest_path)
    marker.unlink(missing_ok=True)  # the build is complete
    _say(progress, f"{tag}done in {timings['total']} s")
    return {**outputs, "notebooks": executed, "manifest": manifest_path, "timings": timings, "skipped": False}
