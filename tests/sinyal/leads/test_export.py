"""`sinyal leads export` as a user runs it: CSV to stdout, xlsx to a file, on both databases;
and prospects' text that looks like a formula stays text in both."""

import csv
import io
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy.engine import URL

from sinyal.leads.export import export_leads
from sinyal.store import Store
from sinyal.store.models import Consultant
from tests.support.factories import add_lead
from tests.support.sinyal_command import isolated_env, run_sinyal


def test_csv_and_xlsx_hold_every_lead_with_answers_and_contact(
    store: Store, database_url: URL, tmp_path: Path
) -> None:
    with store.transaction() as s:
        consultant = Consultant(name="Dewi")
        s.add(consultant)
        s.flush()
        add_lead(s, consultant, answers={"hiring_roles": ["Barista", "Roaster"], "positions": 3})
        add_lead(s, company_name="Klinikum Lindenhof", email=None, phone=None, contact_name=None)
    env = isolated_env(SINYAL_DATABASE_URL=database_url.render_as_string(hide_password=False))
    done = run_sinyal("leads", "export", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["company"] for r in rows] == ["PT Kopi Nusantara", "Klinikum Lindenhof"]
    assert rows[0]["consultant"] == "Dewi" and rows[0]["email"] == "ana@kopi.example"
    assert rows[0]["hiring_roles"] == "Barista, Roaster" and rows[0]["positions"] == "3"
    assert rows[1]["email"] == ""

    sheet = tmp_path / "leads.xlsx"
    done = run_sinyal("leads", "export", "--format", "xlsx", "--output", str(sheet), env=env)
    assert done.returncode == 0, done.stderr
    frame = pd.read_excel(sheet, dtype={"phone": str})
    assert list(frame["company"]) == ["PT Kopi Nusantara", "Klinikum Lindenhof"]
    assert frame.loc[0, "phone"] == "+6281234567890"  # a text cell: the + survives

    done = run_sinyal("leads", "export", "--format", "pdf", env=env)
    assert done.returncode == 2 and "'pdf' is not csv or xlsx" in done.stderr
    done = run_sinyal("leads", "export", "--format", "xlsx", env=env)
    assert done.returncode == 2 and "xlsx needs --output FILE" in done.stderr


FORMULA = '=HYPERLINK("http://evil.example","x")'


def test_text_that_looks_like_a_formula_is_exported_as_literal_text(
    store: Store, tmp_path: Path
) -> None:
    with store.transaction() as s:
        add_lead(
            s,
            company_name="@SUM(1+1)",
            contact_name="-2+3",
            preferred_contact_time="\t=1+1",
            answers={"company_location": FORMULA, "positions": 3, "urgency": "#N/A"},
        )
        output = export_leads(s, "csv", None)
        export_leads(s, "xlsx", tmp_path / "leads.xlsx")
    (row,) = list(csv.DictReader(io.StringIO(output or "")))
    assert row["company_location"] == "'" + FORMULA and row["company"] == "'@SUM(1+1)"
    assert row["contact_name"] == "'-2+3" and row["preferred_contact_time"] == "'\t=1+1"
    assert row["phone"] == "'+6281234567890"  # text, marked as such; the digits stay readable
    assert row["positions"] == "3" and row["email"] == "ana@kopi.example"

    sheet = load_workbook(tmp_path / "leads.xlsx")["leads"]
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    for column, value in [
        ("company_location", FORMULA),
        ("company", "@SUM(1+1)"),
        ("contact_name", "-2+3"),
        ("phone", "+6281234567890"),
    ]:
        cell = cells[column]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True), column
    assert (cells["urgency"].value, cells["urgency"].data_type) == ("#N/A", "s")
    assert (cells["positions"].value, cells["positions"].data_type) == (3, "n")
