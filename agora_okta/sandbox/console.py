"""The console stand-in: what an admin does in Okta's Admin Console, plus the
request log and a reset. Not Okta's API: no token, no rate limit, no faults,
and not in the request log.

    POST /console/apps/{appId}/provisioning   steps 3, 4 and 6 of the guide
    GET  /console/apps/{appId}/provisioning   what was saved (never the token)
    GET  /console/requests                    the request log, oldest first
    POST /console/reset                       the org back to its seed
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agora_okta.sandbox.errors import OktaApiError
from agora_okta.sandbox.http import STATE, json_response, read_json

routes = web.RouteTableDef()


def _problem(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


@routes.post("/console/apps/{app_id}/provisioning")
async def set_provisioning(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        payload = await read_json(request)
    except OktaApiError:
        return _problem(400, "the body is not JSON")
    app_id = request.match_info["app_id"]
    try:
        with state.org.lock:
            saved = state.org.apps.console(app_id, payload)
    except OktaApiError:
        return _problem(404, f"no app {app_id}")
    except ValueError as error:
        return _problem(400, str(error))
    return json_response(saved)


@routes.get("/console/apps/{app_id}/provisioning")
async def get_provisioning(request: web.Request) -> web.Response:
    state = request.app[STATE]
    app_id = request.match_info["app_id"]
    try:
        saved = state.org.provisioning(app_id)
    except OktaApiError:
        return _problem(404, f"no app {app_id}")
    return json_response(saved)


@routes.get("/console/requests")
async def list_requests(request: web.Request) -> web.Response:
    entries: list[dict[str, Any]] = request.app[STATE].requests.entries()
    return json_response(entries)


@routes.post("/console/reset")
async def reset(request: web.Request) -> web.Response:
    request.app[STATE].org.reset()
    return json_response({"reset": True})
