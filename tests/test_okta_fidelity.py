"""Tests of the fidelity harness itself, on Okta's spec and real recordings."""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import okta_fidelity
import pytest
from okta_fidelity import (
    REAL_OKTA_DIFFERENCES,
    REAL_OKTA_STATUSES,
    REPO,
    SPEC_RELPATH,
    TOOL_OPERATIONS,
    Interaction,
    KnownDifference,
    OktaSpec,
    SpecGap,
    StatusDifference,
    compare_shapes,
    find_interaction,
    find_interactions,
    is_known,
    load_recording,
    manifest,
    null_differences,
    recordings_dir,
    shape,
    spec_problems,
)

SAML_CREATE = (
    "terraform-provider-okta/idaas/TestAccResourceOktaAppSaml_crud/classic-00.yaml",
    0,
)
PUSH_CREATE = (
    "terraform-provider-okta/idaas/TestAccResourceOktaPushGroup_crud/classic-00.yaml",
    6,
)
APP_USER_CREATE = (
    "terraform-provider-okta/idaas/TestAccDataSourceOktaAppUserAssignments_read/"
    "classic-00.yaml",
    10,
)
APP_GROUP_ASSIGN = (
    "okta-sdk-python/test_applications_it/"
    "TestApplicationsResource.test_assign_group_app.yaml",
    2,
)
RATE_LIMITED = (
    "okta-sdk-python/test_application_features_it/"
    "TestApplicationFeaturesResource.test_comprehensive_coverage_push.yaml",
    18,
)


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> OktaSpec:
    return OktaSpec.shared()


def recorded(where: tuple[str, int]) -> Interaction:
    return load_recording(where[0])[where[1]]


def by_reference(reference: str) -> Interaction:
    relpath, _, index = reference.partition("#")
    return load_recording(relpath)[int(index)]


# -- the shared folder


def test_shared_folder_is_looked_for_beside_the_repository() -> None:
    assert (REPO / "pyproject.toml").is_file()
    assert okta_fidelity.SHARED in (None, REPO.parent / "shared")


def test_without_the_shared_folder_a_test_skips_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(okta_fidelity, "SHARED", None)

    with pytest.raises(pytest.skip.Exception, match="absent"):
        okta_fidelity.require_shared()


# -- loading the spec


def test_spec_is_parsed_once_then_read_from_its_cache(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cold = OktaSpec.load(shared_dir / SPEC_RELPATH, cache_dir=tmp_path)
    warm = OktaSpec.load(shared_dir / SPEC_RELPATH, cache_dir=tmp_path)

    assert (cold.from_cache, warm.from_cache) == (False, True)
    assert warm.document == cold.document
    assert warm.load_seconds < cold.load_seconds
    assert len(list(tmp_path.glob("management-minimal-*.json"))) == 1
    with capsys.disabled():
        print(
            f"\nspec load: cold {cold.load_seconds:.2f} s, "
            f"warm {warm.load_seconds:.2f} s"
        )


def test_a_changed_spec_is_parsed_again(tmp_path: Path) -> None:
    source = tmp_path / "spec.yaml"
    source.write_text("openapi: 3.0.3\npaths: {}\n")
    OktaSpec.load(source, cache_dir=tmp_path / "cache")
    source.write_text("openapi: 3.0.3\npaths: {/a: {get: {responses: {}}}}\n")

    again = OktaSpec.load(source, cache_dir=tmp_path / "cache")

    assert not again.from_cache
    assert again.operation("GET", "/a").template == "/a"


# -- operations


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/api/v1/apps", "/api/v1/apps"),
        ("GET", "/api/v1/apps?limit=200&after=0oa9", "/api/v1/apps"),
        (
            "GET",
            "https://x.okta.com/api/v1/apps/0oa1/users",
            "/api/v1/apps/{appId}/users",
        ),
        (
            "PUT",
            "/api/v1/apps/0oa1/groups/00g1",
            "/api/v1/apps/{appId}/groups/{groupId}",
        ),
        (
            "DELETE",
            "/api/v1/apps/0oa1/group-push/mappings/gPm1",
            "/api/v1/apps/{appId}/group-push/mappings/{mappingId}",
        ),
        ("GET", "/api/v1/users/alice@example.com", "/api/v1/users/{id}"),
        ("GET", "/api/v1/groups/rules", "/api/v1/groups/rules"),
        ("GET", "/api/v1/groups/00g1", "/api/v1/groups/{groupId}"),
    ],
)
def test_a_concrete_path_finds_its_operation(
    spec: OktaSpec, method: str, path: str, template: str
) -> None:
    assert spec.operation(method, path).template == template


