"""The action server: rasa-sdk's own Sanic app, bound where settings say and behind a token.

``python -m rasa_sdk`` binds ``0.0.0.0`` (its ``SANIC_HOST`` default) and answers anyone: a
forged ``/webhook`` call could create leads, notify consultants or run the delete action. This
entry point serves the same app on ``SINYAL_HOST`` and refuses every call but ``/health`` that
does not carry ``Authorization: Bearer $SINYAL_ACTIONS_TOKEN`` (Rasa sends it: endpoints.yml).

Run as ``python -m sinyal.runtime.action_server --port PORT`` (``sinyal run`` does).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from functools import partial

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

TOKEN_ENV = "SINYAL_ACTIONS_TOKEN"
OPEN_PATHS = frozenset({"/health"})

logger = logging.getLogger(__name__)


def authorised(request: Request, token: str) -> bool:
    supplied = request.headers.get("authorization", "")
    return hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode())


def protected_app(executor: ActionExecutor, token: str) -> Sanic:
    """rasa-sdk's app plus a check in front of every route; picklable for Sanic's workers."""
    app = create_app_for_serve(executor, cors_origins=[])

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or authorised(request, token):
            return None
        return response.json({"error": "unauthorised"}, status=401)

    return app


def serve(host: str, port: int, actions_package: str = "actions") -> None:
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise SystemExit(f"{TOKEN_ENV} is not set: the action server never runs without a token")
    executor = ActionExecutor()
    executor.register_package(actions_package)
    loader = AppLoader(factory=partial(protected_app, executor, token))
    app = loader.load()
    app.prepare(host=host, port=port, workers=1, access_log=False)
    logger.info("action server on http://%s:%s (token required)", host, port)
    Sanic.serve(primary=app, app_loader=loader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--actions", default="actions", help="package holding the actions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(args.host, args.port, args.actions)


if __name__ == "__main__":
    main()
