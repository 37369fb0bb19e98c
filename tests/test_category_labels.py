"""Category labels of background variables: the instrument's, else the SPSS file's value labels, never raw ids."""

import pandas as pd
import yaml

import evaluation as ev
from evaluation.demo import write_shape_study
from evaluation.importer import load_processed
from evaluation.report.nb import ReportContext


def test_spss_value_labels_name_categories_the_instrument_leaves_unlabelled(tmp_path):
    study_path = write_shape_study(tmp_path, "en-7point-spss")
    instrument = (study_path.parent / yaml.safe_load(study_path.read_text())["instrument"]).resolve()
    data = yaml.safe_load(instrument.read_text(encoding="utf-8"))
    tenure = data["background"]["tenure"]["codes"]
    tenure[1] = {"id": "owner"}                          # no label: the file's value label is used
    tenure[2] = {"id": "social_rent"}
    tenure[3]["en"] = "Renting privately"                # the instrument's own label wins over the file's
    instrument.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    ev.import_study(study_path, progress=False)
    study = ev.load_study(study_path)
    labels = load_processed(study, "category_labels")
    assert labels.to_dict("records") == [
        {"variable": "tenure", "category": "owner", "label": "Owner-occupier"},
        {"variable": "tenure", "category": "social_rent", "label": "Housing association tenant"}]
    ctx = ReportContext(study, "en", tmp_path / "reports")
    assert ctx.category_label("tenure", "owner") == "Owner-occupier"
    assert ctx.category_label("tenure", "social_rent") == "Housing association tenant"
    assert ctx.category_label("tenure", "private_rent") == "Renting privately"
    assert ctx.category_label("age_group", "65+") == "65 and over"


def test_csv_studies_have_no_file_labels(tmp_path):
    study_path = write_shape_study(tmp_path, "no-margins")
    ev.import_study(study_path, progress=False)
    labels = load_processed(ev.load_study(study_path), "category_labels")
    assert isinstance(labels, pd.DataFrame) and labels.empty and list(labels.columns) == ["variable", "category",
                                                                                        "label"]
