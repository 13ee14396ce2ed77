"""Load the file: YAML with places, then the models, every problem at once.

Each problem becomes ``Problem(file, line, column, message)``: the place of
the offending key or value, and a message that starts with the key's path
in the file and says what to write instead. Pydantic's own wording is
replaced wherever the tool can say more.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from agora_okta.config.models import Config, config_warnings, find_duplicates
from agora_okta.config.reader import KeyPath, Mark, YamlDocument, read_yaml
from agora_okta.errors import ConfigError, Problem

MAX_PROBLEMS = 100

# What to write where a key is missing or holds the wrong kind of value;
# "*" stands for any list index.
_EXAMPLES: dict[tuple[str, ...], str] = {
    ("okta",): "okta: {org_url: https://acme.okta.com}",
    ("okta", "org_url"): "org_url: https://acme.okta.com",
    ("app",): "app: {label: Agora}",
    ("app", "sso"): "sso: {acs_url: https://agora.example.com/saml/acs}",
    ("provisioning",): (
        "provisioning: {scim_base_url: https://agora.example.com/scim/v2, "
        "token: env:AGORA_SCIM_TOKEN}"
    ),
    ("provisioning", "scim_base_url"): (
        "scim_base_url: https://agora.example.com/scim/v2"
    ),
    ("provisioning", "token"): "token: env:AGORA_SCIM_TOKEN",
    ("provisioning", "to_app"): "to_app: {create_users: true}",
    ("push_groups",): "push_groups: [Engineering, {group: Sales, role: Sales Team}]",
    ("push_groups", "*", "group"): "group: Sales",
    ("assign",): "assign: {groups: [Engineering], people: [alice@example.com]}",
    ("assign", "groups"): "groups: [Engineering, Sales]",
    ("assign", "people"): "people: [alice@example.com]",
}
_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "keys and values",
    "model_attributes_type": "keys and values",
    "dict_type": "keys and values",
}


@dataclass(frozen=True)
class Location:
    """A place in the file, for messages about one key or item."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, self.column, message)


@dataclass
class LoadedConfig:
    """A valid file: its settings, where each stands, and its warnings."""

    config: Config
    path: Path
    warnings: list[str] = field(default_factory=list)
    document: YamlDocument | None = field(default=None, repr=False)

    def where(self, *keys: str | int) -> Location:
        """The place of a key or item, e.g. ``where("assign", "people", 2)``.

        A key the file leaves out (a default) gives the place of the
        nearest key above it that the file has.
        """
        marks = self.document.marks if self.document else {}
        return _locate(str(self.path), marks, tuple(keys))


def load_config(path: Path) -> LoadedConfig:
    """Read and check the file; ConfigError lists every problem found."""
    file = str(path)
    document = read_yaml(path)
    data = document.data
    if not isinstance(data, dict):
        mark = document.marks.get((), Mark(1, 1))
        raise ConfigError([Problem(file, mark.line, mark.column, _top_level(data))])

    problems = [
        _read_problem(file, path_, mark, text)
        for path_, mark, text in document.problems
    ]
    problems += _duplicate_problems(file, document)
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _validation_problems(file, document, exc)

    if problems or config is None:
        raise ConfigError(_capped(problems))
    warnings = [
        f"{_locate(file, document.marks, where)}: {_prefixed(where, text)}"
        for where, text in config_warnings(config)
    ]
    return LoadedConfig(config, path, warnings, document)


def _read_problem(file: str, path: KeyPath, mark: Mark, text: str) -> Problem:
    return Problem(file, mark.line, mark.column, _prefixed(path, text))


def _duplicate_problems(file: str, document: YamlDocument) -> list[Problem]:
    problems = []
    for duplicate in find_duplicates(document.data):
        first = document.marks.get(duplicate.first)
        location = _locate(file, document.marks, duplicate.path)
        first_place = "listed before"
        if first and first.line == location.line:
            first_place = f"first at column {first.column}"
        elif first:
            first_place = f"first on line {first.line}"
        message = _prefixed(duplicate.path, duplicate.message(first_place))
        problems.append(location.problem(message))
    return problems


