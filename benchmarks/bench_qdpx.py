"""Time and peak memory of ``read_codings`` on a 50 MB REFI-QDA project (2,000 documents, 200,000 codings).

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/bench_qdpx.py
    .venv/bin/python benchmarks/bench_qdpx.py --documents 200 --codings 20000 --repeat 1

A synthetic project is written to a temporary folder (deterministic for a given seed): 2,000
interview transcripts of about 40,000 characters each (Dutch-looking words, accented letters,
some emoji outside the Basic Multilingual Plane, LF line breaks), a three-level codebook of 240
codes, 4 coders, 500 cases, 3 document sets and 200,000 codings on about 120,000
``PlainTextSelection`` elements (1 to 3 codings each), with positions in UTF-16 code units (as
Windows tools write them) and selection names as ATLAS.ti writes them (the quotation,
abbreviated with "..."). The archive is about 50 MB on disk, its project XML about 45 MB.

Each repeat reads the project in a fresh Python process, so its peak resident memory (``VmHWM``
of ``/proc/self/status``; ``ru_maxrss`` where there is no ``/proc``) is its own: the figure
reported is the peak of the whole process (imports included) and, separately, its growth
during the call. Time is the
best of ``--repeat`` fresh-process reads. The result is checked: every coding read, positions
detected as UTF-16, every segment's text equal to its slice of the document text.

``--baseline REV`` also times the reader as it is in git revision ``REV`` (its ``src/`` exported
to a temporary folder), the runs of both alternating, so that both see the same machine load;
e.g. ``--baseline 31fbf66`` for the reader before it streamed.

The floor is what any reader built on the same secure parser pays, measured the same way:
decompress and decode every source file and run defusedxml's ``iterparse`` over the project
XML without keeping or reading anything.

Goal (issue 13): at most 10 s and 1 GB. Results go to ``benchmarks/results/bench_qdpx.json``.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS, GOAL_BYTES = 10.0, 1e9
NAMESPACE = "urn:QDA-XML:project:1.0"

#: the peak-memory helper every child process starts with (braces doubled for str.format)
PEAK_RSS = (Path(__file__).with_name("_peak_rss.py").read_text(encoding="utf-8")
            .replace("{", "{{").replace("}", "}}"))

CHILD = PEAK_RSS + r"""
import json, resource, sys, time, warnings
sys.path.insert(0, {src!r})
import pandas, numpy
import evaluation.readers.codings
from evaluation.readers.codings import read_codings
base = peak_rss()
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    codings = read_codings({path!r})
seconds = time.perf_counter() - t0
peak = peak_rss()
seg, docs = codings.segments, codings.documents
texts = dict(zip(docs["document"], docs["text"]))
sliced = all(t == texts[d][s:e] for d, s, e, t in zip(seg["document"], seg["start"], seg["end"], seg["text"]))
print(json.dumps({{"seconds": seconds, "peak_rss_bytes": peak, "rss_growth_bytes": peak - base,
                  "segments": len(seg), "documents": len(docs), "codes": len(codings.codebook),
                  "position_unit": codings.info["position_unit"], "decided": codings.info["position_unit_decided"],
                  "warnings": len(codings.info["warnings"]), "texts_match_slices": bool(sliced),
                  "module": evaluation.readers.codings.__file__}}))
