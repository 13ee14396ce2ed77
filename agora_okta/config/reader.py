"""Read YAML safely and remember where every value stands in the file.

The file may come from anyone with write access to a repository, so the
reader refuses, early and in bounded time and memory: files over 1 MiB,
bytes that are not UTF-8, characters YAML forbids, tabs in indentation,
aliases (``*name``, the root of "billion laughs" expansions), unsupported
tags and nesting deeper than ``MAX_DEPTH``. It keeps the first of two
equal keys and reports the second, where PyYAML would silently keep the
last.

Events come from PyYAML's parser (libyaml when installed, for speed); the
composition into plain dicts, lists and scalars is done here, so that no
alias is ever followed and every node's position is kept.
"""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from agora_okta.errors import ConfigError, Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
_MAX_LISTED = 20  # bad bytes or characters listed before giving up

KeyPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_CONSTRUCTED_TAGS = {f"{_TAG}{name}" for name in ("int", "float", "bool", "null")}
_TEXT_TAGS = {f"{_TAG}{name}" for name in ("str", "timestamp", "value", "merge")}
_COLLECTION_TAGS = {f"{_TAG}seq", f"{_TAG}map"}
_NOT_PRINTABLE = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_TAB_INDENT = re.compile("^ *\t", re.MULTILINE)
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


@dataclass(frozen=True)
class Mark:
    """A place in the file, 1-based."""

    line: int
    column: int


@dataclass
class YamlDocument:
    """The file's data, with the place of each value and key."""

    data: Any
    marks: dict[KeyPath, Mark] = field(default_factory=dict)
    key_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    # Found while reading but not fatal: the loader reports them with the rest.
    problems: list[tuple[KeyPath, Mark, str]] = field(default_factory=list)
    # Values kept as their raw text because they could not be read as given.
    unread: set[KeyPath] = field(default_factory=set)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a file; ConfigError when it cannot be read as YAML."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        _fatal(file, 1, 1, _NO_FILE)
    except IsADirectoryError:
        _fatal(file, 1, 1, "this is a folder; name the YAML file to read")
    except OSError as exc:
        _fatal(file, 1, 1, f"cannot read the file: {exc.strerror or exc}")

    if len(raw) > MAX_BYTES:
        _fatal(
            file,
            1,
            1,
            f"the file is larger than the {MAX_BYTES // 1024 // 1024} MiB limit; "
            "a setup file is a few kilobytes: check that this is the right file",
        )
    return parse_yaml(_decode(raw, file), file)


