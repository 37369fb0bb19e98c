"""Marks in published tables say what they mean, and the import's findings reach Appendix A (report.nb, narrative)."""
from types import SimpleNamespace

import pandas as pd

from evaluation.report import narrative
from evaluation.report.nb import ReportContext


def _ctx(tmp_path, lang="en"):
    study = SimpleNamespace(min_cell=10, round_to=None, confidence=0.95, processed_dir=tmp_path / "processed")
    return ReportContext(study, lang, tmp_path / "reports")


def test_marks_are_true_for_every_hidden_cell(tmp_path):
    ctx = _ctx(tmp_path)
    true = pd.DataFrame({"n": [3, 12, 40], "share": [0.1, 0.3, 0.6]})
    log = pd.DataFrame({"row": [0, 1, 1, 0], "column": ["n", "n", "share", "share"],
                        "reason": ["primary", "primary", "dependent", "dependent"]})
    marks = ctx._marks(true, log, 10)
    assert marks[0, "n"] == "<10"  # a count below 10
    assert marks[1, "n"] == "·"  # hidden for another reason (a whole small group): "<10" would be false
    assert marks[0, "share"] == marks[1, "share"] == "·"  # never "<10" in a share column
    assert "<10: fewer than 10" in ctx._marks_note(marks, 10) and "·: not shown" in ctx._marks_note(marks, 10)
    complementary = ctx._marks(true, pd.DataFrame({"row": [2], "column": ["n"], "reason": ["complementary"]}), 10)
    assert complementary == {(2, "n"): "·"}  # 40 is not "<10"
    assert ctx._marks_note(complementary, 10).startswith("·")


def test_confidence_level_in_labels(tmp_path):
    ctx = _ctx(tmp_path)
    ctx.study.confidence = 0.9
    assert ctx.t("model_ci") == "90% CI"
    assert _ctx(tmp_path, "nl").t("model_ci") == "95%-BI"


def test_validation_findings_are_counted_without_values(tmp_path):
    ctx = _ctx(tmp_path)
    assert narrative.validation_table(ctx).empty
    (tmp_path / "processed").mkdir()
    pd.DataFrame({"file": ["/x/raw/wave1.csv"] * 3 + ["/x/raw/wave2.xlsx"],
                  "row": [4, 9, 12, ""], "column": ["q1", "q1", "q2", "q7"],
                  "value": ["1.250", "2.500", "", ""],
                  "problem": ["looks like a thousands separator: '1.250'", "looks like a thousands separator: '2.500'",
                              "short row (3 fields)", "column is empty in every row"],
                  "expected": ["", "", "", ""], "severity": ["warning", "warning", "warning", "warning"]}
                 ).to_csv(tmp_path / "processed" / "validation.csv", index=False)
    table = narrative.validation_table(ctx)
    assert table.to_dict("records") == [
        {"file": "wave1.csv", "problem": "looks like a thousands separator", "severity": "warning", "n": 2},
        {"file": "wave1.csv", "problem": "short row", "severity": "warning", "n": 1},
        {"file": "wave2.xlsx", "problem": "column is empty in every row", "severity": "warning", "n": 1},
    ]
    assert "1.250" not in table.to_csv() and "4 findings" in narrative.validation_note(table, ctx)


def test_package_texts_hold_none_of_the_example_studys_own_words():
    """Context, research questions, themes and stakeholder groups come from the study's configuration."""
    from evaluation.report.i18n import PACKAGE_LOCALES

    words = ["Noorderbeek", "Den Haag", "Hague", "energietransitie", "energy transition", "digitale veiligheid",
             "klimaatadaptatie", "ondernemer", "entrepreneur", "gemeentemedewerker", "municipal staff",
             "woonvorm", "tenure", "koopwoning", "owner-occupied", "sociale huur", "social rent"]
    texts = [p.read_text(encoding="utf-8") for p in PACKAGE_LOCALES.glob("*/*.yml")]
    # the report layer's code too (its docstring examples may name the example study's file)
    texts += [p.read_text(encoding="utf-8").replace("noorderbeekdwarsstraat-demo.yml", "")
              for p in (PACKAGE_LOCALES.parent).glob("*.py")]
    assert len(texts) > 8
    found = sorted({w for w in words for text in texts if w.lower() in text.lower()})
    assert found == []


def test_context_and_questions_come_from_the_configuration(tmp_path):
    from markdown_it import MarkdownIt

    ctx = _ctx(tmp_path)
    ctx.study.context = {"en": "A <b>pilot</b> in a square."}
    ctx.study.questions = {"en": ["Did loneliness fall?", "For whom?"]}
    md = MarkdownIt("commonmark", {"html": False})
    assert md.render(narrative.context(ctx)).strip() == "<p>A &lt;b&gt;pilot&lt;/b&gt; in a square.</p>"
    rendered = md.render(narrative.questions(ctx))
    assert "answers 2 questions" in rendered and "<li>Did loneliness fall?</li>" in rendered
    assert "<li>For whom?</li>" in rendered
