"""Per-turn latency of whole qualification chats over REST, next to Rasa's `rasa init` bot.

Both bots run on this machine in the same run, one after the other, as real servers:
- Sinyal: `sinyal run` (Rasa server + action server + SQLite store, SQL tracker store);
- the plain bot: `rasa init --no-prompt` (the "moodbot"), trained and served by `rasa run`.
N conversations (default 20) run concurrently; each sends its turns one after another, as a
person would. Reported per bot: p50 / p95 per-turn latency and turns per second.
Aim (issue 4): Sinyal's p95 within 2x of the plain bot's at 20 concurrent conversations.

    .venv/bin/python benchmarks/chat_latency.py [--conversations 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from sinyal.runtime.rasa import rasa_child_env, rasa_executable
from sinyal.settings import load_settings

PROJECT = Path(__file__).resolve().parent.parent
SINYAL = PROJECT / ".venv" / "bin" / "sinyal"

QUALIFICATION = [
    "hello", "how much do you charge?", "yes", "two", "ideally they start in January",
    "/affirm", "yes, I agree", "Anna Schmidt", "anna.schmidt@nordwind.de",
    "actually my email is anna@nordwind.de", "thanks",
]  # fmt: skip
CONTEXT = {"company": "Nordwind Logistik GmbH", "role": "Senior Java Developer", "language": "en"}
MOODBOT = ["hello", "I am sad", "no", "bye"] * 5  # as many turns, the example bot's own stories


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sinyal_env(**settings: str) -> dict[str, str]:
    """This environment without the caller's Sinyal settings (no Telegram), plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINYAL_")}
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    return {**env, **settings}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def converse(
    client: httpx.AsyncClient,
    url: str | Iterator[str],
    turns: list[str],
    metadata: dict[str, str],
    last: str,
) -> list[float]:
    """One conversation; fails unless some reply contains ``last`` (a broken bot that answers
    every turn with a fallback would otherwise look fast). ``url`` may give each message its
    own server (benchmarks/chat_scaleout.py)."""
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    latencies: list[float] = []
    replies: list[str] = []
    for index, text in enumerate(turns):
        body = {"sender": sender, "message": text, "metadata": metadata if index == 0 else {}}
        started = time.perf_counter()
        response = await client.post(url if isinstance(url, str) else next(url), json=body)
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)
        replies += [reply.get("text") or "" for reply in response.json()]
    if not any(last in reply for reply in replies):
        raise RuntimeError(f"conversation {sender} never said {last!r}: {replies[-4:]}")
    return latencies


async def load(
    url: str,
    turns: list[str],
    metadata: dict[str, str],
    conversations: int,
    last: str,
    headers: dict[str, str] | None = None,
) -> dict:
    async with httpx.AsyncClient(timeout=120, headers=headers) as client:
        await converse(client, url, turns, metadata, last)  # warm-up, not measured
        started = time.perf_counter()
        results = await asyncio.gather(
            *(converse(client, url, turns, metadata, last) for _ in range(conversations))
        )
        elapsed = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    by_turn = [statistics.median(turn) * 1000 for turn in zip(*results, strict=True)]
    return {
        "by_turn": by_turn,
        "turns": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "turns_per_s": len(latencies) / elapsed,
    }


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def serving(argv: list[str], env: dict[str, str], cwd: Path, ready: list[str]) -> Iterator[None]:
    """Run a server (its own process group) until the block ends; wait for ``ready`` URLs."""
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for url in ready:
            wait_until_up(url, process)
        yield
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


TOKEN = secrets.token_urlsafe(24)


def measure_sinyal(tmp: Path, conversations: int, extra_env: dict[str, str]) -> dict:
    port, actions_port = free_port(), free_port()
    env = sinyal_env(
        SINYAL_DATA_DIR=str(tmp / "var"),
        SINYAL_RASA_PORT=str(port),
        SINYAL_ACTIONS_PORT=str(actions_port),
        SINYAL_DEMO_SITE="false",
        SINYAL_SCRAPE_ON_START="false",
        SINYAL_LOG_LEVEL="WARNING",
        SINYAL_RASA_TOKEN=TOKEN,
        **extra_env,
    )
    rasa = f"http://127.0.0.1:{port}"
    ready = [f"http://127.0.0.1:{actions_port}/health", f"{rasa}/status"]
    with serving([str(SINYAL), "run"], env, tmp, ready):
        url = f"{rasa}/webhooks/rest/webhook"
        headers = {"Authorization": f"Bearer {TOKEN}"}  # Sinyal's REST channel requires it
        return asyncio.run(
            load(url, QUALIFICATION, CONTEXT, conversations, "will get in touch", headers)
        )


def measure_moodbot(tmp: Path, conversations: int) -> dict:
    settings = load_settings()
    rasa, env = str(rasa_executable(settings)), rasa_child_env(settings)
    project = tmp / "moodbot"
    project.mkdir()
    print("training the `rasa init` example bot (about a minute)...", flush=True)
    subprocess.run(
        [rasa, "init", "--no-prompt", "--init-dir", str(project)],
        env=env,
        cwd=project,
        check=True,
        capture_output=True,
    )
    port = free_port()
    argv = [rasa, "run", "--enable-api", "--port", str(port), "--interface", "127.0.0.1"]
    with serving(argv, env, project, [f"http://127.0.0.1:{port}/status"]):
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        return asyncio.run(load(url, MOODBOT, {}, conversations, "Bye"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument(
        "--tracker-store", choices=["sql", "memory"], default="sql", help="Sinyal's tracker store"
    )
    parser.add_argument("--database-url", default="", help="Sinyal's store (default: SQLite)")
    args = parser.parse_args()
    extra = {"SINYAL_RASA_TRACKER_STORE": args.tracker_store}
    if args.database_url:
        extra["DATABASE_URL"] = args.database_url
    with tempfile.TemporaryDirectory() as tmp:
        sinyal = measure_sinyal(Path(tmp), args.conversations, extra)
        plain = measure_moodbot(Path(tmp), args.conversations)
    store = args.database_url.split(":")[0] if args.database_url else "sqlite"
    where = f"{args.tracker_store} tracker store, {store} lead store"
    print(f"\n{args.conversations} concurrent conversations (Sinyal: {where})")
    print(f"{'bot':<26}{'turns':>7}{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>9}")
    for name, result in (("sinyal qualification", sinyal), ("rasa init (baseline)", plain)):
        print(
            f"{name:<26}{result['turns']:>7}{result['p50']:>9.0f}{result['p95']:>9.0f}"
            f"{result['turns_per_s']:>9.1f}"
        )
    print(f"p95 ratio: {sinyal['p95'] / plain['p95']:.2f}x (aim <= 2x)")
    print("\nSinyal, median per turn:")
    for text, median in zip(QUALIFICATION, sinyal["by_turn"], strict=True):
        print(f"  {median:7.0f} ms  {text}")


if __name__ == "__main__":
    main()