def test_path_parameters_are_named_as_the_spec_names_them(spec: OktaSpec) -> None:
    op = spec.operation("GET", "/api/v1/apps/0oa1/users/00u2")

    assert op.operation_id == "getApplicationUser"
    assert op.path_params == {"appId": "0oa1", "userId": "00u2"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/nowhere"), ("PATCH", "/api/v1/apps"), ("GET", "/api/v1")],
)
def test_an_operation_the_spec_lacks_is_a_spec_gap(
    spec: OktaSpec, method: str, path: str
) -> None:
    with pytest.raises(SpecGap, match="no operation"):
        spec.operation(method, path)


def test_a_status_the_spec_does_not_list_is_a_gap_not_an_error(
    spec: OktaSpec,
) -> None:
    real = recorded(PUSH_CREATE)

    assert not spec.describes("POST", real.path, 200)
    assert spec.describes("POST", real.path, 201)
    with pytest.raises(SpecGap, match="does not describe status 200"):
        spec.validate_response("POST", real.path, 200, real.body)
    assert (
        spec.validate_response("POST", real.path, 200, real.body, schema_status=201)
        == []
    )


# -- validation


def _mapping_body() -> dict[str, Any]:
    body = recorded(PUSH_CREATE).body
    assert isinstance(body, dict)
    return copy.deepcopy(body)


def test_validation_names_each_problem_by_its_path(spec: OktaSpec) -> None:
    path = "/api/v1/apps/0oa1/group-push/mappings/gPm1"
    body = _mapping_body()
    body["id"] = 42
    body["status"] = "PAUSED"
    body["targetGroupId"] = None

    errors = spec.validate_response("GET", path, 200, body)

    assert errors == [
        "$.id: 42 is not of type 'string'",
        "$.status: 'PAUSED' is not in the enum ['ACTIVE', 'ERROR', 'INACTIVE']",
        "$.targetGroupId: null, where the spec does not allow null",
    ]


def test_a_missing_required_property_is_reported(spec: OktaSpec) -> None:
    app = copy.deepcopy(recorded(SAML_CREATE).body)
    del app["label"]

    errors = spec.validate_response("GET", "/api/v1/apps/0oa1", 200, app)

    assert "$: 'label' is a required property" in errors


def test_discriminator_checks_the_schema_of_the_sign_on_mode(spec: OktaSpec) -> None:
    # settings.signOn exists only in SamlApplication, which Application's
    # discriminator selects; without it this error would go unseen.
    app = copy.deepcopy(recorded(SAML_CREATE).body)
    app["settings"]["signOn"]["ssoAcsUrl"] = 5

    single = spec.validate_response("GET", "/api/v1/apps/0oa1", 200, app)
    listed = spec.validate_response("GET", "/api/v1/apps", 200, [app, app])

    assert "$.settings.signOn.ssoAcsUrl: 5 is not of type 'string'" in single
    assert "$[1].settings.signOn.ssoAcsUrl: 5 is not of type 'string'" in listed


