import pytest

from scrapers.normalize import (
    gender_marker,
    normalize_company,
    normalize_title,
    repost_key,
    strip_gender_marker,
)


@pytest.mark.parametrize(
    ("title", "marker"),
    [
        ("Senior Java Developer (m/w/d)", "m/w/d"),
        ("Koch (w/m/d)", "w/m/d"),
        ("Pflegefachkraft (d/m/w)", "d/m/w"),
        ("Data Engineer (m/f/d)", "m/f/d"),
        ("Data Engineer (f/m/d)", "f/m/d"),
        ("Developer (m/f/x)", "m/f/x"),
        ("Developer (m/w/x)", "m/w/x"),
        ("Sales Manager (all genders)", "all genders"),
        ("Sales Manager (All Gender)", "all genders"),
        ("Buchhalter (gn)", "gn"),
        ("Buchhalter (GN)", "gn"),
        ("Lagerist ( M / W / D )", "m/w/d"),
        ("Lagerist (M|W|D)", "m/w/d"),
        ("Lagerist [m/w/d]", "m/w/d"),
        ("Koch m/w/d in Vollzeit", "m/w/d"),
        ("Entwickler (m/w/d/x)", "m/w/d/x"),
        ("Senior Java Developer", None),
        ("Sales / Marketing Lead", None),
        ("B2B/B2C Manager", None),
    ],
)
def test_gender_markers_are_detected_and_normalised(title: str, marker: str | None) -> None:
    assert gender_marker(title) == marker


def test_marker_is_stripped_from_the_title() -> None:
    assert strip_gender_marker("Koch (m/w/d) in Vollzeit") == "Koch in Vollzeit"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Senior Java-Entwickler (m/w/d)", "Java Entwickler (w/m/d)"),
        ("Softwareentwickler:in (m/w/d)", "Softwareentwickler (m/w/d)"),
        ("Lead Data Engineer (f/m/d)", "Data Engineer"),
        ("Schweißer (m/w/d)", "Schweisser"),
    ],
)
def test_title_variants_normalise_to_the_same_key(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


def test_different_roles_stay_different() -> None:
    assert normalize_title("Java Developer") != normalize_title("Python Developer")


def test_company_legal_forms_are_dropped() -> None:
    assert normalize_company("Müller Stahlbau GmbH") == normalize_company("MÜLLER STAHLBAU")
    assert normalize_company("Talbach Bau GmbH & Co. KG") == "talbach bau"
    assert normalize_company("PT Maju Jaya Digital Tbk") == "maju jaya digital"


def test_repost_key_ignores_marker_seniority_and_location_detail() -> None:
    first = repost_key(
        "Nordwind Logistik GmbH", "Senior Java-Entwickler (m/w/d)", "Hamburg, Germany"
    )
    again = repost_key("Nordwind Logistik", "Java-Entwickler (w/m/d)", "Hamburg")
    elsewhere = repost_key("Nordwind Logistik", "Java-Entwickler (w/m/d)", "Bremen")
    assert first == again
    assert first != elsewhere
