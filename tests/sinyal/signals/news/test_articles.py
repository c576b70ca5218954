"""Pages and feeds to articles: the main text without the page's furniture, dates, entries."""

from datetime import date

import pytest

from sinyal.signals.news.articles import (
    UnreadableNews,
    article_from_html,
    articles_from_feed,
    looks_like_feed,
)

PRESS_PAGE = """<!doctype html><html lang="de"><head>
<title>Pressemitteilung | Feldmann Kältetechnik</title>
<link rel="canonical" href="https://www.feldmann-kaelte.de/presse/2026/halle-3">
<meta property="article:published_time" content="2026-02-03T09:30:00+01:00">
</head><body>
<nav><a href="/">Start</a> <a href="/karriere">Karriere</a> <a href="/presse">Presse</a></nav>
<div class="cookie">Wir verwenden Cookies. Alle akzeptieren</div>
<article><h1>Feldmann Kältetechnik GmbH eröffnet dritte Fertigungshalle</h1>
<p>Die Feldmann Kältetechnik GmbH hat in Lingen eine dritte Fertigungshalle in Betrieb
genommen. Auf 6.000 Quadratmetern fertigt das Unternehmen dort künftig Kühlaggregate für
Supermärkte.</p>
<p>Geschäftsführerin Ilse Feldmann sprach von einem wichtigen Schritt.</p></article>
<footer>Impressum · Datenschutz</footer></body></html>"""

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wirtschaft regional</title>
<item><title>Brauerei Hollweg stellt Bio-Radler vor</title>
<link>https://zeitung.example/hollweg-radler</link>
<pubDate>Thu, 12 Nov 2026 06:15:00 +0100</pubDate>
<description>&lt;p&gt;Die &lt;b&gt;Brauerei Hollweg KG&lt;/b&gt; bringt ein alkoholfreies
Bio-Radler auf den Markt.&lt;/p&gt;</description></item>
<item><title></title><description></description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Newsroom</title>
<entry><title>Harrowgate Foods Ltd to shut Leeds bakery</title>
<link href="https://harrowgate.example/news/leeds"/><updated>2026-10-30T12:00:00Z</updated>
<summary>Harrowgate Foods Ltd will close its Leeds bakery in January,
with 85 roles at risk.</summary>
</entry></feed>"""


def test_a_press_page_gives_its_title_first_paragraph_date_and_canonical_url() -> None:
    article = article_from_html(PRESS_PAGE, "file:///tmp/saved.html")
    assert article.title == "Feldmann Kältetechnik GmbH eröffnet dritte Fertigungshalle"
    assert article.lead.startswith("Die Feldmann Kältetechnik GmbH hat in Lingen")
    assert "Cookies" not in article.lead and "Impressum" not in article.lead
    assert article.published == date(2026, 2, 3)
    assert article.url == "https://www.feldmann-kaelte.de/presse/2026/halle-3"
    assert article.host == "feldmann-kaelte.de"


def test_rss_entries_become_articles_and_empty_entries_are_skipped() -> None:
    assert looks_like_feed(RSS)
    [article] = articles_from_feed(RSS, "https://zeitung.example/rss")
    assert article.title == "Brauerei Hollweg stellt Bio-Radler vor"
    assert article.lead.startswith("Die Brauerei Hollweg KG bringt")
    assert "<b>" not in article.lead
    assert article.published == date(2026, 11, 12)
    assert article.url == "https://zeitung.example/hollweg-radler"


def test_atom_entries_are_read_too() -> None:
    [article] = articles_from_feed(ATOM, "https://harrowgate.example/atom")
    assert article.published == date(2026, 10, 30)
    assert "85 roles at risk" in article.lead


@pytest.mark.parametrize(
    "content",
    [b'<?xml version="1.0"?><rss><channel><item><title>cut off', b"<?xml version='1.0'?><rss"],
)
def test_a_broken_feed_is_unreadable(content: bytes) -> None:
    with pytest.raises(UnreadableNews, match="not a readable RSS/Atom feed"):
        articles_from_feed(content, "https://x.example/feed")


@pytest.mark.parametrize("content", ["", "<html><body></body></html>", "\x00\x01\x02"])
def test_a_page_without_text_is_unreadable(content: str) -> None:
    with pytest.raises(UnreadableNews):
        article_from_html(content, "file:///tmp/empty.html")


def test_hostile_feed_entries_keep_their_own_urls_and_lose_impossible_dates() -> None:
    feed = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>tag:x,1</id><title>Erste Meldung [/b]</title><summary>Text eins.</summary>
<updated>0000-01-01T00:00:00Z</updated></entry>
<entry><id>tag:x,2</id><title>Zweite Meldung</title><summary>Text zwei.</summary></entry>
<entry><title>Dritte</title><link href="/news/3"/><summary>Text drei.</summary></entry>
<entry><title>Vierte</title><link href="javascript:alert(1)"/><summary>Text vier.</summary></entry>
</feed>"""
    articles = articles_from_feed(feed, "https://wire.example/atom")
    urls = [a.url for a in articles]
    assert len(set(urls)) == 4 and all(u.startswith("https://wire.example/") for u in urls)
    assert urls[2] == "https://wire.example/news/3"
    assert articles[0].published is None and articles[0].title == "Erste Meldung [/b]"
    huge = articles_from_feed(feed.replace(b"Zweite Meldung", b"A" * 100_000), "https://w.example/")
    assert max(len(a.title) for a in huge) <= 300


def test_a_canonical_pointing_home_or_elsewhere_does_not_replace_the_fetched_url() -> None:
    home = PRESS_PAGE.replace(
        "https://www.feldmann-kaelte.de/presse/2026/halle-3", "https://www.feldmann-kaelte.de/"
    )
    fetched = "https://www.feldmann-kaelte.de/presse/2026/halle-3?utm=x"
    assert article_from_html(home, fetched).url == fetched
    foreign = PRESS_PAGE.replace("www.feldmann-kaelte.de", "www.someone-else.de")
    assert article_from_html(foreign, fetched).url == fetched


def test_an_xhtml_page_is_a_page_not_a_feed() -> None:
    xhtml = ('<?xml version="1.0" encoding="utf-8"?>\n' + PRESS_PAGE).encode()
    assert not looks_like_feed(xhtml)
