"""Postings from local files: exports of a job-data vendor, an ATS report, a team's spreadsheet.

``path`` is a file or a glob; each file is JSON lines (``.jsonl``), a JSON array or an object
holding one under ``records_key`` (``.json``), or CSV with a header row (``.csv``). Column names
are Sinyal's (``id``, ``title``, ``company``, ``location``, ``date_posted``, ``valid_through``,
``url``, ``employment_type``) unless ``fields`` maps them to the file's own. An unchanged file
(same modification time and size) is not parsed again: its stored postings are re-confirmed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from glob import glob
from pathlib import Path
from typing import Any

from scrapers.fetcher import Fetcher, FetchError, Page
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import FileConfig, Format
from scrapers.sources.base import ScanIncomplete, ScanResult, Source, required

FIELDS = (
    "id", "title", "company", "location", "date_posted", "valid_through", "url",
    "employment_type",
)  # fmt: skip
SUFFIX_FORMATS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


class FileSource(Source):
    kind = "file"
    Config = FileConfig
    config: FileConfig

    @property
    def key(self) -> str:
        return f"file:{self.config.name}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        paths = sorted(Path(p) for p in glob(str(Path(self.config.path).expanduser())))
        if not paths:
            raise ScanIncomplete(f"{self.config.path}: no such file")
        column = {name: self.config.fields.get(name, name) for name in FIELDS}
        key = self.key
        for path in paths:
            try:
                page = fetcher.get_file(path)
            except FetchError as exc:
                raise ScanIncomplete(str(exc)) from exc
            yield from self.parse_each(page, self._records_of, lambda r: self._item(r, column, key))

    def _records_of(self, page: Page) -> Iterator[Any]:
        return _READERS[self._format(page.url)](self, page)

    def _format(self, url: str) -> Format:
        if self.config.format:
            return self.config.format
        suffix = Path(url).suffix.lower()
        return SUFFIX_FORMATS.get(suffix, "csv")

    def _json_lines(self, page: Page) -> Iterator[Any]:
        text = _text(page)
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        try:  # one decoder call for the whole file is twice as fast as one per line
            records = json.loads(f"[{','.join(line for _, line in lines)}]")
        except ValueError:
            records = None
        if isinstance(records, list) and len(records) == len(lines):
            yield from records
            return
        for number, line in lines:
            try:
                yield json.loads(line)
            except ValueError as exc:
                # A broken line is one bad record (parse_each reports it), not a broken file.
                yield {"_error": f"line {number}: not valid JSON ({exc})"}

    def _json(self, page: Page) -> Iterator[Any]:
        data = page.json()
        key = self.config.records_key
        records = data.get(key) if key and isinstance(data, dict) else data
        if not isinstance(records, list):
            where = f"under {key!r}" if key else "at the top level (set records_key)"
            raise ScanIncomplete(f"{page.url}: no list of records {where}")
        return iter(records)

    def _csv(self, page: Page) -> Iterator[Any]:
        return csv.DictReader(io.StringIO(_text(page), newline=""))

    def _item(self, record: dict[str, Any], column: dict[str, str], key: str) -> PostingItem:
        if "_error" in record:
            raise ValueError(record["_error"])
        company = clean_text(record.get(column["company"])) or self.config.company
        if not company:
            raise ValueError(f"missing {column['company']!r} (and no company for the source)")
        return PostingItem(
            source=self.kind,
            source_key=key,
            external_id=str(required(record, column["id"])),
            title=clean_text(required(record, column["title"])) or "",
            company=company,
            location=clean_text(record.get(column["location"])),
            date_posted=parse_date(record.get(column["date_posted"])),
            valid_through=parse_date(record.get(column["valid_through"])),
            url=record.get(column["url"]) or None,
            employment_type=clean_text(record.get(column["employment_type"]), 60),
        )


def _text(page: Page) -> str:
    """UTF-8 (with or without a byte-order mark), else a guess: spreadsheet exports are often
    Windows-1252."""
    try:
        return page.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return page.text


_READERS: dict[Format, Callable[[FileSource, Page], Iterator[Any]]] = {
    "jsonl": FileSource._json_lines,
    "json": FileSource._json,
    "csv": FileSource._csv,
}