_NO_FILE = (
    "no such file; the commands read agora-okta.yaml in the current folder "
    "unless given another file (config.example.yaml is a start)"
)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse YAML text; ConfigError when it is not acceptable YAML."""
    lines = _LineIndex(text)
    early = _bad_characters(text, lines, file) or _tab_indents(text, lines, file)
    if early:
        raise ConfigError(early)

    composer = _Composer(text)
    try:
        return composer.document()
    except _Refused as refused:
        _fatal(file, refused.mark.line, refused.mark.column, refused.message)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        # A reader error carries an offset instead of a mark.
        line, column = lines.place(getattr(exc, "position", 0))
        _fatal(file, line, column, f"the YAML cannot be read: {exc}")
    finally:
        composer.dispose()


class _Refused(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Composer:
    """Plain data from parser events, with marks; aliases refused."""

    def __init__(self, text: str) -> None:
        loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self._loader = loader_class(text)
        self._blank = not text.strip()
        self._depth = 0
        self._result = YamlDocument(data=None)

    def dispose(self) -> None:
        self._loader.dispose()

    def document(self) -> YamlDocument:
        self._loader.get_event()  # stream start
        if self._loader.check_event(StreamEndEvent):
            raise _Refused(Mark(1, 1), _EMPTY if self._blank else _NO_SETTINGS)

        self._loader.get_event()  # document start
        self._result.data = self._node((), None, record=True)
        self._loader.get_event()  # document end

        if not self._loader.check_event(StreamEndEvent):
            mark = _mark(self._loader.peek_event())
            message = "a second YAML document starts here; keep one document"
            self._result.problems.append(((), mark, message))
        return self._result

    def _node(self, path: KeyPath, key_mark: Mark | None, *, record: bool) -> Any:
        event = self._loader.peek_event()
        mark = _mark(event)
        if isinstance(event, AliasEvent):
            raise _Refused(mark, _ALIAS)

        if isinstance(event, ScalarEvent):
            self._loader.get_event()
            value = self._scalar(event, path, mark)
            is_empty = value is None and event.value == ""
            best = key_mark if (is_empty and key_mark) else mark
        else:
            self._check_collection_tag(event, path, mark)
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(mark, _too_deep())
            if isinstance(event, SequenceStartEvent):
                value = self._sequence(path, record=record)
            else:
                value = self._mapping(path, record=record)
            self._depth -= 1
            best = key_mark if (key_mark and not event.flow_style) else mark

        if record:
            self._result.marks[path] = best
        return value

    def _sequence(self, path: KeyPath, *, record: bool) -> list[Any]:
        self._loader.get_event()
        items: list[Any] = []
        while not self._loader.check_event(SequenceEndEvent):
            items.append(self._node((*path, len(items)), None, record=record))
        self._loader.get_event()
        return items

    def _mapping(self, path: KeyPath, *, record: bool) -> dict[str, Any]:
        self._loader.get_event()
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        while not self._loader.check_event(MappingEndEvent):
            event = self._loader.peek_event()
            key_mark = _mark(event)
            key = self._key(event, path, key_mark)
            if key is None or key in result:
                if key is not None:
                    self._problem(path, key_mark, _twice(key, first_line[key]))
                self._node((*path, "?"), None, record=False)
                continue

            first_line[key] = key_mark.line
            if record:
                self._result.key_marks[(*path, key)] = key_mark
            result[key] = self._node((*path, key), key_mark, record=record)
        self._loader.get_event()
        return result

    def _key(self, event: Event, path: KeyPath, mark: Mark) -> str | None:
        """The key's text, or None (after reporting) when it cannot be one."""
        if isinstance(event, AliasEvent):
            raise _Refused(mark, _ALIAS)
        if not isinstance(event, ScalarEvent):
            self._node((*path, "?"), None, record=False)
            self._problem(path, mark, "a key must be plain text, not a list or mapping")
            return None

        self._loader.get_event()
        if event.value == "<<" and event.tag is None and event.implicit[0]:
            self._problem(
                path, mark, "merge keys (<<) are not supported; write the keys out"
            )
            return None
        if event.tag not in (None, "!", f"{_TAG}str"):
            self._problem(path, mark, _tag_message(event.tag))
        # Keys stay text: "on:" or "yes:" must not turn into true.
        key: str = event.value
        return key

    def _scalar(self, event: ScalarEvent, path: KeyPath, mark: Mark) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in _TEXT_TAGS:
            return event.value
        if tag not in _CONSTRUCTED_TAGS:
            self._problem(path, mark, _tag_message(tag))
            self._result.unread.add(path)
            return event.value

        node = yaml.ScalarNode(tag, event.value)
        try:
            return self._loader.yaml_constructors[tag](self._loader, node)
        except (ValueError, OverflowError, KeyError, yaml.YAMLError):
            # A number too long for Python's int(), a "!!bool maybe", ...
            self._problem(path, mark, "this value cannot be read; put text in quotes")
            self._result.unread.add(path)
            return event.value

    def _check_collection_tag(self, event: Event, path: KeyPath, mark: Mark) -> None:
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _COLLECTION_TAGS:
            self._problem(path, mark, _tag_message(tag))
            self._result.unread.add(path)

    def _problem(self, path: KeyPath, mark: Mark, message: str) -> None:
        self._result.problems.append((path, mark, message))


_EMPTY = "the file is empty; start from config.example.yaml"
_NO_SETTINGS = "the file holds only comments; start from config.example.yaml"
_ALIAS = (
    "YAML aliases (*name) are not supported: write the value out in full "
    "(this also refuses anchors that expand without end)"
)


