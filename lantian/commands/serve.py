"""``lantian serve``: the review API and web UI."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lantian.commands.common import settings_or_exit
from lantian.console import err


def serve(
    host: Annotated[
        str | None, typer.Option(help="bind address (default: settings.api_host)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="port (default: settings.api_port)")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /openapi.json) and the reviewers' UI."""
    import uvicorn

    from api import create_app

    settings = settings_or_exit()
    bind_host = host or settings.api_host
    bind_port = port or settings.api_port
    err.print(
        f"Lantian review UI on http://{bind_host}:{bind_port}/  (API: /api/v1, spec: /openapi.json)"
    )
    if workers > 1:
        uvicorn.run(
            "lantian.commands.serve:app_factory",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_level=settings.log_level.lower(),
            proxy_headers=False,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=bind_host,
            port=bind_port,
            log_level=settings.log_level.lower(),
            proxy_headers=False,
        )


def app_factory() -> Any:
    """The app for each uvicorn worker process: the settings are read here, in the shell."""
    from api import create_app
    from lantian.config import get_settings

    return create_app(get_settings())