def _validation_problems(
    file: str, document: YamlDocument, exc: ValidationError
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc: KeyPath = tuple(error["loc"])
        kind = error["type"]
        if kind == "duplicate" or loc in document.unread:
            # Duplicates were found on the raw data, with places; unread
            # values were reported by the reader.
            continue
        if kind == "missing":
            location = _locate(file, document.marks | document.key_marks, loc[:-1])
            message = _missing(loc)
        elif kind == "extra_forbidden":
            location = _locate(file, document.key_marks, loc)
            message = _prefixed(loc[:-1], _unknown_key(loc))
        else:
            location = _locate(file, document.marks, loc)
            # "- Sales" becomes {group: Sales}: name only what the file has.
            written = _written(loc, document.marks)
            message = _prefixed(written, _wrong_value(error, loc))
        problems.append(location.problem(message))
    return problems


def _locate(file: str, marks: dict[KeyPath, Mark], keys: KeyPath) -> Location:
    for end in range(len(keys), -1, -1):
        mark = marks.get(keys[:end])
        if mark is not None:
            return Location(file, mark.line, mark.column)
    return Location(file, 1, 1)


def _written(loc: KeyPath, marks: dict[KeyPath, Mark]) -> KeyPath:
    """The longest part of ``loc`` that the file itself has."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in marks:
            return loc[:end]
    return loc


def _missing(loc: KeyPath) -> str:
    parent, key = loc[:-1], str(loc[-1])
    example = _EXAMPLES.get(_pattern(loc), f"{key}: ...")
    where = f" from {_dotted(parent)}" if _dotted(parent) else ""
    return f'"{key}" is missing{where}; add e.g. {example}'


def _unknown_key(loc: KeyPath) -> str:
    key, parent = str(loc[-1]), loc[:-1]
    known = list(_model_at(parent).model_fields)
    nearest = _nearest(key, known)
    if nearest:
        return f'unknown key "{key}"; did you mean "{nearest}"?'

    elsewhere = _known_elsewhere(key)
    if elsewhere:
        return f'unknown key "{key}"; it belongs under {elsewhere}'
    return f'unknown key "{key}"; the keys here are: {", ".join(known)}'


def _wrong_value(error: Any, loc: KeyPath) -> str:
    kind = error["type"]
    if kind in ("agora", "value_error"):
        return str(error["msg"])
    if kind == "literal_error" and loc[-1] == "unique_identifier":
        return (
            'only "email" is supported: Okta sends each person\'s email as their '
            "user name in Agora; write unique_identifier: email, or leave it out"
        )
    expected = _EXPECTED.get(kind)
    if expected is None:
        return str(error["msg"])

    value = error.get("input")
    if _pattern(loc) == ("push_groups", "*"):
        # A push group is a name or a mapping: say both.
        expected = "a group's name, or {group: NAME, role: ROLE},"
    if value is None:
        said = f"write {expected} here (the value is empty){_or_remove(loc)}"
    else:
        said = f"write {expected} here, not {_kind_of(value)}"
    if expected == "text" and isinstance(value, bool | int | float):
        # YAML reads yes/no/on/off as true/false and 1.0 as a number.
        said += "; put it in quotes to keep it as text"
    elif expected == "a list" and isinstance(value, str):
        said += f", e.g. [{value}]"
    elif _pattern(loc) in _EXAMPLES:
        said += f", e.g. {_EXAMPLES[_pattern(loc)]}"
    return said


def _or_remove(loc: KeyPath) -> str:
    """How else an empty value can be fixed: remove it, when it is optional."""
    if isinstance(loc[-1], int):
        return ", or remove the item"
    info = _model_at(loc[:-1]).model_fields.get(str(loc[-1]))
    return ", or remove the key" if info and not info.is_required() else ""


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "keys and values"
    return "this"


def _model_at(parent: KeyPath) -> type[BaseModel]:
    """The model that validates the mapping at ``parent``."""
    model: type[BaseModel] = Config
    for part in parent:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        inner = _model_of(info.annotation) if info else None
        if inner is not None:
            model = inner
    return model


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly or as list items."""
    args = getattr(annotation, "__args__", None)
    candidate = args[0] if args else annotation
    if isinstance(candidate, type) and issubclass(candidate, BaseModel):
        return candidate
    return None


def _nearest(key: str, known: list[str]) -> str | None:
    lowered = {name.lower(): name for name in known}
    if key.lower() in lowered:
        return lowered[key.lower()]
    normalized = key.lower().replace("-", "_").replace(" ", "_")
    matches = difflib.get_close_matches(normalized, list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


def _known_elsewhere(key: str) -> str | None:
    """The dotted place of a key that exists in another part of the file."""
    for parent, model in _all_models(Config, ()):
        if key in model.model_fields:
            return _dotted(parent) or "the top level"
    return None


def _all_models(
    model: type[BaseModel], path: KeyPath
) -> list[tuple[KeyPath, type[BaseModel]]]:
    found = [(path, model)]
    for name, info in model.model_fields.items():
        inner = _model_of(info.annotation)
        if inner is not None:
            found += _all_models(inner, (*path, name))
    return found


def _top_level(data: Any) -> str:
    if data is None:
        return "the file holds no settings; start from config.example.yaml"
    return (
        "the top level must be keys such as okta: and provisioning:, "
        f"not {_kind_of(data)}"
    )


def _capped(problems: list[Problem]) -> list[Problem]:
    ordered = sorted(problems, key=lambda p: (p.line, p.column))
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    rest = ordered[MAX_PROBLEMS]
    more = len(ordered) - MAX_PROBLEMS
    summary = f"{more} more problems are not shown; fix those above first"
    return [
        *ordered[:MAX_PROBLEMS],
        Problem(rest.file, rest.line, rest.column, summary),
    ]


def _pattern(loc: KeyPath) -> tuple[str, ...]:
    return tuple("*" if isinstance(part, int) else part for part in loc)


def _dotted(path: KeyPath) -> str:
    return ".".join(part for part in path if isinstance(part, str) and part != "?")


def _prefixed(path: KeyPath, message: str) -> str:
    dotted = _dotted(path)
    return f"{dotted}: {message}" if dotted else message
