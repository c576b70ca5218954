"""Speed-to-lead, the machine part: from a lead qualified to its consultant's Telegram message.

N leads (default 1,000) are qualified through the real action server (``action_submit_lead``
over its HTTP API, 8 at a time, as Rasa would call it), which saves each lead, hands it over
and queues its notification in one transaction. ``sinyal dispatch`` runs alongside in its
default configuration and delivers to a local Telegram Bot API stand-in, which notes when each
card arrives. Reported: notified-within (action answered -> card received) p50 / p95 / max.

Baseline, same run and peer: the same cards sent straight from python-telegram-bot, no outbox
and no dispatcher (the floor any notification path has to stand on).
Aim (issue 5): p95 under 5 seconds.

    .venv/bin/python benchmarks/notify_latency.py [--leads 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from chat_latency import free_port, percentile, serving, sinyal_env
from sqlalchemy import select
from telegram import Bot

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sinyal.store import Store  # noqa: E402
from sinyal.store.models import Consultant, KpiEvent, Lead  # noqa: E402
from tests.support.telegram_api import TelegramApiStandIn  # noqa: E402

CONSULTANTS = 5
CHAT_BASE = 900_000
TITLE = re.compile(r"New lead #\d+: Firma (\d+) GmbH")
TITLE_COMPANY = re.compile(r"Firma (\d+) GmbH")
ANSWERS = {
    "hiring_roles": "warehouse managers", "positions": 2, "open_days": 150, "urgency": "asap",
    "tried_before": "ads", "decision_maker": True, "fee_model": "success",
    "company_size": 300, "company_location": "Hamburg", "consent": True,
    "person_name": "Anna Schmidt", "phone": "+49401234567", "contact_time": "mornings",
    "language": "en", "flow": "long-open-demo",
}  # fmt: skip


def submit_request(number: int) -> dict[str, Any]:
    """What Rasa 3.6 posts to the action server to run ``action_submit_lead``."""
    sender = f"bench-notify-{number}"
    slots = {**ANSWERS, "company": f"Firma {number} GmbH", "email": f"hr{number}@firma.example"}
    return {
        "next_action": "action_submit_lead",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {
                "text": "Anna, 040 1234567",
                "intent": {"name": "inform"},
                "entities": [],
            },
            "latest_event_time": time.time(),
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "qualification_form",
        },
    }


TOKEN = secrets.token_urlsafe(24)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}  # the action server refuses calls without it


def qualify(url: str, leads: int) -> None:
    """Every lead through the action server, 8 at a time."""

    def one(number: int) -> None:
        response = httpx.post(url, json=submit_request(number), headers=HEADERS, timeout=60)
        response.raise_for_status()
        messages = response.json()["responses"]
        if not messages or messages[0].get("response") != "utter_closing_qualified":
            raise RuntimeError(f"lead {number} did not qualify: {messages}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(leads)))


def qualified_at(store: Store) -> dict[int, float]:
    """When each lead qualified: its ``qualified`` event, stamped in the saving transaction."""
    rows = store_rows(store)
    return {int(TITLE_COMPANY.match(name).group(1)): at.timestamp() for name, at in rows}  # type: ignore[union-attr]


def store_rows(store: Store) -> list[tuple[str, Any]]:
    with store.transaction() as session:
        return list(
            session.execute(
                select(Lead.company_name, KpiEvent.occurred_at)
                .join(KpiEvent, KpiEvent.lead_id == Lead.id)
                .where(KpiEvent.type == "qualified")
            ).all()
        )


def received(api: TelegramApiStandIn, leads: int, timeout: float) -> dict[int, float]:
    deadline = time.monotonic() + timeout
    while True:
        cards = {}
        for sent in api.calls("sendMessage"):
            match = TITLE.search(sent.params.get("text", ""))
            if match:
                cards.setdefault(int(match.group(1)), sent.at)
        if len(cards) >= leads or time.monotonic() > deadline:
            return cards
        time.sleep(0.2)


async def direct_sends(api: TelegramApiStandIn, count: int) -> list[float]:
    """The baseline: a card straight from python-telegram-bot to the same stand-in."""
    bot = Bot(api.token, base_url=api.base_url)
    latencies = []
    async with bot:
        for number in range(count):
            started = time.time()
            await bot.send_message(CHAT_BASE, f"Direct card {number}")
            latencies.append(api.calls("sendMessage")[-1].at - started)
    return latencies


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {name:<44} p50 {statistics.median(ms):7.0f} ms   p95 {percentile(ms, 0.95):7.0f} ms"
        f"   max {max(ms):7.0f} ms   ({len(ms)} cards)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    api = TelegramApiStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/sinyal.db"
        store = Store.from_url(database_url)
        store.upgrade()
        with store.transaction() as session:
            session.add_all(
                Consultant(name=f"Consultant {n}", languages=["en"], telegram_chat_id=CHAT_BASE + n)
                for n in range(1, CONSULTANTS + 1)
            )
        port = free_port()
        env = sinyal_env(
            DATABASE_URL=database_url,
            SINYAL_DATA_DIR=str(Path(tmp) / "var"),
            SINYAL_FLOWS_DIR=str(PROJECT / "flows"),
            SINYAL_CONSULTANTS_FILE=str(Path(tmp) / "no-consultants-file.yml"),
            TELEGRAM_BOT_TOKEN=api.token,
            SINYAL_TELEGRAM_API_URL=api.base_url,
            PYTHONWARNINGS="ignore",
            SINYAL_ACTIONS_TOKEN=TOKEN,
        )
        python = str(PROJECT / ".venv/bin/python")
        action_server = [python, "-m", "sinyal.runtime.action_server", "--port", str(port)]
        dispatcher = [python, "-m", "sinyal.cli", "dispatch"]
        health = f"http://127.0.0.1:{port}/health"
        with serving(action_server, env, PROJECT, [health]), serving(dispatcher, env, PROJECT, []):
            time.sleep(3)  # the dispatcher has no health URL; give it its start
            started = time.monotonic()
            qualify(f"http://127.0.0.1:{port}/webhook", args.leads)
            took = time.monotonic() - started
            cards = received(api, args.leads, timeout=120)
        qualified = qualified_at(store)
        store.close()
        baseline = asyncio.run(direct_sends(api, 200))
    api.stop()
    missing = sorted(set(qualified) - set(cards))
    within = [cards[n] - qualified[n] for n in qualified if n in cards]
    print(f"{args.leads:,} leads qualified through the action server in {took:.1f} s "
          f"({args.leads / took:.0f}/s), dispatcher in its default configuration, "
          f"{'SQLite' if args.database_url is None else 'PostgreSQL'}")  # fmt: skip
    print(summary("straight send, no outbox (baseline)", baseline))
    print(summary("qualified -> card received (aim p95 < 5 s)", within))
    if missing:
        print(f"  NOT DELIVERED within 120 s: {len(missing)} leads, e.g. {missing[:5]}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
