"""The lookalike input files: what they may hold, and a clear line naming file, column and
line for what they may not."""

from datetime import date
from pathlib import Path

import pytest

from sinyal.signals.lookalike.files import LookalikeInputError, read_universe
from sinyal.signals.lookalike.universe import company_key

COMPANIES = (
    "name,domain,industry,employees,city,country\n"
    "Nordwind Logistik GmbH,nordwind.example,logistics,180,Hamburg,DE\n"
    "PT Kopi Nusantara Tbk,,food,,Jakarta,ID\n"
    "Pixelwerk GmbH,,,,,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_files_with_empty_cells_names_in_other_forms_and_win_days(tmp_path: Path) -> None:
    companies = write(tmp_path, "companies.csv", COMPANIES)
    won = write(tmp_path, "won.csv", "name,won_at\nNordwind Logistik,2026-03-01\nNobody AG,\n")
    lost = write(tmp_path, "lost.csv", "name\nKopi Nusantara\n")
    postings = write(
        tmp_path,
        "postings.jsonl",
        '{"company": "Nordwind Logistik GmbH", "title": "Lagerist (m/w/d)", '
        '"first_seen": "2026-01-05"}\n\n'
        '{"company": "Pixelwerk", "title": "DevOps", "first_seen": "2026-02-01", '
        '"closed_at": "2026-04-01"}\n',
    )
    universe, warnings = read_universe(companies, won, lost, postings)
    assert [c.employees for c in universe.companies] == [180, None, None]
    assert universe.companies[2].industry is None
    assert universe.won == {company_key("Nordwind Logistik GmbH"): date(2026, 3, 1)}
    assert universe.lost == {company_key("PT Kopi Nusantara Tbk")}
    assert len(universe.postings) == 2 and universe.postings[1].closed is not None
    assert warnings == [f"{won}: 'Nobody AG' is not in {companies}"]


HEADER = "name,domain,industry,employees,city,country\n"


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("companies", "name,domain\nA,a.b\n", "missing column industry, employees, city, country"),
        ("companies", HEADER + "A,,,many,,\n", "employees, line 2: 'many' is not a number of"),
        ("companies", HEADER + ",,,,,\n", "column name, line 2: empty"),
        ("won", "company\nA\n", "missing column name"),
        ("won", "name,won_at\nNordwind Logistik,soon\n", "won_at, line 2: 'soon' is not a date"),
        ("postings", '{"company": "A", "title": "B"}\n', "first_seen, line 1: missing or not text"),
        ("postings", "not json\n", "line 1: not JSON"),
        ("postings", '{"company": "A", "title": "B", "first_seen": "x"}\n', "'x' is not a date"),
        (
            "postings",
            '{"company": "A", "title": "B", "first_seen": "2026-05-02", '
            '"closed_at": "2026-05-01"}\n',
            "field closed_at, line 1: before first_seen",
        ),
    ],
)
def test_a_bad_file_names_itself_the_column_and_the_line(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    paths = {
        "companies": write(tmp_path, "companies.csv", COMPANIES),
        "won": write(tmp_path, "won.csv", "name\nNordwind Logistik\n"),
        "postings": write(tmp_path, "postings.jsonl", ""),
    }
    paths[file] = write(tmp_path, f"bad-{file}", text)
    with pytest.raises(LookalikeInputError) as raised:
        read_universe(paths["companies"], paths["won"], None, paths["postings"])
    assert str(raised.value).startswith(str(paths[file]))
    assert message in str(raised.value)


def test_a_file_that_is_not_utf8_csv_or_is_missing_is_named(tmp_path: Path) -> None:
    won = write(tmp_path, "won.csv", "name\nA\n")
    companies = write(tmp_path, "companies.csv", COMPANIES)
    postings = tmp_path / "postings.jsonl"
    postings.write_bytes('{"company": "Müller", "title": "x", "first_seen": "2026-01-01"}\n'
                         .encode("cp1252"))  # fmt: skip
    with pytest.raises(LookalikeInputError, match="not UTF-8 text"):
        read_universe(companies, won, None, postings)
    postings.write_bytes(
        b"\xef\xbb\xbf" + b'{"company": "A", "title": "x", "first_seen": "2026-01-01"}'
    )
    assert len(read_universe(companies, won, None, postings)[0].postings) == 1  # a BOM is fine
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,domain,industry,employees,city,country\nMüller,,,,,\n".encode("cp1252"))
    with pytest.raises(LookalikeInputError, match="not a UTF-8 CSV file"):
        read_universe(latin, won)
    with pytest.raises(LookalikeInputError, match=r"missing\.csv: cannot read"):
        read_universe(tmp_path / "missing.csv", won)
