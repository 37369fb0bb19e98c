"""A papermill engine that runs a report language's notebooks in one warm kernel.

A fresh kernel per notebook costs a kernel start, the import of the analysis stack
(pandas, statsmodels, seaborn, the package) and a shutdown: about 3.5 s, nine times
per language. :class:`WarmKernel` starts one kernel per language and imports the
stack once, while the build computes the results; the engine registered as
``evaluation-warm`` then runs each notebook through papermill as usual (parameters
injected, outputs written cell by cell, a failing cell marked) against that kernel.

Before every notebook the kernel is put back into the state of a fresh kernel whose
imports are done, so nothing of one notebook reaches the next:

- the user namespace is emptied and the execution counter starts at 1 again
  (``InteractiveShell.reset(new_session=True)``; imported modules stay imported);
- open figures are closed and matplotlib's settings restored to those after the imports;
- the warning filters are restored and the "shown once" registries cleared, so a
  warning appears in every notebook that triggers it, as with a fresh kernel;
- the working directory is restored.

The reset runs silently (no output, no history, no execution count). A notebook
that needs a kernel of its own can still be run with the default papermill engine
(``build_report(..., warm_kernel=False)``); the test suite checks that both give
the same bytes.
"""
from __future__ import annotations

import time

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

__all__ = ["ENGINE_NAME", "WarmKernel", "WarmKernelEngine", "KernelStartError"]

ENGINE_NAME = "evaluation-warm"

#: Imported once per kernel, before the first notebook (what every notebook's setup cell imports).
WARM_MODULES = (
    "pandas", "numpy", "scipy.stats", "statsmodels.api", "statsmodels.formula.api", "seaborn",
    "matplotlib.pyplot", "IPython.display", "evaluation", "evaluation.plots", "evaluation.report.nb",
    "evaluation.report.narrative", "evaluation.report.conclusions", "evaluation.report.texts",
)

_STATE = "_evaluation_warm_kernel"

# Runs once in the kernel, silently: import the stack, then remember the state a fresh kernel has at
# this point (after its imports), in a module outside the user namespace.
_WARM_UP = """
def _evaluation_warm_up(modules):
    import importlib, os, sys, types, warnings
    failed = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the notebook that imports it will show the error in its own cell
            failed[name] = repr(exc)
    state = types.ModuleType("%(state)s")
    state.failed = failed
    state.cwd = os.getcwd()
    state.filters = list(warnings.filters)
    state.rc = None
    if "matplotlib" in sys.modules:
        import matplotlib
        state.rc = {k: v for k, v in dict.items(matplotlib.rcParams) if k not in ("backend", "backend_fallback")}

    def reset():
        ip = get_ipython()
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        ip.reset(new_session=True)  # empty namespace, history and output cache; execution count 1
        os.chdir(state.cwd)
        if state.rc is not None:
            import matplotlib
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matplotlib.rcParams.update(state.rc)
        warnings.filters[:] = state.filters
        warnings._filters_mutated()  # forget which warnings were already shown
        warnings.onceregistry.clear()
        import gc
        gc.collect()

    state.reset = reset
    sys.modules["%(state)s"] = state


_evaluation_warm_up(%(modules)r)
del _evaluation_warm_up
"""

_RESET = f"__import__('sys').modules[{_STATE!r}].reset()"


class KernelStartError(RuntimeError):
    """The warm kernel could not be started or prepared."""


def _wait_reply(kc, km, msg_id: str, timeout: float, what: str) -> dict:
    """Wait for the shell reply to ``msg_id``; fail early when the kernel died."""
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            raise KernelStartError(f"the kernel did not finish {what} within {timeout:.0f} s")
        try:
            msg = kc.get_shell_msg(timeout=0.5)
        except Exception:  # queue.Empty: nothing yet
            if not km.is_alive():
                raise KernelStartError(f"the kernel died while {what}") from None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg["content"]


