"""The command line's front door: the only modules that print or exit are this
one and `commands` (the typer app).

``main`` runs one command and turns its outcome into an exit code (README):
0 success or nothing to do, 1 error (usage errors included), 2 changes
pending (``--detailed-exitcode``), 3 manual steps pending, 130 interrupted.

`validate` and `schema` in their plain forms (``validate [FILE]``,
``schema``) run from here without typer: its import and the pydantic
TypeAdapter it builds for each option of the command that runs add
0.03-0.06 s to these commands' 0.2 s (the rest is Python, pydantic, PyYAML
and the file's models). Any other form (an option, ``--help``, ``--``) goes
to the typer app, which prints and exits the same way. This module
therefore imports nothing heavy at the top: the file's models, typer, rich
and the okta SDK come in where they are used.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agora_okta import redact
from agora_okta.errors import AgoraOktaError, ExitCode

if TYPE_CHECKING:
    from agora_okta.config import LoadedConfig

log = logging.getLogger(__name__)

DEFAULT_FILE = Path("agora-okta.yaml")

INTERRUPTED = (
    "Interrupted: stopped between requests. Run the same command again to "
    "finish; it reads Okta first and goes on from there."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (the tests call this)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    finally:
        # A later run in this process, or a thread still at work, must not
        # write to a stream this run was given.
        _restore_logging()


def run() -> None:
    sys.exit(main())


def _run(args: list[str]) -> int:
    try:
        offline = _plain_offline_command(args)
        if offline is None:
            from agora_okta.commands import run_app

            return run_app(args)
        setup_logging(verbose=0)
        offline()
        return ExitCode.OK
    except KeyboardInterrupt:
        err(INTERRUPTED)
        return ExitCode.INTERRUPTED
    except AgoraOktaError as error:
        interrupted = error.exit_code == ExitCode.INTERRUPTED
        err(("" if interrupted else "error: ") + _with_notes(error))
        return int(error.exit_code)
    except Exception as error:
        # A bug, not the user's doing: one line and how to see more, never a
        # traceback (which -vv logs, scrubbed like every log line).
        log.debug("main: unexpected error", exc_info=True)
        err(
            f"error: unexpected {type(error).__name__}: {_with_notes(error)}\n"
            "This is a bug in agora-okta; run the command again with -vv to see "
            "where it happened, and report it."
        )
        return ExitCode.ERROR


def _plain_offline_command(args: list[str]) -> Callable[[], None] | None:
    """`validate [FILE]` or `schema` with nothing else, ready to run; None for
    every other command line, which typer parses."""
    if args == ["schema"]:
        return schema
    if args == ["validate"]:
        return lambda: validate(DEFAULT_FILE)
    if len(args) == 2 and args[0] == "validate" and args[1][:1] not in ("", "-"):
        file = Path(args[1])
        return lambda: validate(file)
    return None


def _with_notes(error: BaseException) -> str:
    """The message and any notes added on the way up (e.g. apply's progress)."""
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


# --- the offline commands ---------------------------------------------------


def validate(file: Path) -> None:
    """Check the file offline: every problem at once, with file:line:col."""
    config = load(file).config
    echo(
        f"{file}: valid. App {config.app.label!r}, {len(config.push_groups)} push "
        f"group(s), {len(config.assign.groups)} group and "
        f"{len(config.assign.people)} person assignment(s), "
        f"prune {'on' if config.prune else 'off'}.\n"
    )


def schema() -> None:
    """Print the JSON Schema of the file, for editors."""
    import json

    from agora_okta.config import config_json_schema

    echo(json.dumps(config_json_schema(), indent=2) + "\n")


def load(path: Path) -> LoadedConfig:
    """Read the file; its warnings go to stderr, its problems raise."""
    from agora_okta.config import load_config

    loaded = load_config(path)
    for warning in loaded.warnings:
        err(f"warning: {warning}")
    return loaded


# --- output -----------------------------------------------------------------


def echo(text: str) -> None:
    sys.stdout.write(redact.scrub(text))
    sys.stdout.flush()


def err(text: str) -> None:
    sys.stderr.write(redact.scrub(text) + "\n")
    sys.stderr.flush()


def colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(stream.isatty()) and "NO_COLOR" not in os.environ


# --- logging ----------------------------------------------------------------

# The handler the last call of setup_logging installed (main may run often).
_handler: logging.Handler | None = None
# Levels a run changed, to be put back when it ends.
_levels: dict[str, int] = {}


def setup_logging(verbose: int) -> None:
    global _handler
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    _scrub_every_record()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(redact.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    _restore_logging()
    _handler = handler
    root = logging.getLogger()
    root.addHandler(handler)
    _set_level(root, level)
    # aiohttp and asyncio say little of use, even at debug.
    _set_level(logging.getLogger("asyncio"), max(level, logging.INFO))
    # The okta SDK logs every lost connection as an error with a traceback;
    # the tool retries and tells what happened in its own words, so the
    # SDK's lines show only at debug (-vv).
    sdk = logging.getLogger("okta-sdk-python")
    _set_level(sdk, logging.DEBUG if verbose >= 2 else logging.CRITICAL + 1)


def _set_level(logger: logging.Logger, level: int) -> None:
    _levels.setdefault(logger.name, logger.level)
    logger.setLevel(level)


def _restore_logging() -> None:
    """Logging as it was before: only our own handler and levels are undone;
    others' handlers (an embedding program's, a test's) stay."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
    for name, level in _levels.items():
        logging.getLogger(None if name == "root" else name).setLevel(level)
    _levels.clear()


def _scrub_every_record() -> None:
    """Scrub secrets from every log record as it is made, whoever logs it.

    A filter on our handler covers what we print; this covers every other
    handler too (the okta SDK logs request headers at DEBUG, tokens included).
    """
    make = logging.getLogRecordFactory()
    if getattr(make, "scrubs_secrets", False):
        return
    scrub = redact.RedactingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            scrub.filter(record)
        except Exception:  # a malformed call: the handler's filter tries again
            return record
        if record.stack_info:
            record.stack_info = redact.scrub(record.stack_info)
        return record

    factory.scrubs_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