def test_a_write_only_property_in_an_answer_is_reported_without_its_value(
    spec: OktaSpec,
) -> None:
    app_user = copy.deepcopy(recorded(APP_USER_CREATE).body)
    app_user["credentials"]["password"] = {"value": "s3cret-value"}

    errors = spec.validate_response(
        "GET", "/api/v1/apps/0oa1/users/00u1", 200, app_user
    )

    assert any("credentials.password.value: a write-only" in e for e in errors)
    assert not any("s3cret-value" in e for e in errors)


def test_empty_answers_are_checked_too(spec: OktaSpec) -> None:
    assert spec.validate_response("DELETE", "/api/v1/apps/0oa1", 204, None) == []
    assert spec.validate_response("DELETE", "/api/v1/apps/0oa1", 204, {}) == [
        "$: a body, where the spec describes none for 204"
    ]
    assert spec.validate_response("GET", "/api/v1/apps/0oa1", 200, None) == [
        "$: no body, where the spec describes one for 200"
    ]


# -- recordings


def test_a_go_vcr_recording_is_read_in_full() -> None:
    item = recorded(PUSH_CREATE)

    assert (item.method, item.status) == ("POST", 200)
    assert item.path == "/api/v1/apps/0oawoywtvmuPKLlXK1d7/group-push/mappings"
    assert item.request_body == {
        "sourceGroupId": "00gwoyxyr2pRjTsOs1d7",
        "status": "ACTIVE",
        "targetGroupName": "Some Example Test Push Group",
    }
    assert item.header("Content-Type") == "application/json"
    assert item.body["targetGroupId"] == "00gwoz5u10ki3SavW1d7"

    deleted = load_recording(PUSH_CREATE[0])[17]
    assert deleted.query == {"deleteTargetGroup": ["false"]}
    assert (deleted.status, deleted.body, deleted.text) == (200, None, "")


def test_a_vcrpy_recording_is_read_in_full() -> None:
    item = load_recording(
        "okta-sdk-python/test_applications_it/"
        "TestApplicationsResource.test_list_applications_pagination_with_after.yaml"
    )[6]

    assert (item.method, item.path, item.status) == ("GET", "/api/v1/apps", 400)
    assert item.query["after"] == ["00u1testcursorvalue"]
    assert item.body["errorCode"] == "E0000029"
    assert item.header("content-type") == "application/json"

    limited = recorded(RATE_LIMITED)
    assert limited.header("X-Rate-Limit-Remaining") == "0"
    assert limited.headers["set-cookie"][0].startswith("sid=")


def test_the_manifest_lists_every_recording_and_its_calls() -> None:
    entries = manifest()

    assert len(entries) == len(list(recordings_dir().rglob("*.yaml")))
    for entry in entries:
        raw = (recordings_dir() / entry.recording).read_bytes()
        assert hashlib.sha256(raw).hexdigest()[:16] == entry.sha256_16
        listed: Counter[tuple[str, int]] = Counter()
        for method, _, status, count in entry.calls:
            listed[(method, status)] += count
        found = Counter((i.method, i.status) for i in load_recording(entry.recording))
        assert found == listed, entry.recording


@pytest.mark.parametrize(
    ("method", "template", "status", "where"),
    [
        ("POST", "/api/v1/apps", 200, SAML_CREATE),
        ("POST", "/api/v1/apps/{appId}/group-push/mappings", 200, None),
        ("POST", "/api/v1/apps/{appId}/users", 200, None),
        ("PUT", "/api/v1/apps/{appId}/groups/{groupId}", 200, None),
        ("GET", "/api/v1/apps/{appId}/features", 429, RATE_LIMITED),
    ],
)
def test_interactions_are_found_by_templated_path(
    shared_dir: Path,
    method: str,
    template: str,
    status: int,
    where: tuple[str, int] | None,
) -> None:
    found = find_interactions(method, template, status)

    assert found
    assert all((i.method, i.status) == (method, status) for i in found)
    if where is not None:
        assert recorded(where) in found


