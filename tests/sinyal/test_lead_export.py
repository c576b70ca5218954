"""`sinyal leads export` as a user runs it: CSV to stdout, xlsx to a file, on both databases."""

import csv
import io
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import URL

from sinyal.store import Store
from sinyal.store.models import Consultant
from tests.factories import add_lead
from tests.helpers import isolated_env, run_sinyal


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
