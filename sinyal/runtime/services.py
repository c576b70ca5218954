"""The processes ``sinyal run`` starts, described once so ``run`` and ``doctor`` agree."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from sinyal.runtime.rasa import engine_python, rasa_child_env, rasa_python, write_endpoints
from sinyal.runtime.supervisor import PythonWarningFilter, ServiceSpec
from sinyal.settings import Settings

# rasa-sdk 3.21 warns on *every* action call that it "might not be compatible" with a 3.6
# server, because it compares major.minor versions. The 3.6 server and the 3.21 SDK speak the
# same action-server protocol (forms, validation and SlotSet were tried in this project's
# end-to-end tests), so the warning is noise; the sdk's warnings.warn is silenced by message
# prefix, through the environment so that Sanic's worker processes inherit it.
SDK_VERSION_WARNING = "Your versions of rasa and rasa_sdk might not be compatible"
#: What the Telegram bridge prints once the Bot API accepted its token.
TELEGRAM_READY_LINE = "telegram bridge ready"
#: What ``sinyal dispatch`` prints once it polls the outbox.
DISPATCH_READY_LINE = "dispatcher ready"
#: What ``sinyal scrape worker`` prints once it consumes the scrape queue.
SCRAPE_WORKER_READY_LINE = "scrape worker:"


def status_file(settings: Settings) -> Path:
    """Each service's pid, state and restarts while `sinyal run` runs (`sinyal doctor`)."""
    return settings.data_path / "run" / "services.json"


def instance_name(kind: str, index: int, count: int) -> str:
    """``rasa`` when one runs, ``rasa-1``, ``rasa-2``... when several do."""
    return kind if count == 1 else f"{kind}-{index + 1}"


def actions_service(settings: Settings, index: int = 0) -> ServiceSpec:
    env = dict(os.environ)
    env["PYTHONWARNINGS"] = f"ignore:{SDK_VERSION_WARNING}:UserWarning"
    port = settings.actions_port + index
    return ServiceSpec(
        name=instance_name("actions", index, settings.action_servers),
        argv=[
            str(engine_python(settings)),
            "-m",
            "sinyal.runtime.action_server",
            "--host",
            settings.host,
            "--port",
            str(port),
        ],
        cwd=settings.project_dir,
        env=env,
        health_url=f"{settings.actions_url_of(index)}/health",
        start_timeout=120,
        port=port,
        port_setting="SINYAL_ACTIONS_PORT",
    )


def rasa_service(settings: Settings, index: int = 0) -> ServiceSpec:
    """Rasa on ``SINYAL_HOST`` behind its token; only the web app's origin may call it from a
    browser (it never needs to: the widget talks to the web app, sinyal/web/chat_socket.py).

    Several Rasa servers share the tracker store and the Redis lock store (settings refuse
    anything else); server ``index`` calls action server ``index`` modulo their number.
    """
    if settings.rasa_token is None:
        raise ValueError("SINYAL_RASA_TOKEN is not set (`sinyal run` generates one)")
    port = settings.rasa_port + index
    argv = [
        str(rasa_python(settings)),
        str(settings.bot_dir / "server.py"),  # `rasa run`, loading the model in seconds
        "run",
        "--model",
        str(settings.model_path),
        "--endpoints",
        str(write_endpoints(settings, index)),
        "--credentials",
        str(settings.bot_dir / "credentials.yml"),
        "--interface",
        settings.host,
        "--port",
        str(port),
        "--enable-api",
        "--cors",
        web_origin(settings),
        "--auth-token",
        settings.rasa_token.get_secret_value(),
    ]
    return ServiceSpec(
        name=instance_name("rasa", index, settings.rasa_servers),
        argv=argv,
        cwd=settings.bot_dir,
        env=rasa_child_env(settings),
        health_url=f"{settings.rasa_url_of(index)}/",
        # Rasa 3.6 pins 2023 libraries that print dozens of deprecation warnings on every start
        # (some re-enabled after PYTHONWARNINGS is applied); none is actionable for a pinned
        # runtime, and they bury Rasa's own log lines.
        hide_line=PythonWarningFilter(),
        port=port,
        port_setting="SINYAL_RASA_PORT",
        start_timeout=300,
    )


def web_origin(settings: Settings) -> str:
    parts = urlsplit(settings.public_url)
    return f"{parts.scheme}://{parts.netloc}"


def demo_site_service(settings: Settings) -> ServiceSpec:
    """The demo job site the shipped demo flow scrapes (the scrapers' test fixtures)."""
    return ServiceSpec(
        name="demo-site",
        argv=[
            str(engine_python(settings)),
            "-m",
            "scrapers.demo_site",
            "--host",
            settings.host,
            "--port",
            str(settings.demo_site_port),
        ],
        cwd=settings.project_dir,
        env=dict(os.environ),
        health_url=f"{settings.demo_site_url}/robots.txt",
        start_timeout=60,
        port=settings.demo_site_port,
        port_setting="SINYAL_DEMO_SITE_PORT",
    )


def _sinyal_command(settings: Settings, command: str, ready_line: str) -> ServiceSpec:
    """``sinyal COMMAND`` in the engine environment, ready when it prints ``ready_line``."""
    return ServiceSpec(
        name=command,
        argv=[str(engine_python(settings)), "-m", "sinyal.cli", command],
        cwd=settings.project_dir,
        env=dict(os.environ),
        health_url=None,
        ready_line=ready_line,
        start_timeout=60,
    )


def telegram_service(settings: Settings) -> ServiceSpec:
    """The prospects' Telegram bridge (needs TELEGRAM_BOT_TOKEN); talks to Rasa over REST."""
    return _sinyal_command(settings, "telegram", TELEGRAM_READY_LINE)


def dispatch_service(settings: Settings) -> ServiceSpec:
    """The notification dispatcher: delivers the outbox to consultants (sinyal/handover/notify/)."""
    return _sinyal_command(settings, "dispatch", DISPATCH_READY_LINE)


def scrape_worker_service(settings: Settings) -> ServiceSpec:
    """Consumes the scrape queue (scrapers/queue.py) when a broker is set; any machine may run
    more of them (`sinyal scrape worker`)."""
    spec = _sinyal_command(settings, "scrape", SCRAPE_WORKER_READY_LINE)
    spec.name, spec.argv = "scrape-worker", [*spec.argv, "worker"]
    return spec


def web_service(settings: Settings) -> ServiceSpec:
    """The web app: tracked links, unsubscribe pages, the website chat."""
    return ServiceSpec(
        name="web",
        argv=[str(engine_python(settings)), "-m", "sinyal.cli", "web"],
        cwd=settings.project_dir,
        env=dict(os.environ),
        health_url=f"{settings.web_url}/healthz",
        start_timeout=60,
        port=settings.web_port,
        port_setting="SINYAL_WEB_PORT",
    )
