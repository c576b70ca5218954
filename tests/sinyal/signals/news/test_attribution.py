"""Attributing news to companies: domain first, then names with legal forms folded."""

import pytest

from sinyal.signals.news.attribution import (
    CompanyIndex,
    KnownCompany,
    named_companies,
    registrable_domain,
)

KNOWN = [
    KnownCompany("Feldmann Kältetechnik GmbH", "feldmann-kaelte.de", 1),
    KnownCompany("Nordwind Logistik GmbH & Co. KG", "nordwind-logistik.de", 2),
    KnownCompany("Nordwind Solar AG", "nordwind-solar.de", 3),
    KnownCompany("PT Sumber Rejeki Abadi Tbk", "sumberrejeki.co.id", 4),
    KnownCompany("Harrowgate Foods Ltd", "harrowgate.co.uk", 5),
]


@pytest.fixture
def index() -> CompanyIndex:
    return CompanyIndex(KNOWN)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.feldmann-kaelte.de", "feldmann-kaelte.de"),
        ("presse.feldmann-kaelte.de", "feldmann-kaelte.de"),
        ("news.sumberrejeki.co.id", "sumberrejeki.co.id"),
        ("harrowgate.co.uk", "harrowgate.co.uk"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


def test_a_page_on_the_company_domain_naming_it_is_its_own(index: CompanyIndex) -> None:
    found = index.attribute(
        "www.feldmann-kaelte.de", "Neue Halle in Lingen", "Die Feldmann Kältetechnik GmbH hat..."
    )
    assert (found.known, found.how) == (KNOWN[0], "domain")


def test_a_press_room_post_not_naming_the_company_is_not_attributed_by_domain(
    index: CompanyIndex,
) -> None:
    found = index.attribute(
        "feldmann-kaelte.de", "Kältemittel: neue EU-Regeln ab 2027", "Die Branche stellt sich um."
    )
    assert found.known is None and found.how == "none"


def test_a_name_in_a_newspaper_matches_with_legal_form_and_hyphen_folded(
    index: CompanyIndex,
) -> None:
    found = index.attribute(
        "zeitung.example", "Nordwind-Logistik baut in Bremen", "Der Logistiker Nordwind Logistik..."
    )
    assert (found.known, found.how) == (KNOWN[1], "name")


def test_a_similar_name_is_not_the_same_company(index: CompanyIndex) -> None:
    found = index.attribute("zeitung.example", "Die Nordwind Windkraft AG wächst", "Die Firma ...")
    assert found.known is None
    assert (found.company, found.how) == ("Nordwind Windkraft AG", "named")


def test_indonesian_prefix_form_and_ticker_suffix(index: CompanyIndex) -> None:
    found = index.attribute(
        "kontan.example", "Sumber Rejeki Abadi bidik pasar ekspor", "PT Sumber Rejeki Abadi Tbk..."
    )
    assert found.known == KNOWN[3]


def test_an_unknown_company_keeps_the_name_the_item_gives(index: CompanyIndex) -> None:
    found = index.attribute(
        "wire.example", "Bakery chain collapses", "Crumbs & Co Bakeries Ltd entered administration."
    )
    assert found.known is None and found.company == "Crumbs & Co Bakeries Ltd"


def test_named_companies_in_order() -> None:
    text = "PT Kopi Senja Tbk mengakuisisi CV Roti Pagi; Müller Stahlbau GmbH liefert."
    assert named_companies(text) == ["PT Kopi Senja Tbk", "CV Roti Pagi", "Müller Stahlbau GmbH"]