def _too_deep() -> str:
    return (
        f"the file nests deeper than {MAX_DEPTH} levels here; "
        "the settings need at most 4"
    )


def _twice(key: str, first_line: int) -> str:
    return f'"{key}" is given twice (first on line {first_line}); keep one'


def _tag_message(tag: str | None) -> str:
    shown = (tag or "").replace(_TAG, "!!")
    return f"the YAML tag {shown} is not supported here; remove it"


def _mark(event: Event) -> Mark:
    start = event.start_mark
    return Mark(start.line + 1, start.column + 1) if start else Mark(1, 1)


def _fatal(file: str, line: int, column: int, message: str) -> NoReturn:
    raise ConfigError([Problem(file, line, column, message)])


class _LineIndex:
    """Offsets of line starts, counted as YAML counts lines."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def place(self, offset: int) -> tuple[int, int]:
        """(line, column), 1-based, of a character offset."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _decode(raw: bytes, file: str) -> str:
    """UTF-8 text, or ConfigError naming each bad byte's place."""
    for bom, name in _OTHER_BOMS.items():
        if raw.startswith(bom):
            _fatal(file, 1, 1, f"the file is {name}; save it as UTF-8")
    skipped = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[skipped:].decode("utf-8")
    except UnicodeDecodeError:
        pass

    problems: list[Problem] = []
    offset = skipped
    while offset < len(raw) and len(problems) < _MAX_LISTED:
        try:
            raw[offset:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad = offset + exc.start
            problems.append(_bad_byte(raw, bad, skipped, file))
            offset = offset + exc.end
    raise ConfigError(problems)


def _bad_byte(raw: bytes, offset: int, skipped: int, file: str) -> Problem:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    before = raw[max(line_start, skipped) : offset].decode("utf-8", "replace")
    return Problem(
        file,
        line,
        len(before) + 1,
        f"byte 0x{raw[offset]:02X} at offset {offset} is not UTF-8; "
        "save the file as UTF-8",
    )


def _bad_characters(text: str, lines: _LineIndex, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for match in _NOT_PRINTABLE.finditer(text):
        line, column = lines.place(match.start())
        code = f"U+{ord(match.group()):04X}"
        message = f"the character {code} is not allowed in YAML; remove it"
        problems.append(Problem(file, line, column, message))
        if len(problems) == _MAX_LISTED:
            break
    return problems


def _tab_indents(text: str, lines: _LineIndex, file: str) -> list[Problem]:
    # A tab where indentation goes is refused by YAML with a puzzling
    # message; say it plainly, for every such line at once. This also
    # refuses a tab opening a continuation line of a quoted string, which
    # YAML allows; no setting needs one.
    problems: list[Problem] = []
    for match in _TAB_INDENT.finditer(text):
        line, column = lines.place(match.end() - 1)
        message = "a tab indents this line; YAML indents with spaces only"
        problems.append(Problem(file, line, column, message))
        if len(problems) == _MAX_LISTED:
            break
    return problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    offset = mark.index if mark else 0
    if text[offset : offset + 1] == "\t":
        message = "a tab here cannot start a value; use spaces"
        return Problem(file, line, column, message)
    if "maximum nesting depth" in str(exc.problem):
        # libyaml's own limit (1000 levels) can strike before ours.
        return Problem(file, line, column, _too_deep())

    message = f"the YAML cannot be read: {exc.problem or exc.context}"
    if exc.context and exc.context_mark and exc.problem:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return Problem(file, line, column, f"{message}; {_syntax_hint(exc)}")


def _syntax_hint(exc: yaml.MarkedYAMLError) -> str:
    said = f"{exc.problem} {exc.context}"
    if "mapping values are not allowed" in said:
        return 'a value that holds ": " must be put in quotes'
    if "quoted scalar" in said:
        return "close the quotes"
    if "flow sequence" in said or "flow mapping" in said:
        return "close the brackets, and separate items with commas"
    return "check the indentation (items of one level start in one column) and quotes"
