"""The HTML report in a real browser (headless Chromium): renders, images load, nothing external,
nothing runs.

A copy of the report gets a strict Content-Security-Policy (only inline styles/scripts and
``data:`` images) plus a small checker script that runs on ``load`` and writes what it found
into the DOM; ``--dump-dom`` returns it. Console messages come from ``--enable-logging``.
The policy allows inline scripts and event handlers on purpose: the checker replaces
``alert``/``confirm``/``prompt``/``print`` with recorders, so markup that slipped into the
report live (``<svg onload=alert(1)>``) would run and be caught, and it lists every
event-handler attribute and ``javascript:`` URL left in the DOM.

Chromium is installed by ``make setup-system`` (root), never by a test.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess

import lxml.html
import matplotlib.image
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from evaluation.report.export import assemble_html

pytestmark = pytest.mark.browser

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=10000",
)
CHECKER = """
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<script>
window.__problems = [];
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { __dialogs.push(name + "(" + args.join(", ") + ")"); return null; };
}
document.addEventListener("securitypolicyviolation", e => __problems.push("blocked " + e.blockedURI));
window.addEventListener("error", e => __problems.push("error " + (e.message || e.target.src || e.target.href)), true);
window.addEventListener("load", () => {
  const images = [...document.images];
  const result = {
    images: images.length,
    broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    problems: __problems,
    toc: document.querySelectorAll("nav.toc a").length,
    missingTargets: [...document.querySelectorAll("a[href^='#']")]
      .filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1)))).map(a => a.hash),
    dialogs: __dialogs,
    handlers: [...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
      .filter(a => a.name.toLowerCase().startsWith("on")).map(a => el.localName + "[" + a.name + "]")),
    scriptUrls: [...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
      .filter(a => /^(javascript|vbscript):/i.test([...a.value].filter(c => c.charCodeAt(0) > 32 && c.charCodeAt(0) !== 127).join("")))
      .map(a => el.localName + "[" + a.name + "]")),
  };
  const out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>
"""
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]\s*(.*)")


def ensure_chromium() -> str:
    """Path to Chromium. Installing it is `make setup-system`'s job (as root), never a test's.

    Locally a missing Chromium skips the browser tests with the command that installs it;
    in CI (``CI=true``, where `.ci/run` runs `make setup-system` first) it fails them, so a
    broken setup cannot pass as skipped tests.
    """
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    message = ("Chromium is not installed (looked for " + ", ".join(CHROMIUM_NAMES) + " on PATH); "
               "install it with `make setup-system` (needs root: Debian package chromium)")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + ". In CI, .ci/run must run `make setup-system` before the tests.")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    return ensure_chromium()


def run_chromium(chromium, tmp_path, url, *extra):
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def browser_check(chromium, tmp_path, html_path):
    """Load ``html_path`` with the checker injected; return (result dict, console messages)."""
    page = html_path.read_text(encoding="utf-8").replace("<head>", "<head>" + CHECKER, 1)
    probe = html_path.with_name(f"probe-{html_path.name}")
    probe.write_text(page, encoding="utf-8")
    done = run_chromium(chromium, tmp_path, probe.as_uri(), "--dump-dom")
    found = lxml.html.document_fromstring(done.stdout).xpath('//pre[@id="browser-check"]/text()')
    assert found, f"checker did not run; stderr: {done.stderr[-1000:]}"
    console = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE.search(line))]
    return json.loads(found[0]), console


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-report")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["voor", "na"], [3.1, 3.5], color="#0072B2")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    v4 = nbformat.v4
    table = pd.DataFrame({"n": [40, 35]}, index=pd.Index(["koop", "huur"], name="woning")).to_html()
    cells = [
        v4.new_markdown_cell("# Samenvatting\n\nDe cohesie steeg.\n\n## Respons"),
        v4.new_code_cell(
            "fig",
            outputs=[
                v4.new_output(
                    "display_data",
                    data={"image/png": base64.b64encode(buffer.getvalue()).decode("ascii")},
                    metadata={"alt": "Gemiddelde cohesie voor en na"},
                ),
                v4.new_output("execute_result", data={"text/html": table}, execution_count=1),
            ],
        ),
        v4.new_markdown_cell("# Interviews\n\n> Een citaat van een bewoner."),
    ]
    nbformat.write(v4.new_notebook(cells=cells), tmp / "report.ipynb")
    return assemble_html(
        [tmp / "report.ipynb"],
        title="Leerrapport",
        lang="nl",
        out_path=tmp / "learning-report.html",
        banner="Synthetische gegevens",
    )


def test_report_loads_cleanly_in_chromium(chromium, report, tmp_path):
    result, console = browser_check(chromium, tmp_path, report)
    assert result == {"images": 1, "broken": [], "problems": [], "toc": 3, "missingTargets": [],
                      "dialogs": [], "handlers": [], "scriptUrls": []}
    assert console == []


def test_checker_detects_broken_and_external_resources(chromium, tmp_path):
    """Negative control: the same harness must flag what the report must never contain."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><script>console.error("console problem")</script></head><body>'
        '<img src="https://example.org/logo.png" alt="external"><img src="missing.png" alt="missing">'
        '<a href="#nowhere">x</a></body></html>',
        encoding="utf-8",
    )
    result, console = browser_check(chromium, tmp_path, bad)
    assert sorted(result["broken"]) == ["external", "missing"]
    assert any("example.org" in p for p in result["problems"])
    assert result["missingTargets"] == ["#nowhere"]
    assert any("console problem" in message for message in console)


def test_checker_detects_live_markup(chromium, tmp_path):
    """Negative control for the injection checks: live handlers run, and are listed with script URLs."""
    bad = tmp_path / "live.html"
    bad.write_text(
        '<!DOCTYPE html><html><head></head><body><p>Visible <a href="javascript:alert(1)">click</a>'
        '<svg onload="alert(2)"></svg></p><img src="data:," alt="x" onerror="alert(3)"></body></html>',
        encoding="utf-8",
    )
    result, _ = browser_check(chromium, tmp_path, bad)
    assert "alert(2)" in result["dialogs"] and "alert(3)" in result["dialogs"]
    assert sorted(result["handlers"]) == ["img[onerror]", "svg[onload]"]
    assert result["scriptUrls"] == ["a[href]"]


def test_screenshot_is_not_blank(chromium, report, tmp_path):
    shot = tmp_path / "report.png"
    run_chromium(chromium, tmp_path, report.as_uri(), f"--screenshot={shot}", "--window-size=1024,1400")
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (1400, 1024)
    ink = (pixels.mean(axis=2) < 0.9).mean()  # share of clearly non-white pixels
    assert 0.01 < ink < 0.6
    assert pixels.std() > 0.05
