"""Fidelity checks against Okta: its published spec and real recorded traffic.

Three tools for tests that ask "does this answer look like Okta's?":

- ``OktaSpec`` loads ``../shared/okta/openapi/management-minimal.yaml`` once,
  finds the operation for a concrete request path and validates a JSON answer
  against the schema the spec gives for its status (OpenAPI 3.0: ``nullable``,
  ``readOnly``/``writeOnly`` in the response sense, ``discriminator``).
- ``load_recording`` and ``find_interaction`` read the real exchanges in
  ``../shared/okta/recordings/`` (go-vcr v2 and vcrpy cassettes).
- ``shape`` and ``compare_shapes`` compare two JSON answers by keys and value
  types, not by values.

The shared folder sits beside the repository and is never copied into it;
tests that need it call ``require_shared()`` and skip, saying why, when it is
absent.
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml
from jsonschema.exceptions import (  # type: ignore[import-untyped]
    ValidationError,
    best_match,
)
from jsonschema.validators import extend  # type: ignore[import-untyped]
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

log = logging.getLogger(__name__)

JSON = Any


def _find_repo() -> Path:
    """The repository root: the nearest parent of this file with pyproject.toml."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return here.parents[1]


REPO: Path = _find_repo()
_SHARED_CANDIDATE = REPO.parent / "shared"

# None when the shared folder is not beside the repository (a fresh clone).
SHARED: Path | None = (
    _SHARED_CANDIDATE if (_SHARED_CANDIDATE / "okta").is_dir() else None
)

SPEC_RELPATH = "okta/openapi/management-minimal.yaml"
RECORDINGS_RELPATH = "okta/recordings"


def require_shared() -> Path:
    """The shared folder, or skip the calling test saying why it is needed."""
    if SHARED is None:
        pytest.skip(
            f"needs Okta's spec and recordings in {_SHARED_CANDIDATE}, "
            "which is absent (it sits beside the repository, never inside it)"
        )
    return SHARED


# --------------------------------------------------------------------------
# The spec


class SpecGap(LookupError):
    """The spec does not describe this response: no path, method or status.

    Distinct from a validation failure: the answer is not wrong by the spec,
    the spec is silent about it (real Okta sometimes answers with a status
    the spec does not list, e.g. 200 where it says 201).
    """

    def __init__(self, method: str, path: str, reason: str) -> None:
        super().__init__(f"{method.upper()} {path}: {reason}")
        self.method = method.upper()
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, found for a concrete request path."""

    method: str
    template: str
    operation_id: str | None
    path_params: Mapping[str, str]
    responses: Mapping[str, Any]

    def statuses(self) -> list[str]:
        return list(self.responses)


_SPEC_URI = "urn:okta:management-minimal"


@dataclass(frozen=True)
class _Template:
    path: str
    segments: tuple[str | None, ...]  # None for a {parameter} segment
    names: tuple[str, ...]

    @classmethod
    def parse(cls, path: str) -> _Template:
        segments: list[str | None] = []
        names: list[str] = []
        for part in path.strip("/").split("/"):
            if part.startswith("{") and part.endswith("}"):
                segments.append(None)
                names.append(part[1:-1])
            else:
                segments.append(part)
        return cls(path, tuple(segments), tuple(names))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        names = iter(self.names)
        for want, got in zip(self.segments, parts, strict=True):
            if want is None:
                if not got:
                    return None
                params[next(names)] = got
            elif want != got:
                return None
        return params

    def specificity(self) -> tuple[int, ...]:
        # A literal segment beats a parameter at the first place they differ:
        # /api/v1/groups/rules wins over /api/v1/groups/{groupId}.
        return tuple(0 if s is None else 1 for s in self.segments)


def _split_ref(ref: str) -> list[str]:
    """The unescaped parts of a local reference such as #/components/x."""
    parts = ref.removeprefix("#/").split("/")
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def _pointer(parts: Iterable[str]) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