def test_a_filter_narrows_the_interactions_found(shared_dir: Path) -> None:
    def custom_saml(item: Interaction) -> bool:
        request = item.request_body
        return (
            isinstance(request, dict)
            and request.get("signOnMode") == "SAML_2_0"
            and "name" not in request
        )

    first = find_interaction("POST", "/api/v1/apps", 200, where=custom_saml)

    assert first.body["signOnMode"] == "SAML_2_0"
    assert first.body["name"].endswith(("_1", "_2", "_3", "_4", "_5", "_6"))
    with pytest.raises(LookupError):
        find_interaction("POST", "/api/v1/apps/{appId}/nothing", 200)


# -- where real Okta and the spec disagree


def test_recorded_real_answers_for_the_five_cases(spec: OktaSpec) -> None:
    saml = recorded(SAML_CREATE)
    push = recorded(PUSH_CREATE)
    app_user = recorded(APP_USER_CREATE)
    group = recorded(APP_GROUP_ASSIGN)
    limited = recorded(RATE_LIMITED)
    null = "null, where the spec does not allow null"

    assert spec.validate_response("POST", saml.path, 200, saml.body) == [
        f"$.accessibility.errorRedirectUrl: {null}",
        f"$.accessibility.loginRedirectUrl: {null}",
        f"$.settings.notes.admin: {null}",
        f"$.settings.notes.enduser: {null}",
        f"$.settings.notifications.vpn.helpUrl: {null}",
        f"$.settings.notifications.vpn.message: {null}",
        f"$.settings.signOn.spIssuer: {null}",
    ]
    with pytest.raises(SpecGap):  # 200 where the spec says 201
        spec.validate_response("POST", push.path, 200, push.body)
    assert (
        spec.validate_response("POST", push.path, 200, push.body, schema_status=201)
        == []
    )
    assert spec.validate_response("POST", app_user.path, 200, app_user.body) == [
        f"$.externalId: {null}"
    ]
    assert spec.validate_response("PUT", group.path, 200, group.body) == []
    assert spec.validate_response("GET", limited.path, 429, limited.body) == []


def test_every_recorded_answer_is_valid_or_a_known_difference(
    spec: OktaSpec,
) -> None:
    checked = 0
    problems: list[str] = []
    for entry in manifest():
        for item in load_recording(entry.recording):
            try:
                op = spec.operation(item.method, item.path)
            except SpecGap:
                continue  # internal or oauth2 endpoints, outside the tool's
            if (op.method, op.template) not in TOOL_OPERATIONS:
                continue
            checked += 1
            found = spec_problems(spec, item.method, item.path, item.status, item.body)
            problems += [f"{item}: {p}" for p in found]

    assert checked > 1000
    assert problems == []


@pytest.mark.parametrize("known", REAL_OKTA_DIFFERENCES, ids=str)
def test_each_known_difference_is_in_its_recording(
    spec: OktaSpec, known: KnownDifference
) -> None:
    item = by_reference(known.recording)
    op = spec.operation(item.method, item.path)

    errors = spec.validate_response(item.method, item.path, item.status, item.body)

    assert (op.method, op.template) in known.operations
    assert any(is_known(e, [known]) for e in errors), errors


@pytest.mark.parametrize("known", REAL_OKTA_STATUSES, ids=str)
def test_each_known_status_is_in_its_recording(
    spec: OktaSpec, known: StatusDifference
) -> None:
    item = by_reference(known.recording)

    assert (item.method, item.status) == (known.method, known.status)
    assert spec.operation(item.method, item.path).template == known.template
    assert not spec.describes(item.method, item.path, item.status)
    assert spec_problems(spec, item.method, item.path, item.status, item.body) == []