"""

_SYLLABLES = ("ba", "be", "bu", "da", "de", "do", "ge", "gi", "ha", "he", "ka", "ke", "ko", "la", "le", "li",
              "ma", "me", "mo", "na", "ne", "no", "pa", "pe", "ra", "re", "ro", "sa", "se", "so", "ta", "te",
              "ti", "va", "ve", "vo", "wa", "we", "za", "ze", "ij", "ou", "ui", "aa", "oe", "ee", "é", "ë")
_EXTRAS = ("🙂", "😀", "👍🏽", "café", "één", "coöperatie", "€")


def _vocabulary(rng: np.random.Generator, size: int = 6000) -> list[str]:
    words = set()
    while len(words) < size:
        k = int(rng.integers(1, 5))
        words.add("".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), k)))
    vocab = sorted(words)
    rng.shuffle(vocab)
    return vocab


def _document_text(rng: np.random.Generator, vocab: list[str], n_chars: int, emoji: bool) -> str:
    m = int(n_chars / 5.0) + 40  # more words than needed (mean word + space is about 6 characters)
    words = [vocab[i] for i in rng.integers(0, len(vocab), m)]
    lengths = rng.integers(5, 20, m // 5 + 1)
    paragraph = rng.random(len(lengths)) < 0.15
    extra = rng.integers(0, len(_EXTRAS), len(lengths))
    extra[rng.random(len(lengths)) >= (0.05 if emoji else 0.0)] = -1
    sentences, total, pos = [], 0, 0
    for length, new_paragraph, e in zip(lengths.tolist(), paragraph.tolist(), extra.tolist()):
        sentence = words[pos:pos + length]
        pos += length
        if total >= n_chars or not sentence:
            break
        sentence[0] = sentence[0].capitalize()
        if e >= 0:
            sentence.append(_EXTRAS[e])
        text = " ".join(sentence) + (".\n" if new_paragraph else ". ")
        sentences.append(text)
        total += len(text)
    return "".join(sentences)


def _utf16_offsets(text: str) -> np.ndarray:
    """UTF-16 offset of every code-point boundary of ``text``."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    return np.concatenate(([0], np.cumsum(1 + (points > 0xFFFF))))