class WarmKernel:
    """One kernel kept alive across a language's notebooks.

    Parameters
    ----------
    kernel_name : str
        The Jupyter kernel (``evaluation``).
    cwd : str
        Working directory of the kernel (the project root).
    config : traitlets Config
        Kernel manager configuration (IPC transport).
    manager_class : type
        The kernel manager class.

    Notes
    -----
    :meth:`start` returns at once: the kernel imports the stack in its own process
    while the caller works on. :meth:`wait_ready` waits for that; :meth:`shutdown`
    ends the kernel.
    """

    def __init__(self, kernel_name: str, *, cwd: str, config=None, manager_class=None, startup_timeout: float = 180):
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.config = config
        self.manager_class = manager_class
        self.startup_timeout = startup_timeout
        self.km = None
        self._kc = None
        self._warm_id = None
        self.ready = False
        self.import_failures: dict = {}

    def start(self) -> "WarmKernel":
        from jupyter_client.manager import KernelManager

        cls = self.manager_class or KernelManager
        kwargs = {"kernel_name": self.kernel_name}
        if self.config is not None:
            kwargs["config"] = self.config
        self.km = cls(**kwargs)
        # as nbclient starts a kernel for papermill: IPython history in memory only
        self.km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=self.cwd)
        self._kc = self.km.client()
        self._kc.start_channels()
        code = _WARM_UP % {"state": _STATE, "modules": WARM_MODULES}
        self._warm_id = self._kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        return self

    def wait_ready(self) -> None:
        """Wait until the kernel has imported the stack (once)."""
        if self.ready:
            return
        if self.km is None:
            self.start()
        try:
            reply = _wait_reply(self._kc, self.km, self._warm_id, self.startup_timeout, "importing the analysis stack")
            if reply.get("status") != "ok":
                raise KernelStartError(f"preparing the kernel failed: {reply.get('ename')}: {reply.get('evalue')}")
        finally:
            self._kc.stop_channels()
            self._kc = None
        self.ready = True

    def shutdown(self) -> None:
        """End the kernel (a clean shutdown request; no interrupt first)."""
        km, self.km = self.km, None
        if self._kc is not None:
            try:
                self._kc.stop_channels()
            except Exception:
                pass
            self._kc = None
        if km is None:
            return
        try:
            if km.is_alive():
                km.shutting_down = True  # the pipeline's manager skips the interrupt before a shutdown
                km.shutdown_kernel(now=False)
        except Exception:  # already gone
            pass
        finally:
            try:
                km.cleanup_resources()
            except Exception:
                pass


class _WarmClient(PapermillNotebookClient):
    """papermill's notebook client, with a reset of the warm kernel before the first cell."""

    def papermill_execute_cells(self):
        msg_id = self.kc.execute(_RESET, silent=True, store_history=False, allow_stdin=False)
        reply = self.wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            raise KernelStartError(f"resetting the kernel before {self.nb_man.output_path} failed: "
                                   f"{content.get('ename')}: {content.get('evalue')}")
        super().papermill_execute_cells()


class WarmKernelEngine(NBClientEngine):
    """papermill engine ``evaluation-warm``: execute a notebook in a :class:`WarmKernel`.

    Pass the kernel as ``warm_kernel=`` to :func:`papermill.execute_notebook`; without
    it the notebook runs in a fresh kernel as with papermill's default engine.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, warm_kernel=None, **kwargs):
        if warm_kernel is None:
            return super().execute_managed_notebook(
                nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                start_timeout=start_timeout, execution_timeout=execution_timeout, **kwargs)
        warm_kernel.wait_ready()
        for unused in ("input_path", "timeout", "startup_timeout", "kernel_manager_class", "km"):
            kwargs.pop(unused, None)
        client = _WarmClient(
            nb_man, km=warm_kernel.km, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=_logger(), log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file, **kwargs)
        try:
            return client.execute()
        finally:
            if client.kc is not None:  # the kernel stays; this notebook's connection to it closes
                client.kc.stop_channels()
                client.kc = None


def _logger():
    from papermill.log import logger

    return logger


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