def test_spec_problems_still_reports_what_okta_never_does(spec: OktaSpec) -> None:
    app = copy.deepcopy(recorded(SAML_CREATE).body)
    app["label"] = 7
    error = {"errorCode": "E0000011", "errorSummary": "Invalid token provided"}

    assert spec_problems(spec, "GET", "/api/v1/apps/0oa1", 200, app) == [
        "$.label: 7 is not of type 'string'"
    ]
    # No 401 in the spec for this operation: Okta's Error body is expected.
    assert spec_problems(spec, "GET", "/api/v1/apps/0oa1", 401, error) == []
    assert spec_problems(spec, "GET", "/api/v1/apps/0oa1", 401, {"errorCode": 1}) == [
        "$.errorCode: 1 is not of type 'string'"
    ]
    assert spec_problems(spec, "GET", "/api/v1/apps/0oa1", 401, None) == [
        "$: no body, where Okta sends its Error body"
    ]


# -- shapes


def test_shape_keeps_keys_and_types_and_drops_values() -> None:
    value = {"id": "0oa1", "n": 3, "r": 0.5, "ok": True, "x": None, "l": [{"a": 1}]}

    assert shape(value) == {
        "id": "string",
        "n": "integer",
        "r": "number",
        "ok": "boolean",
        "x": "null",
        "l": [{"a": "integer"}],
    }


def test_shape_merges_list_items() -> None:
    assert shape([{"a": 1}, {"b": "x"}, {"a": None}]) == [
        {"a": "integer", "b": "string"}
    ]
    assert shape([1, "x"]) == ["integer|string"]
    assert shape([]) == []


def test_compare_shapes_finds_a_missing_key() -> None:
    real = {"id": "a", "scope": "USER", "profile": {"email": "x"}}
    ours = {"id": "b", "profile": {}}

    assert compare_shapes(real, ours) == [
        "missing: scope (real Okta has string)",
        "missing: profile.email (real Okta has string)",
    ]


def test_compare_shapes_finds_an_extra_key_and_a_type_change() -> None:
    real = {"priority": 0, "items": [{"id": "a"}]}
    ours = {"priority": "0", "items": [{"id": 1}], "debug": {}}

    assert compare_shapes(real, ours) == [
        "type: priority real Okta integer, ours string",
        "type: items.[].id real Okta string, ours integer",
        "extra: debug (object; real Okta has no such key)",
    ]


def test_null_against_a_value_is_reported_apart() -> None:
    real = {"externalId": None, "passwordChanged": None, "status": "ACTIVE"}
    ours = {"externalId": "x1", "passwordChanged": None, "status": None}

    assert compare_shapes(real, ours) == []
    assert null_differences(real, ours) == [
        "null: externalId real Okta null, ours string",
        "null: status real Okta string, ours null",
    ]
    assert len(compare_shapes(real, ours, nulls=True)) == 2


def test_data_keyed_maps_compare_values_not_key_names() -> None:
    real = {
        "visibility": {"appLinks": {"agora_1_link": True}},
        "_links": {"deactivate": {"href": "u"}, "logo": [{"href": "u", "name": "m"}]},
    }
    ours = {
        "visibility": {"appLinks": {"login": True}},
        "_links": {"activate": {"href": "u"}},
    }
    broken = {
        "visibility": {"appLinks": {"login": "yes"}},
        "_links": {"activate": {"href": 1}},
    }

    assert compare_shapes(real, ours) == []
    assert compare_shapes(real, broken) == [
        "type: visibility.appLinks.* real Okta boolean, ours string",
        "type: _links.*.href real Okta string, ours integer",
    ]
    assert compare_shapes(real, {"visibility": {"appLinks": {}}, "_links": {}}) == []


def test_ignored_paths_are_left_out() -> None:
    real = {"profile": {"given_name": "A", "zoneinfo": "x"}, "id": "a"}
    ours = {"profile": {"email": "a@x"}, "id": 1}

    assert compare_shapes(real, ours, ignore={"profile"}) == [
        "type: id real Okta string, ours integer"
    ]
    assert compare_shapes(real, ours, ignore={"profile.*", "id"}) == []
