"""The Okta API endpoints the tool uses, with Okta's parameters and page sizes.

Page sizes (FACTS.md "Paging"): apps 200; app users 500 (default 50); app
groups 20-200 (default 20); group push mappings 1000 (default 100); users
200; groups 10000.

Not served, as the tool does not use them: creating, changing or deleting
users and groups, group membership calls, user lifecycle, SAML metadata and
keys, policies. ``sortBy``/``sortOrder`` and ``expand`` are ignored, and
``search`` is answered at once (real Okta's is eventually consistent).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agora_okta.sandbox import query as queries
from agora_okta.sandbox.errors import search_and_filter, validation
from agora_okta.sandbox.http import (
    STATE,
    ServerState,
    bool_param,
    empty_response,
    json_response,
    limit_param,
    page_response,
    read_json,
)

routes = web.RouteTableDef()

_APP_FILTER = {
    "id",
    "status",
    "name",
    "credentials.signing.kid",
    "settings.slo.enabled",
}
_USER_FILTER = {
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
}
_GROUP_FILTER = {"id", "type", "lastUpdated", "lastMembershipUpdated"}
_USER_FILTER_OPERATORS = {"eq", "gt", "ge", "lt", "le"}


def _state(request: web.Request) -> ServerState:
    return request.app[STATE]


def _query_text(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    return value if value else None


# Apps


@routes.post("/api/v1/apps")
async def create_app(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    activate = bool_param(request, "activate", True)
    with state.org.lock:
        app = state.org.apps.create(body, bool(activate), state.base_url)
    return json_response(app)


@routes.get("/api/v1/apps")
async def list_apps(request: web.Request) -> web.Response:
    state = _state(request)
    # The spec's default is -1 ("all"); the sandbox pages at the cap instead.
    # expand, includeNonDeleted and useOptimization are ignored.
    limit = limit_param(request, default=200, maximum=200)
    filter_text = _query_text(request, "filter")
    query = None
    if filter_text is not None:
        query = queries.parse(
            filter_text, ignore_case=False, attributes=_APP_FILTER, operators={"eq"}
        )
    after = _query_text(request, "after")
    q = _query_text(request, "q")
    with state.org.lock:
        items, cursor = state.org.apps.list_apps(q, query, limit, after, state.base_url)
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/apps/{app_id}")
async def get_app(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        record = state.org.apps.record(request.match_info["app_id"])
        app = state.org.apps.render(record, state.base_url)
    return json_response(app)


@routes.put("/api/v1/apps/{app_id}")
async def replace_app(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    app_id = request.match_info["app_id"]
    with state.org.lock:
        app = state.org.apps.replace(app_id, body, state.base_url)
    return json_response(app)


@routes.delete("/api/v1/apps/{app_id}")
async def delete_app(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        state.org.apps.delete(request.match_info["app_id"])
    return empty_response()


@routes.post("/api/v1/apps/{app_id}/lifecycle/{action:activate|deactivate}")
async def app_lifecycle(request: web.Request) -> web.Response:
    state = _state(request)
    status = "ACTIVE" if request.match_info["action"] == "activate" else "INACTIVE"
    with state.org.lock:
        state.org.apps.set_status(request.match_info["app_id"], status)
    # Real Okta answers 200 with an empty object here, not 204.
    return json_response({})


# App users


@routes.post("/api/v1/apps/{app_id}/users")
async def assign_user(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    with state.org.lock:
        app_user = state.org.apps.assign_user(
            request.match_info["app_id"], body, state.base_url
        )
    return json_response(app_user)


@routes.get("/api/v1/apps/{app_id}/users")
async def list_app_users(request: web.Request) -> web.Response:
    state = _state(request)
    limit = limit_param(request, default=50, maximum=500)
    after = _query_text(request, "after")
    q = _query_text(request, "q")
    with state.org.lock:
        items, cursor = state.org.apps.list_users(
            request.match_info["app_id"], q, limit, after, state.base_url
        )
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/apps/{app_id}/users/{user_id}")
async def get_app_user(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        app_user = state.org.apps.get_user(
            request.match_info["app_id"], request.match_info["user_id"], state.base_url
        )
    return json_response(app_user)


@routes.delete("/api/v1/apps/{app_id}/users/{user_id}")
async def unassign_user(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        state.org.apps.unassign_user(
            request.match_info["app_id"], request.match_info["user_id"]
        )
    return empty_response()


# App groups


@routes.put("/api/v1/apps/{app_id}/groups/{group_id}")
async def assign_group(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    with state.org.lock:
        assignment = state.org.apps.assign_group(
            request.match_info["app_id"],
            request.match_info["group_id"],
            body,
            state.base_url,
        )
    return json_response(assignment)


@routes.get("/api/v1/apps/{app_id}/groups")
async def list_app_groups(request: web.Request) -> web.Response:
    state = _state(request)
    limit = limit_param(request, default=20, maximum=200, minimum=20)
    after = _query_text(request, "after")
    q = _query_text(request, "q")
    with state.org.lock:
        items, cursor = state.org.apps.list_groups(
            request.match_info["app_id"], q, limit, after, state.base_url
        )
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/apps/{app_id}/groups/{group_id}")
async def get_app_group(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        assignment = state.org.apps.get_group(
            request.match_info["app_id"], request.match_info["group_id"], state.base_url
        )
    return json_response(assignment)


@routes.delete("/api/v1/apps/{app_id}/groups/{group_id}")
async def unassign_group(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        state.org.apps.unassign_group(
            request.match_info["app_id"], request.match_info["group_id"]
        )
    return empty_response()


# Group push mappings


@routes.post("/api/v1/apps/{app_id}/group-push/mappings")
async def create_push(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    with state.org.lock:
        mapping = state.org.apps.create_push(
            request.match_info["app_id"], body, state.base_url
        )
    # The spec says 201; real Okta answered 200 (TestAccDataSourceOktaPushGroup_read).
    return json_response(mapping, status=200)


@routes.get("/api/v1/apps/{app_id}/group-push/mappings")
async def list_push(request: web.Request) -> web.Response:
    state = _state(request)
    limit = limit_param(request, default=100, maximum=1000)
    after = _query_text(request, "after")
    status = _query_text(request, "status")
    if status is not None and status not in ("ACTIVE", "INACTIVE", "ERROR"):
        raise validation("status", "status: must be ACTIVE, INACTIVE or ERROR")
    filters = {
        "sourceGroupId": _query_text(request, "sourceGroupId"),
        "status": status,
        "lastUpdated": _query_text(request, "lastUpdated"),
    }
    with state.org.lock:
        items, cursor = state.org.apps.list_push(
            request.match_info["app_id"], filters, limit, after, state.base_url
        )
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/apps/{app_id}/group-push/mappings/{mapping_id}")
async def get_push(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        mapping = state.org.apps.get_push(
            request.match_info["app_id"],
            request.match_info["mapping_id"],
            state.base_url,
        )
    return json_response(mapping)


@routes.patch("/api/v1/apps/{app_id}/group-push/mappings/{mapping_id}")
async def update_push(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    with state.org.lock:
        mapping = state.org.apps.update_push(
            request.match_info["app_id"],
            request.match_info["mapping_id"],
            body,
            state.base_url,
        )
    return json_response(mapping)


@routes.delete("/api/v1/apps/{app_id}/group-push/mappings/{mapping_id}")
async def delete_push(request: web.Request) -> web.Response:
    state = _state(request)
    delete_target = bool_param(request, "deleteTargetGroup", None)
    if delete_target is None:
        raise validation(
            "deleteTargetGroup", "deleteTargetGroup: the query parameter is required"
        )
    with state.org.lock:
        state.org.apps.delete_push(
            request.match_info["app_id"],
            request.match_info["mapping_id"],
            delete_target,
        )
    # The spec says 204; real Okta answered 200 with an empty body.
    return empty_response(status=200)


# Provisioning connection and features


@routes.get("/api/v1/apps/{app_id}/connections/default")
async def get_connection(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        connection = state.org.apps.connection(
            request.match_info["app_id"], state.base_url
        )
    return json_response(connection)


@routes.post("/api/v1/apps/{app_id}/connections/default")
async def set_connection(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    activate = bool(bool_param(request, "activate", False))
    with state.org.lock:
        connection = state.org.apps.set_connection(
            request.match_info["app_id"], body, activate, state.base_url
        )
    return json_response(connection)


@routes.post(
    "/api/v1/apps/{app_id}/connections/default/lifecycle/{action:activate|deactivate}"
)
async def connection_lifecycle(request: web.Request) -> web.Response:
    state = _state(request)
    on = request.match_info["action"] == "activate"
    with state.org.lock:
        state.org.apps.switch_connection(request.match_info["app_id"], on)
    return empty_response()


@routes.get("/api/v1/apps/{app_id}/features")
async def list_features(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        features = state.org.apps.features(request.match_info["app_id"], state.base_url)
    return json_response(features)


@routes.get("/api/v1/apps/{app_id}/features/{name}")
async def get_feature(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        feature = state.org.apps.feature(
            request.match_info["app_id"], request.match_info["name"], state.base_url
        )
    return json_response(feature)


@routes.put("/api/v1/apps/{app_id}/features/{name}")
async def update_feature(request: web.Request) -> web.Response:
    state = _state(request)
    body = await read_json(request)
    with state.org.lock:
        feature = state.org.apps.update_feature(
            request.match_info["app_id"],
            request.match_info["name"],
            body,
            state.base_url,
        )
    return json_response(feature)


# Users and groups


@routes.get("/api/v1/users")
async def list_users(request: web.Request) -> web.Response:
    state = _state(request)
    q = _query_text(request, "q")
    limit = limit_param(request, default=10 if q else 200, maximum=200)
    query = _search_or_filter(request, _USER_FILTER, _USER_FILTER_OPERATORS)
    after = None if q else _query_text(request, "after")
    directory = state.org.directory
    with state.org.lock:
        ids, cursor = directory.list_users(query, q, limit, after)
        items = [directory.render_user(i, state.base_url) for i in ids]
    if q is not None:
        # A query is not pageable: Okta sends no Link header at all.
        return json_response(items)
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/users/{key}")
async def get_user(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        user = state.org.directory.get_user(request.match_info["key"], state.base_url)
    return json_response(user)


@routes.get("/api/v1/groups")
async def list_groups(request: web.Request) -> web.Response:
    state = _state(request)
    q = _query_text(request, "q")
    limit = limit_param(request, default=300 if q else 10000, maximum=10000)
    query = _search_or_filter(request, _GROUP_FILTER, {"eq", "gt", "ge", "lt", "le"})
    after = None if q else _query_text(request, "after")
    directory = state.org.directory
    with state.org.lock:
        ids, cursor = directory.list_groups(query, q, limit, after)
        items = [directory.render_group(i, state.base_url) for i in ids]
    if q is not None:
        return json_response(items)
    return page_response(request, items, limit, cursor)


@routes.get("/api/v1/groups/{group_id}")
async def get_group(request: web.Request) -> web.Response:
    state = _state(request)
    with state.org.lock:
        group = state.org.directory.render_group(
            request.match_info["group_id"], state.base_url
        )
    return json_response(group)


def _search_or_filter(
    request: web.Request, filter_attributes: set[str], filter_operators: set[str]
) -> queries.Query | None:
    """``search`` ignores case in values, ``filter`` does not; never both."""
    search = _query_text(request, "search")
    filter_text = _query_text(request, "filter")
    if search is not None and filter_text is not None:
        raise search_and_filter()
    if search is not None:
        return queries.parse(search, ignore_case=True)
    if filter_text is not None:
        return queries.parse(
            filter_text,
            ignore_case=False,
            attributes=filter_attributes,
            operators=filter_operators,
        )
    return None


def api_routes() -> list[Any]:
    return list(routes)