def _quote_name(selected: str) -> str:
    squashed = " ".join(selected.split())
    name = squashed if len(squashed) <= 30 else squashed[:27].rstrip() + "..."
    return name.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def write_project(path: Path, *, documents: int = 2000, codings: int = 200_000, chars: int = 40_000,
                  seed: int = 20240501) -> dict:
    """Write a synthetic ``.qdpx`` and return what reading it must give.

    Returns a dict with ``codings`` (CodeRefs written), ``segments`` (distinct
    (document, start, end, code, coder)), ``selections``, ``documents``, ``codes``,
    ``xml_bytes`` and ``file_bytes``.
    """
    rng = np.random.default_rng(seed)
    guid = uuid.UUID(int=int(rng.integers(0, 2**63))).hex  # only seeds the sequence below
    counter = iter(range(10**12))

    def new_guid() -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guid}{next(counter)}"))

    vocab = _vocabulary(rng)
    users = [(new_guid(), f"coder {c}") for c in "ABCD"]
    codes, code_xml = [], []
    for i in range(8):
        g = new_guid()
        code_xml.append(f'<Code guid="{g}" name="theme {i}" isCodable="false" color="#{i * 30:02x}aa00">'
                        f"<Description>Theme {i} of the pilot</Description>")
        for j in range(5):
            g2 = new_guid()
            code_xml.append(f'<Code guid="{g2}" name="topic {i}.{j}" isCodable="true">')
            codes.append(g2)
            for k in range(5):
                g3 = new_guid()
                code_xml.append(f'<Code guid="{g3}" name="detail {i}.{j}.{k}" isCodable="true"/>')
                codes.append(g3)
            code_xml.append("</Code>")
        code_xml.append("</Code>")
    per_doc = np.full(documents, codings // documents)
    per_doc[: codings % documents] += 1
    doc_guids = [new_guid() for _ in range(documents)]
    files, source_xml = [], []
    seen, n_selections, n_codings = set(), 0, 0
    for d in range(documents):
        n = int(rng.integers(int(chars * 0.6), int(chars * 1.4)))
        text = _document_text(rng, vocab, n, emoji=bool(d % 3 == 0))
        files.append((f"sources/{doc_guids[d]}.txt", text.encode("utf-8")))
        table = _utf16_offsets(text)
        spaces = np.flatnonzero(np.frombuffer(text.encode("utf-32-le"), dtype="<u4") == 32)
        parts = [f'<TextSource guid="{doc_guids[d]}" name="interview {d + 1:04d}" '
                 f'plainTextPath="internal://{doc_guids[d]}.txt">']
        left = int(per_doc[d])
        m = left  # at most one selection per coding
        sizes = rng.choice([1, 2, 3], size=m, p=[0.4, 0.4, 0.2])
        starts = spaces[rng.integers(0, len(spaces) - 1, m)] + 1
        lengths = rng.integers(20, 400, m)
        who = rng.integers(0, len(users), m)
        picks = rng.random((m, len(codes))).argsort(axis=1)[:, :3] if m * len(codes) < 5e6 else None
        own_user = rng.random((m, 3)) < 0.1
        for i in range(m):
            if left <= 0:
                break
            k = min(left, int(sizes[i]))
            a = int(starts[i])
            b = min(a + int(lengths[i]), len(text))
            stop = int(spaces[np.searchsorted(spaces, b)]) if b < spaces[-1] else len(text)
            user = users[int(who[i])]
            parts.append(f'<PlainTextSelection guid="{new_guid()}" name="{_quote_name(text[a:stop])}" '
                         f'startPosition="{table[a]}" endPosition="{table[stop]}" creatingUser="{user[0]}">')
            chosen = picks[i] if picks is not None else rng.choice(len(codes), size=3, replace=False)
            for j in range(k):
                code = int(chosen[j])
                by = f' creatingUser="{user[0]}"' if own_user[i, j] else ""
                parts.append(f'<Coding guid="{new_guid()}"{by}><CodeRef targetGUID="{codes[code]}"/></Coding>')
                seen.add((d, a, stop, code, user[1]))
            parts.append("</PlainTextSelection>")
            left -= k
            n_selections += 1
            n_codings += k
        parts.append("</TextSource>")
        source_xml.append("".join(parts))
    cases = "".join(
        f'<Case guid="{new_guid()}" name="R{c + 1:03d}">'
        + "".join(f'<SourceRef targetGUID="{doc_guids[d]}"/>' for d in range(c, documents, 500))
        + "</Case>" for c in range(min(500, documents))
    )
    sets = "".join(
        f'<Set guid="{new_guid()}" name="wave {w}">'
        + "".join(f'<MemberSource targetGUID="{doc_guids[d]}"/>' for d in range(w, documents, 3))
        + "</Set>" for w in range(3)
    )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NAMESPACE}" name="bench" origin="bench_qdpx">'
        "<Users>" + "".join(f'<User guid="{g}" name="{n}"/>' for g, n in users) + "</Users>"
        "<CodeBook><Codes>" + "".join(code_xml) + "</Codes></CodeBook>"
        f"<Cases>{cases}</Cases><Sources>" + "\n".join(source_xml) + f"</Sources><Sets>{sets}</Sets></Project>"
    ).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("project.qde", xml)
        for name, data in files:
            archive.writestr(name, data)
    return {"documents": documents, "codings": n_codings, "selections": n_selections, "segments": len(seen),
            "codes": 8 + len(codes), "xml_bytes": len(xml), "file_bytes": path.stat().st_size,
            "text_bytes": sum(len(data) for _, data in files)}


FLOOR = r"""
import json, sys, time, zipfile
import defusedxml.ElementTree as safe_et
t0 = time.perf_counter()
with zipfile.ZipFile({path!r}) as archive:
    for name in archive.namelist():
        if not name.endswith(".qde"):
            archive.read(name).decode("utf-8-sig")
    with archive.open("project.qde") as handle:
        for event, element in safe_et.iterparse(handle, events=("start", "end"), forbid_dtd=True):
            pass
print(json.dumps({{"seconds": time.perf_counter() - t0}}))
"""