def _discriminator(
    validator: Any, discriminator: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """OpenAPI 3.0 discriminator on a base schema that subschemas extend.

    openapi-schema-validator handles a discriminator only beside oneOf/anyOf/
    allOf; Okta's spec mostly puts it on a base schema (``Application``,
    keyed by ``signOnMode``) that the concrete schemas include through
    ``allOf``. Validating the base then means validating the mapped schema,
    which includes the base again: a guard keyed by instance and target stops
    that loop after one round.
    """
    if any(k in schema for k in ("oneOf", "anyOf", "allOf")):
        return  # the library's own keywords handle this form
    if not isinstance(instance, dict) or not isinstance(discriminator, dict):
        return
    value = instance.get(discriminator.get("propertyName", ""))
    if not isinstance(value, str):
        return  # a missing or null value is reported by the base schema
    target = discriminator.get("mapping", {}).get(value)
    if target is None:
        # Implicit mapping by schema name; an unknown value leaves only the
        # base schema to check, as OpenAPI 3.0 leaves it undefined.
        target = f"#/components/schemas/{value}"
        try:
            validator._resolver.lookup(f"{_SPEC_URI}{target}")
        except Unresolvable:
            return
    key = (id(instance), target)
    if key in _ACTIVE_DISCRIMINATORS:
        return
    _ACTIVE_DISCRIMINATORS.add(key)
    try:
        errors = list(validator.descend(instance, {"$ref": f"{_SPEC_URI}{target}"}))
    finally:
        _ACTIVE_DISCRIMINATORS.discard(key)
    yield from errors


_ACTIVE_DISCRIMINATORS: set[tuple[int, str]] = set()

# Responses are read, not written: writeOnly properties must be absent and
# are not required; readOnly properties are expected.
_ResponseValidator = extend(
    OAS30ReadValidator, validators={"discriminator": _discriminator}
)


class OktaSpec:
    """Okta's management API spec: operations and response validation."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        load_seconds: float = 0.0,
        from_cache: bool = False,
    ) -> None:
        self.document = document
        self.load_seconds = load_seconds
        self.from_cache = from_cache
        self._templates = sorted(
            (_Template.parse(p) for p in document.get("paths", {})),
            key=lambda t: t.specificity(),
            reverse=True,
        )
        resource = DRAFT4.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)

    # -- loading

    @classmethod
    def load(cls, path: Path, *, cache_dir: Path | None = None) -> OktaSpec:
        """Parse the YAML spec, or read it from a JSON cache keyed by sha256.

        The spec is 3.4 MB; libyaml parses it in about 3 s, JSON reads the
        cached copy in a tenth of that. The cache sits in pytest's cache
        folder (``.pytest_cache/d/okta-spec``) or, if that cannot be written,
        in the system temp folder.
        """
        started = time.perf_counter()
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        cache = _cache_file(cache_dir, digest)

        document = _read_cache(cache)
        from_cache = document is not None
        if document is None:
            document = _normalise(yaml.load(raw, Loader=yaml.CSafeLoader))
            _write_cache(cache, document)

        seconds = time.perf_counter() - started
        log.info("load spec=%s cache=%s seconds=%.3f", path, from_cache, seconds)
        return cls(document, load_seconds=seconds, from_cache=from_cache)

    @classmethod
    def shared(cls) -> OktaSpec:
        """The spec in the shared folder, loaded once per process."""
        return _shared_spec(require_shared() / SPEC_RELPATH)

    # -- operations

    def operation(self, method: str, path: str) -> Operation:
        """The operation for a concrete path such as /api/v1/apps/0oa1/users."""
        if "://" in path:
            path = urlsplit(path).path
        parts = [p for p in path.split("?")[0].split("/") if p]
        verb = method.lower()
        for template in self._templates:
            params = template.match(parts)
            if params is None:
                continue
            item = self.document["paths"][template.path]
            if verb not in item:
                continue
            op = item[verb]
            return Operation(
                method=method.upper(),
                template=template.path,
                operation_id=op.get("operationId"),
                path_params=params,
                responses=op.get("responses", {}),
            )
        raise SpecGap(method, path, "no operation in the spec")

    def describes(self, method: str, path: str, status: int) -> bool:
        """Whether the spec lists this status for the operation."""
        try:
            self._response_key(self.operation(method, path), status)
        except SpecGap:
            return False
        return True

    def response_schema(
        self, method: str, path: str, status: int
    ) -> Mapping[str, Any] | None:
        """The JSON schema (as a $ref into the spec) of the answer, or None.

        None means the spec describes the status with no body. Raises
        SpecGap when it does not describe the status at all.
        """
        op = self.operation(method, path)
        key = self._response_key(op, status)
        where = ["paths", op.template, method.lower(), "responses", key]
        response = op.responses[key]

        # A response may itself be a $ref into components/responses.
        while isinstance(response, dict) and "$ref" in response:
            where = _split_ref(response["$ref"])
            response = self._resolve(where)

        content = response.get("content") or {}
        media = _json_media_type(content)
        if media is None or "schema" not in content[media]:
            return None
        return {"$ref": _SPEC_URI + _pointer([*where, "content", media, "schema"])}

    def validate_response(
        self,
        method: str,
        path: str,
        status: int,
        body: JSON,
        *,
        schema_status: int | None = None,
    ) -> list[str]:
        """Problems of ``body`` against the spec's answer; empty means valid.

        ``body`` is parsed JSON, or None for an empty body. ``schema_status``
        validates against the schema the spec gives for another status, for
        answers where real Okta's status differs from the spec's (the body is
        still the one the spec describes). Raises SpecGap when the spec does
        not describe the status.
        """
        schema = self.response_schema(method, path, schema_status or status)
        if schema is None:
            if body is None:
                return []
            return [f"$: a body, where the spec describes none for {status}"]
        if body is None:
            return [f"$: no body, where the spec describes one for {status}"]
        return self.validate(schema, body)

    def validate_schema(self, name: str, instance: JSON) -> list[str]:
        """Problems of ``instance`` against ``#/components/schemas/<name>``."""
        ref = f"{_SPEC_URI}#/components/schemas/{name}"
        return self.validate({"$ref": ref}, instance)

    def validate(self, schema: Mapping[str, Any], instance: JSON) -> list[str]:
        # Formats are checked where a checker is installed: date-time (by
        # rfc3339-validator), email, int32/int64, uuid... "uri" is not, as
        # rfc3987 is not a dependency; a malformed URL passes unnoticed.
        validator = _ResponseValidator(
            schema,
            registry=self._registry,
            format_checker=_ResponseValidator.FORMAT_CHECKER,
        )
        found = {_describe(e) for e in validator.iter_errors(instance)}
        return sorted(found)

    def _response_key(self, op: Operation, status: int) -> str:
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in op.responses:
                return key
        listed = ", ".join(op.responses) or "none"
        raise SpecGap(
            op.method,
            op.template,
            f"the spec does not describe status {status} (it lists {listed})",
        )

    def _resolve(self, parts: list[str]) -> Any:
        node: Any = self.document
        for part in parts:
            node = node[part]
        return node


def _json_media_type(content: Mapping[str, Any]) -> str | None:
    if "application/json" in content:
        return "application/json"
    return next((m for m in content if "json" in m), None)


def _describe(error: ValidationError) -> str:
    """One readable line: JSON path, then what is wrong, without huge reprs."""
    where = error.json_path
    value = error.validator_value
    if error.instance is None and error.validator in ("type", "enum"):
        # One line for both keywords a null breaks (OAS 3.0 nullable: false).
        return f"{where}: null, where the spec does not allow null"
    if error.validator == "writeOnly":
        # The message of the library would repeat the value: maybe a secret.
        return f"{where}: a write-only property, which an answer must not carry"
    if error.validator == "enum":
        shown = ", ".join(map(repr, list(value)[:8]))
        more = ", ..." if len(value) > 8 else ""
        return f"{where}: {error.instance!r} is not in the enum [{shown}{more}]"
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = best_match(error.context)
        inner = _describe(best) if best is not None else "no detail"
        return f"{where}: matches none of its {error.validator} schemas ({inner})"
    message = error.message if len(error.message) <= 160 else error.message[:157]
    return f"{where}: {message}"


def _normalise(document: Any) -> Any:
    """Make the YAML document JSON-exact, so cold and cached loads agree."""
    return json.loads(json.dumps(document, default=str))


def _cache_file(cache_dir: Path | None, digest: str) -> Path:
    folder = cache_dir or REPO / ".pytest_cache" / "d" / "okta-spec"
    return folder / f"management-minimal-{digest[:32]}.json"


def _read_cache(cache: Path) -> Any | None:
    try:
        return json.loads(cache.read_bytes())
    except (OSError, ValueError):
        return None


def _write_cache(cache: Path, document: Any) -> None:
    # Written beside its final name and renamed, so that two test processes
    # never read a half-written cache.
    for folder in (cache.parent, Path(tempfile.gettempdir()) / "okta-spec"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(tmp, folder / cache.name)
            return
        except OSError as exc:
            log.warning("write_cache folder=%s error=%s", folder, exc)


@functools.cache
def _shared_spec(path: Path) -> OktaSpec:
    return OktaSpec.load(path)


# --------------------------------------------------------------------------
# Recordings


@dataclass(frozen=True)
class Interaction:
    """One recorded request and Okta's answer to it."""

    recording: str
    index: int
    method: str
    url: str
    path: str
    query: Mapping[str, list[str]]
    request_body: JSON
    status: int
    headers: Mapping[str, list[str]]  # names in lower case
    body: JSON  # parsed JSON, or None when empty or not JSON
    text: str = field(repr=False)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def __str__(self) -> str:
        return f"{self.recording}#{self.index} {self.method} {self.path} {self.status}"


def recordings_dir() -> Path:
    return require_shared() / RECORDINGS_RELPATH


@functools.cache
def load_recording(relpath: str) -> tuple[Interaction, ...]:
    """The interactions of one cassette, relative to the recordings folder."""
    document = yaml.load(
        (recordings_dir() / relpath).read_bytes(), Loader=yaml.CSafeLoader
    )
    parse = _go_vcr_interaction if document.get("version") == 2 else _vcrpy_interaction
    return tuple(
        parse(relpath, index, item)
        for index, item in enumerate(document.get("interactions") or [])
    )


def _go_vcr_interaction(relpath: str, index: int, item: Any) -> Interaction:
    request, response = item["request"], item["response"]
    return _interaction(
        relpath,
        index,
        method=request["method"],
        url=request["url"],
        request_body=request.get("body"),
        status=int(response["code"]),
        headers=response.get("headers") or {},
        text=response.get("body") or "",
    )


def _vcrpy_interaction(relpath: str, index: int, item: Any) -> Interaction:
    request, response = item["request"], item["response"]
    body = response.get("body") or {}
    text = body.get("string", "") if isinstance(body, dict) else body
    return _interaction(
        relpath,
        index,
        method=request["method"],
        url=request["uri"],
        request_body=request.get("body"),
        status=int(response["status"]["code"]),
        headers=response.get("headers") or {},
        text=text or "",
    )


def _interaction(
    relpath: str,
    index: int,
    *,
    method: str,
    url: str,
    request_body: Any,
    status: int,
    headers: Mapping[str, Any],
    text: str | bytes,
) -> Interaction:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    parts = urlsplit(url)
    return Interaction(
        recording=relpath,
        index=index,
        method=method.upper(),
        url=url,
        path=unquote(parts.path),
        query=parse_qs(parts.query, keep_blank_values=True),
        request_body=_parse_json(request_body),
        status=status,
        headers=_lower_headers(headers),
        body=_parse_json(text),
        text=text,
    )


def _parse_json(value: Any) -> JSON:
    """Parsed JSON for text holding JSON; other values as recorded; '' is None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _lower_headers(headers: Mapping[str, Any]) -> dict[str, list[str]]:
    # vcrpy stores a header as a string or a list; go-vcr always as a list.
    lowered: dict[str, list[str]] = {}
    for name, values in headers.items():
        listed = values if isinstance(values, list) else [values]
        lowered.setdefault(str(name).lower(), []).extend(str(v) for v in listed)
    return lowered


@dataclass(frozen=True)
class ManifestEntry:
    recording: str
    source_repo: str
    calls: tuple[tuple[str, str, int, int], ...]  # method, path, status, count
    sha256_16: str


_CALL = re.compile(r"^(\S+) (\S+) (\d{3})(?: x(\d+))?$")


@functools.cache
def manifest() -> tuple[ManifestEntry, ...]:
    """recordings/MANIFEST.tsv: every recording and the calls it holds."""
    path = recordings_dir() / "MANIFEST.tsv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    entries = []
    for row in rows:
        calls = []
        for text in row["interactions(method path status)"].split("; "):
            found = _CALL.match(text.strip())
            if found:
                method, where, status, count = found.groups()
                calls.append((method, where, int(status), int(count or 1)))
        entries.append(
            ManifestEntry(
                recording=row["local_path"],
                source_repo=row["source_repo"],
                calls=tuple(calls),
                sha256_16=row["sha256_16"],
            )
        )
    return tuple(entries)


def find_interactions(
    method: str,
    path_template: str,
    status: int,
    *,
    where: Callable[[Interaction], bool] | None = None,
) -> list[Interaction]:
    """Every recorded interaction matching method, templated path and status.

    ``path_template`` uses ``{name}`` for one path segment, whatever the name
    (``/api/v1/apps/{appId}/users``). The manifest picks the files to read;
    ``where`` narrows further, e.g. to a SAML 2.0 app. Manifest order.
    """
    template = _Template.parse(path_template)
    verb = method.upper()
    found: list[Interaction] = []
    for entry in manifest():
        wanted = any(
            m == verb and s == status and _template_could_match(template, p)
            for m, p, s, _ in entry.calls
        )
        if not wanted:
            continue
        for item in load_recording(entry.recording):
            if item.method != verb or item.status != status:
                continue
            if template.match(item.path.strip("/").split("/")) is None:
                continue
            if where is None or where(item):
                found.append(item)
    return found


def find_interaction(
    method: str,
    path_template: str,
    status: int,
    *,
    where: Callable[[Interaction], bool] | None = None,
) -> Interaction:
    """The first matching recorded interaction; LookupError when none."""
    found = find_interactions(method, path_template, status, where=where)
    if not found:
        raise LookupError(f"no recording of {method} {path_template} {status}")
    return found[0]


def _template_could_match(template: _Template, manifest_path: str) -> bool:
    # The manifest names ids {appId}, {userId}...; a concrete id is also kept.
    parts = manifest_path.strip("/").split("/")
    if len(parts) != len(template.segments):
        return False
    return all(
        want is None or got.startswith("{") or want == got
        for want, got in zip(template.segments, parts, strict=True)
    )


# --------------------------------------------------------------------------
# Shapes
#
# A shape keeps the keys and value types of a JSON value and drops the
# values: an object maps each key to its shape, an array holds the merged
# shape of its items ([] when empty), a scalar is its type name: "string",
# "integer", "number", "boolean" or "null" ("integer|string" when items of
# one array differ).
#
# What "same keys, same value types" means here:
# - Keys of objects are compared exactly, except under DATA_KEYED paths.
# - Some objects are maps whose keys are data: `visibility.appLinks` is keyed
#   by the app's link names, and `_links` by link relations that Okta adds or
#   drops with the object's state and the org's edition (an active app has
#   `deactivate`, an inactive one `activate`; OIE orgs add `accessPolicy`).
#   There, key names are not compared; every value must have the shape of
#   the others (a HAL link: href, and maybe name, type, hints). A list value
#   counts as its items, as HAL allows one link or a list under a relation.
#   Inside such values only keys both sides have are compared (a logo link
#   has a name, a users link none: merged, neither absence means anything).
# - An empty array fits any array, and an empty data-keyed map any map: the
#   item type is unknown, not different.
# - null against a value is reported as a "null" difference, apart from
#   missing/extra/type: real Okta sends null for many unset optional fields
#   where a twin may leave them out or fill them in. compare_shapes leaves
#   nulls out unless asked; null_differences lists them.
# - In arrays and data-keyed maps, items are merged first: keys present in
#   any item count, and a null item beside non-null ones takes their shape.

Shape = Any

DATA_KEYED: frozenset[str] = frozenset({"_links", "visibility.appLinks"})


def shape(value: JSON, *, data_keyed: Iterable[str] = DATA_KEYED) -> Shape:
    """Keys and value types of a JSON value (see the notes above)."""
    return _shape(value, "", tuple(data_keyed))


def _shape(value: JSON, path: str, data_keyed: tuple[str, ...]) -> Shape:
    if isinstance(value, dict):
        if _matches(path, data_keyed):
            child = _join(path, "*")
            merged = _merge_all(
                _shape(item, child, data_keyed) for item in _map_values(value)
            )
            return {"*": merged}
        return {k: _shape(v, _join(path, k), data_keyed) for k, v in value.items()}
    if isinstance(value, list):
        merged = _merge_all(_shape(v, _join(path, "[]"), data_keyed) for v in value)
        return [] if merged is None else [merged]
    return _scalar(value)


def _map_values(value: dict[str, JSON]) -> Iterator[JSON]:
    # HAL puts one link or a list of links under a relation: a list value
    # counts as its items.
    for item in value.values():
        if isinstance(item, list):
            yield from item
        else:
            yield item


def _scalar(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _merge_all(shapes: Iterable[Shape]) -> Shape | None:
    merged: Shape | None = None
    for item in shapes:
        merged = item if merged is None else _merge(merged, item)
    return merged


def _merge(a: Shape, b: Shape) -> Shape:
    if a is None or a == "null":
        return b
    if b is None or b == "null":
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        keys = list(a) + [k for k in b if k not in a]
        return {
            k: _merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k))
            for k in keys
        }
    if isinstance(a, list) and isinstance(b, list):
        if not a or not b:
            return a or b
        return [_merge(a[0], b[0])]
    names = set(_kind(a).split("|")) | set(_kind(b).split("|"))
    return "|".join(sorted(names))


def _kind(s: Shape) -> str:
    if isinstance(s, dict):
        return "object"
    if isinstance(s, list):
        return "array"
    return str(s)


def _join(path: str, key: str) -> str:
    return key if not path else f"{path}.{key}"


def _matches(path: str, patterns: Iterable[str]) -> bool:
    """fnmatch on the dotted path, anchored at its end: "_links" matches
    "_links", "[]._links" and "profile._links"."""
    return any(
        fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, f"*.{p}")
        for p in patterns
    )


@dataclass(frozen=True)
class ShapeDifference:
    kind: str  # "missing" (in ours), "extra" (in ours), "type", "null"
    path: str
    real: str
    ours: str

    def __str__(self) -> str:
        where = self.path or "$"
        if self.kind == "missing":
            return f"missing: {where} (real Okta has {self.real})"
        if self.kind == "extra":
            return f"extra: {where} ({self.ours}; real Okta has no such key)"
        return f"{self.kind}: {where} real Okta {self.real}, ours {self.ours}"


def diff_shapes(
    real: JSON,
    ours: JSON,
    *,
    ignore: Iterable[str] = (),
    data_keyed: Iterable[str] = DATA_KEYED,
) -> list[ShapeDifference]:
    """Every difference between the shapes of two JSON values."""
    keyed = tuple(data_keyed)
    found: list[ShapeDifference] = []
    _diff(_shape(real, "", keyed), _shape(ours, "", keyed), "", tuple(ignore), found)
    return found


def compare_shapes(
    real: JSON,
    ours: JSON,
    *,
    ignore: Iterable[str] = (),
    data_keyed: Iterable[str] = DATA_KEYED,
    nulls: bool = False,
) -> list[str]:
    """Keys missing or extra in ours, and value types that differ.

    ``ignore`` holds dotted paths (fnmatch, anchored at the end like
    DATA_KEYED) left out of the comparison. Null against a value is left out
    unless ``nulls`` is true; ``null_differences`` lists those alone.
    """
    found = diff_shapes(real, ours, ignore=ignore, data_keyed=data_keyed)
    return [str(d) for d in found if nulls or d.kind != "null"]


def null_differences(
    real: JSON,
    ours: JSON,
    *,
    ignore: Iterable[str] = (),
    data_keyed: Iterable[str] = DATA_KEYED,
) -> list[str]:
    """Places where one side holds null and the other a value."""
    found = diff_shapes(real, ours, ignore=ignore, data_keyed=data_keyed)
    return [str(d) for d in found if d.kind == "null"]


def _diff(
    real: Shape,
    ours: Shape,
    path: str,
    ignore: tuple[str, ...],
    found: list[ShapeDifference],
) -> None:
    if path and _matches(path, ignore):
        return
    if isinstance(real, dict) and isinstance(ours, dict):
        _diff_objects(real, ours, path, ignore, found)
        return
    if isinstance(real, list) and isinstance(ours, list):
        if real and ours:
            _diff(real[0], ours[0], _join(path, "[]"), ignore, found)
        return
    real_kind, our_kind = _kind(real), _kind(ours)
    if real_kind == our_kind:
        return
    kind = "null" if "null" in (real_kind, our_kind) else "type"
    found.append(ShapeDifference(kind, path, real_kind, our_kind))


def _diff_objects(
    real: dict[str, Shape],
    ours: dict[str, Shape],
    path: str,
    ignore: tuple[str, ...],
    found: list[ShapeDifference],
) -> None:
    if set(real) == {"*"} or set(ours) == {"*"}:
        # A data-keyed map: an empty one (value None) fits any other.
        if real.get("*") is not None and ours.get("*") is not None:
            _diff(real["*"], ours["*"], _join(path, "*"), ignore, found)
        return

    # Inside a data-keyed map the values were merged across keys that are
    # data, so a key one value lacks says nothing: compare common keys only.
    loose = "*" in path.split(".")
    for key in real:
        child = _join(path, key)
        if key in ours:
            _diff(real[key], ours[key], child, ignore, found)
        elif not loose and not _matches(child, ignore):
            found.append(ShapeDifference("missing", child, _kind(real[key]), ""))
    for key in ours:
        child = _join(path, key)
        if key not in real and not loose and not _matches(child, ignore):
            found.append(ShapeDifference("extra", child, "", _kind(ours[key])))


# --------------------------------------------------------------------------
# What real Okta answers that the spec does not say
#
# Every entry was found by validating the recordings against the spec, and
# names one recorded answer that shows it (tests check that it still does).
# A twin of Okta may reproduce these; anything else the spec rejects is a
# fault of the twin.

_APP_OPS = frozenset(
    {
        ("GET", "/api/v1/apps"),
        ("POST", "/api/v1/apps"),
        ("GET", "/api/v1/apps/{appId}"),
        ("PUT", "/api/v1/apps/{appId}"),
    }
)
_APP_USER_OPS = frozenset(
    {
        ("GET", "/api/v1/apps/{appId}/users"),
        ("POST", "/api/v1/apps/{appId}/users"),
        ("GET", "/api/v1/apps/{appId}/users/{userId}"),
        ("POST", "/api/v1/apps/{appId}/users/{userId}"),
    }
)
_GROUP_OPS = frozenset(
    {
        ("GET", "/api/v1/groups"),
        ("POST", "/api/v1/groups"),
        ("GET", "/api/v1/groups/{groupId}"),
        ("PUT", "/api/v1/groups/{groupId}"),
    }
)

# The operations the tool calls (and the sandbox serves).
TOOL_OPERATIONS: frozenset[tuple[str, str]] = _APP_OPS | frozenset(
    {
        ("DELETE", "/api/v1/apps/{appId}"),
        ("POST", "/api/v1/apps/{appId}/lifecycle/activate"),
        ("POST", "/api/v1/apps/{appId}/lifecycle/deactivate"),
        ("GET", "/api/v1/apps/{appId}/users"),
        ("POST", "/api/v1/apps/{appId}/users"),
        ("GET", "/api/v1/apps/{appId}/users/{userId}"),
        ("DELETE", "/api/v1/apps/{appId}/users/{userId}"),
        ("GET", "/api/v1/apps/{appId}/groups"),
        ("GET", "/api/v1/apps/{appId}/groups/{groupId}"),
        ("PUT", "/api/v1/apps/{appId}/groups/{groupId}"),
        ("DELETE", "/api/v1/apps/{appId}/groups/{groupId}"),
        ("GET", "/api/v1/apps/{appId}/group-push/mappings"),
        ("POST", "/api/v1/apps/{appId}/group-push/mappings"),
        ("GET", "/api/v1/apps/{appId}/group-push/mappings/{mappingId}"),
        ("PATCH", "/api/v1/apps/{appId}/group-push/mappings/{mappingId}"),
        ("DELETE", "/api/v1/apps/{appId}/group-push/mappings/{mappingId}"),
        ("GET", "/api/v1/apps/{appId}/connections/default"),
        ("GET", "/api/v1/apps/{appId}/features"),
        ("GET", "/api/v1/apps/{appId}/features/{featureName}"),
        ("PUT", "/api/v1/apps/{appId}/features/{featureName}"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/users/{id}"),
        ("GET", "/api/v1/groups"),
        ("GET", "/api/v1/groups/{groupId}"),
    }
)


@dataclass(frozen=True)
class KnownDifference:
    """A body real Okta sends that the spec rejects, and where it was seen.

    ``where`` is the dotted path inside the answered object ("" for the
    object itself; items of a list answer use the same path); ``what`` the
    problem as ``validate_response`` words it, ``*`` matching anything.
    """

    operations: frozenset[tuple[str, str]]
    where: str
    what: str
    recording: str  # "<file>#<interaction index>"

    def __str__(self) -> str:
        return f"{self.where or '$'}: {self.what}"


_NULL = "null, where the spec does not allow null"
_SAML_CRUD = (
    "terraform-provider-okta/idaas/TestAccResourceOktaAppSaml_crud/classic-00.yaml"
)
_SDK_APPS = "okta-sdk-python/test_applications_it/TestApplicationsResource"


def _app_nulls(recording: str, *paths: str) -> list[KnownDifference]:
    return [KnownDifference(_APP_OPS, p, _NULL, recording) for p in paths]


REAL_OKTA_DIFFERENCES: tuple[KnownDifference, ...] = (
    # A custom SAML 2.0 app, as created by POST /api/v1/apps: unset optional
    # strings come back as null.
    *_app_nulls(
        f"{_SAML_CRUD}#0",
        "accessibility.errorRedirectUrl",
        "accessibility.loginRedirectUrl",
        "settings.notes.admin",
        "settings.notes.enduser",
        "settings.notifications.vpn.helpUrl",
        "settings.notifications.vpn.message",
        "settings.signOn.spIssuer",
    ),
    # A SAML app read back after a replace (and catalogue SAML apps): the
    # override fields are null and five required booleans are absent.
    *_app_nulls(
        f"{_SAML_CRUD}#24",
        "settings.signOn.audienceOverride",
        "settings.signOn.defaultRelayState",
        "settings.signOn.destinationOverride",
        "settings.signOn.recipientOverride",
        "settings.signOn.ssoAcsUrlOverride",
    ),
    *(
        KnownDifference(
            _APP_OPS,
            "settings.signOn",
            f"'{name}' is a required property",
            f"{_SAML_CRUD}#24",
        )
        for name in (
            "allowMultipleAcsEndpoints",
            "assertionSigned",
            "honorForceAuthn",
            "requestCompressed",
            "responseSigned",
        )
    ),
    *_app_nulls(
        "okta-sdk-python/test_application_features_it/"
        "TestApplicationFeaturesResource.test_application_features_lifecycle.yaml#0",
        "universalLogout",
    ),
    # A catalogue app (AUTO_LOGIN "deelhr") answers with signOnMode null.
    *_app_nulls(
        "terraform-provider-okta/idaas/TestAccResourceOktaPushGroup_crud/"
        "classic-00.yaml#1",
        "signOnMode",
    ),
    # OIDC apps and the org's built-in apps seen in app lists.
    *_app_nulls(
        "terraform-provider-okta/idaas/TestAccDataSourceOktaAppGroupAssignments_read/"
        "classic-00.yaml#3",
        "settings.oauthClient.client_uri",
        "settings.oauthClient.logo_uri",
    ),
    *_app_nulls(
        f"{_SDK_APPS}.test_list_applications_with_query_parameters.yaml#7",
        "settings.signOn.configuredAttributeStatements[].filterType",
        "settings.signOn.configuredAttributeStatements[].filterValue",
        "settings.signOn.configuredAttributeStatements[].namespace",
    ),
    # Built-in and catalogue apps have names outside the enum the spec gives
    # for their sign-on mode (okta_enduser, saasure, office365...).
    KnownDifference(
        _APP_OPS,
        "name",
        "* is not in the enum *",
        f"{_SDK_APPS}.test_list_applications_pagination_with_after.yaml#4",
    ),
    *(
        KnownDifference(
            _APP_OPS,
            "settings.app",
            f"'{name}' is a required property",
            f"{_SDK_APPS}.test_create_SWA_three_app.yaml#0",
        )
        for name in ("buttonField", "passwordField", "url", "usernameField")
    ),
    # Activate and deactivate answer 200 with the body {}; the spec gives
    # their 200 no body.
    *(
        KnownDifference(
            frozenset({("POST", f"/api/v1/apps/{{appId}}/lifecycle/{verb}")}),
            "",
            "a body, where the spec describes none for 200",
            f"{_SDK_APPS}.test_activate_deactivate_delete_app.yaml#{index}",
        )
        for verb, index in (("activate", 1), ("deactivate", 4))
    ),
    KnownDifference(
        _APP_USER_OPS,
        "externalId",
        _NULL,
        "terraform-provider-okta/idaas/TestAccDataSourceOktaAppUserAssignments_read/"
        "classic-00.yaml#10",
    ),
    KnownDifference(
        _GROUP_OPS,
        "profile",
        f"matches none of its anyOf schemas (*profile.description: {_NULL})",
        f"{_SDK_APPS}.test_assign_group_app.yaml#1",
    ),
    # An app whose connection predates profiles: authScheme at the top.
    KnownDifference(
        frozenset({("GET", "/api/v1/apps/{appId}/connections/default")}),
        "",
        "'profile' is a required property",
        f"{_SDK_APPS}.test_get_default_provisioning_connection_for_application.yaml#1",
    ),
    *(
        KnownDifference(
            frozenset({("GET", "/api/v1/apps/{appId}/features/{featureName}")}),
            where,
            what,
            "terraform-provider-okta/idaas/TestAccDataSourceOktaAppFeatures_read/"
            "classic-00.yaml#0",
        )
        for where, what in (
            ("capabilities.importSettings.schedule.fullImport", _NULL),
            ("capabilities.importSettings.schedule.incrementalImport", _NULL),
            ("capabilities.importSettings.username", "'usernameFormat' is a *"),
        )
    ),
)


@dataclass(frozen=True)
class StatusDifference:
    """A status real Okta answers that the spec does not list.

    The body is checked against the spec's answer for ``spec_status``, or
    against ``#/components/schemas/<schema>``.
    """

    method: str
    template: str
    status: int
    spec_status: int | None
    schema: str | None
    recording: str

    def __str__(self) -> str:
        return f"{self.method} {self.template} {self.status}"


_PUSH = (
    "terraform-provider-okta/idaas/TestAccResourceOktaPushGroup_crud/classic-00.yaml"
)

REAL_OKTA_STATUSES: tuple[StatusDifference, ...] = (
    StatusDifference(
        "POST",
        "/api/v1/apps/{appId}/group-push/mappings",
        200,
        201,
        None,
        f"{_PUSH}#6",
    ),
    StatusDifference(
        "DELETE",
        "/api/v1/apps/{appId}/group-push/mappings/{mappingId}",
        200,
        204,
        None,
        f"{_PUSH}#17",
    ),
    # A bad cursor: 400 E0000029, on an operation whose spec lists no 400.
    StatusDifference(
        "GET",
        "/api/v1/apps",
        400,
        None,
        "Error",
        f"{_SDK_APPS}.test_list_applications_pagination_with_after.yaml#6",
    ),
    StatusDifference(
        "GET",
        "/api/v1/apps/{appId}/features/{featureName}",
        400,
        None,
        "Error",
        "okta-sdk-python/test_application_features_it/"
        "TestApplicationFeaturesResource.test_application_features_lifecycle.yaml#2",
    ),
)


def known_differences(method: str, template: str) -> list[KnownDifference]:
    """The entries of REAL_OKTA_DIFFERENCES for one operation."""
    key = (method.upper(), template)
    return [d for d in REAL_OKTA_DIFFERENCES if key in d.operations]


def is_known(error: str, known: Iterable[KnownDifference]) -> bool:
    """Whether one line of ``validate_response`` is one of ``known``."""
    line = re.sub(r"\[\d+\]", "[]", error)
    path, _, what = line.partition(": ")
    inner = re.sub(r"^\$(\[\])?\.?", "", path)
    return any(
        inner == k.where and _wildcard(k.what).fullmatch(what) is not None
        for k in known
    )


def _wildcard(pattern: str) -> re.Pattern[str]:
    # Only * is special: error lines are full of brackets that fnmatch reads.
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.S)


def spec_problems(
    spec: OktaSpec, method: str, path: str, status: int, body: JSON
) -> list[str]:
    """What the spec rejects in an answer, less what real Okta does too.

    A status real Okta answers outside the spec (REAL_OKTA_STATUSES) is
    checked against the spec's body for it. Any other error status the spec
    does not list (401 on most operations, 5xx) is checked against Okta's
    Error schema: Okta answers every error with that body (FACTS.md,
    "Errors"). A success status the spec does not list raises SpecGap.
    """
    op = spec.operation(method, path)
    status_difference = next(
        (
            d
            for d in REAL_OKTA_STATUSES
            if (d.method, d.template, d.status) == (op.method, op.template, status)
        ),
        None,
    )
    if status_difference is not None and status_difference.schema:
        errors = _error_body(spec, status_difference.schema, body)
    elif status_difference is not None:
        errors = spec.validate_response(
            method, path, status, body, schema_status=status_difference.spec_status
        )
    elif status >= 400 and not spec.describes(method, path, status):
        errors = _error_body(spec, "Error", body)
    else:
        errors = spec.validate_response(method, path, status, body)

    known = known_differences(op.method, op.template)
    return [e for e in errors if not is_known(e, known)]


def _error_body(spec: OktaSpec, schema: str, body: JSON) -> list[str]:
    if body is None:
        return [f"$: no body, where Okta sends its {schema} body"]
    return spec.validate_schema(schema, body)
