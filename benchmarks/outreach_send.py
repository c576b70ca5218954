"""Outreach throughput: planning N messages and sending them over SMTP, against plain smtplib.

N companies (default 2,000) with an open trigger and an HR contact each; the flow has two
variants. Measured: `plan` (recipients, variant assignment, tokens, one transaction) and
`send` (claim, suppression check, render, SMTP, record: one message at a time, as
`sinyal outreach run` does) into aiosmtpd on loopback with the rate limit out of the way.

Baseline, same run and peer: the same number of ready-made messages sent with smtplib over one
connection (the floor any sender stands on). The rate limit (default 30 per minute) is what
bounds outreach in production; this shows how far below it the machine part stays.

    .venv/bin/python benchmarks/outreach_send.py [--messages 2000] [--database-url URL]

With a PostgreSQL URL, a fresh database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sinyal.outreach.campaign import deliver, plan_flow  # noqa: E402
from sinyal.settings import Settings  # noqa: E402
from sinyal.store import Store  # noqa: E402
from tests.support.factories import make_flow, seed_companies  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402


def baseline(port: int, count: int) -> float:
    messages = []
    for i in range(count):
        message = EmailMessage()
        message["Subject"], message["From"] = f"Fahrer {i} at Firma {i} GmbH", "a@b.example"
        message["To"] = f"hr{i}@firma{i}.example"
        message.set_content(f"Hello Anna, Fahrer {i} has been open 120 days. https://x/c/{i}")
        messages.append(message)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in messages:
            smtp.send_message(message)
    return time.perf_counter() - started


@contextmanager
def database(url: str | None, tmp: str) -> Iterator[str]:
    """SQLite in ``tmp``, or a fresh PostgreSQL database on the given server, dropped after."""
    if url is None:
        yield f"sqlite:///{tmp}/bench.db"
        return
    with fresh_database(url, "sinyal_bench_", hex_digits=8) as fresh:
        yield fresh.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sink = SmtpSink().start()
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, tmp) as url:
        store = Store.from_url(url)
        store.upgrade()
        settings = Settings(
            data_dir=Path(tmp),
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_starttls=False,
            outreach_emails_per_minute=10_000,
        )
        flow = make_flow()
        print(f"seeding {args.messages} companies with triggers and contacts ...", flush=True)
        seed_companies(store, flow, args.messages)
        started = time.perf_counter()
        flow_id, planned = plan_flow(store, flow)
        plan_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = deliver(store, settings, flow, flow_id, Path(tmp))
        send_seconds = time.perf_counter() - started
        store.close()
    assert planned.created == result.sent == args.messages == len(sink.messages)
    base_seconds = baseline(sink.port, args.messages)
    sink.stop()
    n = args.messages
    print(f"database: {url.split(':')[0]}; messages: {n}")
    print(f"plan:              {plan_seconds:6.2f} s  ({n / plan_seconds:7.0f} messages/s)")
    print(f"send (Sinyal):     {send_seconds:6.2f} s  ({n / send_seconds:7.0f} messages/s)")
    print(f"send (baseline):   {base_seconds:6.2f} s  ({n / base_seconds:7.0f} messages/s)")
    print(f"send ratio Sinyal / baseline: {send_seconds / base_seconds:.1f}x")


if __name__ == "__main__":
    main()