def run_floor(path: Path) -> dict:
    """What any reader on the secure parser pays: unzip and decode every source, iterparse the XML."""
    proc = subprocess.run([sys.executable, "-c", FLOOR.format(path=str(path))], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_read(path: Path, src: Path = ROOT / "src") -> dict:
    """Read ``path`` with the package in ``src`` in a fresh Python process; time, memory, checks."""
    code = CHILD.format(src=str(src), path=str(path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export_src(revision: str, into: Path) -> Path:
    """The ``src/`` folder of git revision ``revision``, exported under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--chars", type=int, default=40_000, help="mean characters per document")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", metavar="REV", help="also time the reader of git revision REV")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/bench_qdpx.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="evaluation-bench-qdpx-"))
    baseline_runs = []
    try:
        path = work / "bench.qdpx"
        t0 = time.perf_counter()
        written = write_project(path, documents=args.documents, codings=args.codings, chars=args.chars)
        print(f"wrote {path.name}: {written['file_bytes'] / 1e6:.1f} MB on disk, XML {written['xml_bytes'] / 1e6:.1f} MB,"
              f" texts {written['text_bytes'] / 1e6:.1f} MB; {written['documents']} documents,"
              f" {written['codings']} codings on {written['selections']} selections"
              f" ({time.perf_counter() - t0:.1f} s)", flush=True)
        baseline_src = export_src(args.baseline, work / "baseline") if args.baseline else None
        runs, floors = [], []
        for _ in range(max(args.repeat, 1)):
            runs.append(run_read(path))
            floors.append(run_floor(path))
            if baseline_src:
                baseline_runs.append(run_read(path, baseline_src))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    good = [r for r in runs if "error" not in r]
    row = {"project": written, "runs": runs}
    floor_ok = [f["seconds"] for f in floors if "error" not in f]
    if floor_ok:
        row["floor_seconds"] = min(floor_ok)
        print(f"floor (unzip + decode the sources, iterparse the XML, nothing kept): {row['floor_seconds']:.2f} s"
              f" (best of {len(floor_ok)})", flush=True)
    if args.baseline:
        row["baseline"] = {"revision": args.baseline, "runs": baseline_runs}
        ok = [r for r in baseline_runs if "error" not in r]
        if ok:
            b_best = min(ok, key=lambda r: r["seconds"])
            row["baseline"].update(seconds=b_best["seconds"], peak_rss_bytes=max(r["peak_rss_bytes"] for r in ok))
            print(f"baseline {args.baseline}: {b_best['seconds']:.2f} s (best of {len(ok)}), peak RSS "
                  f"{row['baseline']['peak_rss_bytes'] / 1e6:.0f} MB; {b_best['segments']} segments", flush=True)
        else:
            print(f"baseline {args.baseline} failed: {baseline_runs[0]['error'] if baseline_runs else '?'}")
    if good:
        best = min(good, key=lambda r: r["seconds"])
        peak = max(r["peak_rss_bytes"] for r in good)
        correct = all(r["segments"] == written["segments"] and r["position_unit"] == "utf16"
                      and r["texts_match_slices"] for r in good)
        if "floor_seconds" in row:
            row["ratio_to_floor"] = best["seconds"] / row["floor_seconds"]
        row.update(seconds=best["seconds"], peak_rss_bytes=peak, correct=correct,
                   meets_goal=bool(best["seconds"] <= GOAL_SECONDS and peak <= GOAL_BYTES and correct))
        print(f"read_codings: {best['seconds']:.2f} s (best of {len(good)}), peak RSS {peak / 1e6:.0f} MB"
              f" (growth {best['rss_growth_bytes'] / 1e6:.0f} MB); {best['segments']} segments,"
              f" unit {best['position_unit']} ({best['decided']}), {best['warnings']} warning(s);"
              f" output {'correct' if correct else 'WRONG'}; goal (<= 10 s, <= 1 GB) "
              + ("met" if row["meets_goal"] else "MISSED"), flush=True)
    else:
        print(f"read_codings failed: {runs[0]['error']}", flush=True)
    out = {"python": platform.python_version(), "machine": platform.machine(),
           "goal": {"seconds": GOAL_SECONDS, "bytes": GOAL_BYTES}, **row, "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()
