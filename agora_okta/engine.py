"""load → plan → apply, against an Okta org or the built-in sandbox.

The engine reads the file, reads what the org holds for it, makes the plan,
and carries it out in the admin guide's order: the app, the console's manual
steps, push groups, then assignments, so that Agora's roles exist before
people arrive. It tells the CLI what happens through ``Events``; it never
prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from agora_okta import plan as planning
from agora_okta import redact
from agora_okta.adapter.budget import Clock
from agora_okta.adapter.models import App
from agora_okta.adapter.org import OktaOrg, saml_app_body
from agora_okta.adapter.transport import OktaTransport
from agora_okta.errors import (
    AgoraOktaError,
    ApplyInterrupted,
    ConfigError,
    ManualStepsPending,
    OktaUnreachable,
    Problem,
    ScimCheckFailed,
    SecretError,
)
from agora_okta.lock import ApplyLock
from agora_okta.plan import Action, Change, Current, Plan, Section

if TYPE_CHECKING:
    from agora_okta.config import Config, LoadedConfig
    from agora_okta.sandbox import Sandbox
    from agora_okta.scim_check import ScimReport

log = logging.getLogger(__name__)

SANDBOX_SCIM_TOKEN = "sandbox-scim-token"


@dataclass
class Options:
    sandbox: bool = False
    # At a terminal, apply waits for the admin at the manual steps.
    interactive: bool = False
    force: bool = False
    # Real seconds between reads of the app while waiting for the console.
    poll_seconds: float = 10.0
    timeout: float = 30.0
    env: dict[str, str] | None = None
    # An org to use instead of the file's (tests, and --sandbox).
    org_url: str | None = None
    token: str | None = None
    time_scale: float = 1.0
    skip_scim_check: bool = False
    scim_timeout: float = 10.0


class Events(Protocol):
    """What the engine tells the CLI while it works."""

    def info(self, message: str) -> None: ...

    def show_plan(self, plan: Plan) -> None: ...

    def confirm(self, plan: Plan) -> bool: ...

    def waiting_for_console(self, plan: Plan) -> None: ...

    def progress(self, done: int, total: int, seconds_left: float) -> None: ...


@dataclass
class Outcome:
    plan: Plan
    applied: list[Change] = field(default_factory=list)
    confirmed: bool = True


@dataclass
class _Session:
    loaded: LoadedConfig
    org: OktaOrg
    org_url: str
    sandbox: Sandbox | None


def make_plan(loaded: LoadedConfig, options: Options) -> Plan:
    """Read the org and return what ``apply`` would do; change nothing."""

    async def run() -> Plan:
        async with _open(loaded, options) as session:
            return (await _read(session, options))[0]

    return asyncio.run(run())


def apply(loaded: LoadedConfig, options: Options, events: Events) -> Outcome:
    """Make the org match the file."""
    return asyncio.run(_apply(loaded, options, events))


async def _apply(loaded: LoadedConfig, options: Options, events: Events) -> Outcome:
    async with _open(loaded, options) as session:
        label = loaded.config.app.label
        # Held from before the read: a plan made while another apply works
        # would be out of date before its first change.
        async with ApplyLock(session.org_url, label, on_wait=events.info):
            plan, current = await _read(session, options)
            events.show_plan(plan)
            if not plan.has_changes:
                return Outcome(plan)
            plan.check_removals(options.force)
            if not events.confirm(plan):
                return Outcome(plan, confirmed=False)
            outcome = Outcome(plan)
            with _progress_told(outcome):
                app = await _apply_app(session, plan, current, outcome, events)
                _require_scim(plan, options, events)
                await _console_steps(session, options, events, app)
                await _apply_rest(session, app.id, plan, events, outcome)
            return outcome


@contextlib.contextmanager
def _progress_told(outcome: Outcome) -> Iterator[None]:
    """When apply stops midway, its message says how many changes were made
    and that running apply again finishes the job: nothing half-applied goes
    unreported."""
    try:
        yield
    except ManualStepsPending:
        raise
    except asyncio.CancelledError:
        # Ctrl-C. The transport lets a request on the wire finish first, so
        # the count is exact and the run stops between requests.
        raise ApplyInterrupted(
            f"Interrupted: stopped between requests, {_progress(outcome)}. Run "
            "apply again to finish: it reads Okta first and goes on from there."
        ) from None
    except Exception as error:
        note = f"Stopped by this error {_progress(outcome)}."
        if isinstance(error, OktaUnreachable):
            note += " The change under way when the answer was lost may have been made."
        error.add_note(
            note + " Run apply again to finish: it reads Okta first and goes on "
            "from there."
        )
        raise


def _progress(outcome: Outcome) -> str:
    done, total = len(outcome.applied), len(outcome.plan.changes)
    return f"after applying {done} of {total} change(s)"


@contextlib.asynccontextmanager
async def _open(loaded: LoadedConfig, options: Options) -> AsyncIterator[_Session]:
    with _sandbox(loaded, options) as sandbox:
        if sandbox is not None:
            org_url, token = sandbox.url, sandbox.token
        else:
            org_url = options.org_url or loaded.config.okta.org_url
            token = options.token or _okta_token(options)
        redact.remember(token)
        transport = OktaTransport(
            org_url, token, timeout=options.timeout, clock=Clock(options.time_scale)
        )
        asyncio.get_running_loop().set_exception_handler(_quiet_siblings)
        try:
            async with transport:
                yield _Session(loaded, OktaOrg(transport), org_url, sandbox)
        finally:
            await _end_tasks()


async def _end_tasks() -> None:
    """Cancel what the session started and left running when it failed, and
    take their errors: a failed read ends as one error message."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    if others:
        await asyncio.gather(*others, return_exceptions=True)


def _quiet_siblings(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """When concurrent reads fail together (a wrong token fails them all), the
    first error is the message; the others, and the reads cancelled after it,
    would reach the user as tracebacks from asyncio ("Task exception was never
    retrieved"), so they go to the debug log instead. Anything else is
    asyncio's to report."""
    error = context.get("exception")
    if isinstance(error, AgoraOktaError | asyncio.CancelledError):
        log.debug("a concurrent request failed too, or was cancelled: %r", error)
        return
    loop.default_exception_handler(context)


def _okta_token(options: Options) -> str:
    from agora_okta.secrets import okta_api_token

    return okta_api_token(options.env)


@contextlib.contextmanager
def _sandbox(loaded: LoadedConfig, options: Options) -> Iterator[Sandbox | None]:
    if not options.sandbox:
        yield None
        return
    from agora_okta.sandbox import Sandbox, SandboxSettings

    settings = SandboxSettings(seed=sandbox_seed(loaded.config))
    with Sandbox(settings) as sandbox:
        yield sandbox


def sandbox_seed(config: Config) -> dict[str, Any]:
    """An org holding the people and groups the file names, for a rehearsal."""
    people = list(dict.fromkeys(p.lower() for p in config.assign.people))
    names = [p.group for p in config.push_groups] + list(config.assign.groups)
    groups = list(dict.fromkeys(names))
    users = []
    for email in people:
        local = email.split("@")[0]
        first, _, last = local.replace("_", ".").partition(".")
        users.append(
            {
                "email": email,
                "first_name": first.capitalize() or "Sandbox",
                "last_name": last.capitalize() or "User",
            }
        )
    # Each person joins one group in turn, so group assignments bring members.
    members: dict[str, list[str]] = {name: [] for name in groups}
    for index, email in enumerate(people):
        if groups:
            members[groups[index % len(groups)]].append(email)
    return {
        "users": users,
        "groups": [{"name": name, "members": members[name]} for name in groups],
        "apps": [],
    }


async def _read(session: _Session, options: Options) -> tuple[Plan, Current]:
    """What the org holds for the file, and the plan from it.

    The app's lists are read on the apps bucket while people and groups are
    looked up on theirs: each bucket has its own budget, so the lookups cost
    the plan no time beyond the longest of them.
    """
    config = session.loaded.config
    org = session.org
    scim_task = asyncio.create_task(asyncio.to_thread(check_agora, config, options))
    lookups = asyncio.gather(
        org.find_users(list(config.assign.people)),
        org.find_groups(_group_names(config)),
    )
    try:
        app = await _find_app(session)
        current = Current(app=app)
        if app is not None:
            await _read_app(org, config, app, current)
        users, groups = await lookups
    except Exception:
        # Let the lookups end before the error ends the run (their answers
        # are of no use now, but a request left on the wire would be cut).
        await asyncio.gather(lookups, return_exceptions=True)
        raise
    except BaseException:
        lookups.cancel()
        raise
    _resolve(session.loaded, users, groups, current)
    if app is not None and config.prune:
        known = set(current.group_ids.values())
        others = {m.source_group_id for m in current.push_mappings}
        others |= {g.id for g in current.app_groups}
        if others - known:
            current.other_group_names = await org.group_names(sorted(others - known))
    plan = planning.make_plan(config, current, org_url=session.org_url)
    plan.scim = await scim_task
    return plan, current


async def _read_app(org: OktaOrg, config: Config, app: App, current: Current) -> None:
    """The app's assignments and push groups, each list at Okta's largest page."""
    reads: list[Any] = [
        org.list_app_users(app.id),
        org.list_app_groups(app.id),
        org.list_push_mappings(app.id),
    ]
    # Whether Okta's API can do the console steps matters only while one is
    # to do: once all are done, that request is saved.
    pending = any(not step.done for step in planning.manual_steps(config, app))
    if pending:
        reads.append(org.connection_status(app.id))
    found = await asyncio.gather(*reads)
    current.app_users, current.app_groups, current.push_mappings = found[:3]
    if pending:
        current.provisioning_api = found[3] != "UNKNOWN"


def check_agora(config: Config, options: Options) -> ScimReport | None:
    """Agora's SCIM endpoint, probed with the file's token (None: skipped)."""
    from agora_okta.scim_check import check_file_endpoint

    if options.skip_scim_check:
        return None
    return check_file_endpoint(config, env=options.env, timeout=options.scim_timeout)


def _require_scim(plan: Plan, options: Options, events: Events) -> None:
    """Stop before the console steps when Agora's endpoint fails its checks:
    the admin would enter values that cannot work."""
    if plan.scim is None or plan.scim.ok or not plan.pending_steps:
        return
    if options.sandbox:
        events.info(
            "warning: Agora's SCIM endpoint failed its checks (above); "
            "a sandbox rehearsal goes on regardless."
        )
        return
    raise ScimCheckFailed(
        "Agora's SCIM endpoint failed its checks (see the plan); fix them before "
        "the console steps, or pass --skip-scim-check"
    )


def _group_names(config: Config) -> list[str]:
    names = [p.group for p in config.push_groups] + list(config.assign.groups)
    return list(dict.fromkeys(names))


async def _find_app(session: _Session) -> App | None:
    app_settings = session.loaded.config.app
    if app_settings.id:
        app = await session.org.get_app(app_settings.id)
        if app is None:
            raise _problem(
                session.loaded,
                ("app", "id"),
                f"no app has the id {app_settings.id!r} in this org; "
                "remove `id` to create the app",
            )
        return app
    apps = await session.org.find_apps(app_settings.label)
    if len(apps) > 1:
        ids = ", ".join(f"{a.id} ({a.status.lower()})" for a in apps)
        raise _problem(
            session.loaded,
            ("app", "label"),
            f"{len(apps)} apps are labelled {app_settings.label!r}: {ids}; "
            "pin the one to manage with `app: {id: ...}`",
        )
    return apps[0] if apps else None


def _problem(
    loaded: LoadedConfig, keys: tuple[str | int, ...], message: str
) -> ConfigError:
    return ConfigError([loaded.where(*keys).problem(message)])


def _resolve(
    loaded: LoadedConfig,
    users: dict[str, list[Any]],
    groups: dict[str, list[Any]],
    current: Current,
) -> None:
    """Every person and group the file names, to one Okta id each, or every
    problem at once with the file's line."""
    config = loaded.config
    problems: list[Problem] = []

    def report(keys: tuple[str | int, ...], message: str) -> None:
        problems.append(loaded.where(*keys).problem(message))

    for index, email in enumerate(config.assign.people):
        found = users.get(email, [])
        if not found:
            report(("assign", "people", index), f"no Okta user has the email {email!r}")
        elif len(found) > 1:
            report(
                ("assign", "people", index),
                f"{len(found)} Okta users have the email {email!r}: "
                + ", ".join(u.login for u in found),
            )
        else:
            current.user_ids[email.lower()] = found[0].id
    places: list[tuple[str, tuple[str | int, ...]]] = [
        (push.group, ("push_groups", i)) for i, push in enumerate(config.push_groups)
    ] + [(name, ("assign", "groups", i)) for i, name in enumerate(config.assign.groups)]
    for name, keys in places:
        found = groups.get(name, [])
        if not found:
            report(keys, f"no Okta group is named {name!r}")
        elif len(found) > 1:
            ids = ", ".join(g.id for g in found)
            report(
                keys,
                f"{len(found)} Okta groups are named {name!r} ({ids}); "
                "rename one in Okta so the name is unique",
            )
        else:
            current.group_ids[name] = found[0].id
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line, p.column)))


async def _apply_app(
    session: _Session, plan: Plan, current: Current, outcome: Outcome, events: Events
) -> App:
    config = session.loaded.config
    org = session.org
    app = current.app
    for change in plan.in_section(Section.APP):
        if change.action is Action.CREATE:
            body = saml_app_body(
                config.app.label,
                config.app.sso.acs_url,
                config.app.sso.audience,
                config.app.hide_tiles,
            )
            app = await org.create_app(body)
            if session.sandbox is None:
                events.info(_pin_hint(app))
        elif app is not None and change.details == ("activate",):
            await org.activate_app(app.id)
        elif app is not None:
            body = saml_app_body(
                config.app.label,
                config.app.sso.acs_url,
                config.app.sso.audience,
                config.app.hide_tiles,
            )
            await org.replace_app(app, body)
            # Replacing a provisioned app may have reset its provisioning
            # (FACTS.md): the console steps are judged on what Okta says now.
            before = app
            app = await org.get_app(app.id)
            _warn_if_undone(config, before, app)
        outcome.applied.append(change)
    assert app is not None, "the plan creates the app when there is none"
    return app


def _pin_hint(app: App) -> str:
    # Without an id the app is found by its label, and a label changed in
    # the file would then plan a second app.
    return (
        f"Created app {app.label!r} with id {app.id}. Add `id: {app.id}` under "
        "`app:` in the file, so that it is found by its id from now on, even "
        "if its label changes."
    )


def _warn_if_undone(config: Config, before: App, after: App | None) -> None:
    done_before = {s.key for s in planning.manual_steps(config, before) if s.done}
    done_after = set()
    if after is not None:
        done_after = {s.key for s in planning.manual_steps(config, after) if s.done}
    undone = done_before - done_after
    if undone:
        log.warning(
            "Okta reset the app's provisioning when the app was updated: "
            "%d console step(s) are pending again",
            len(undone),
        )


async def _console_steps(
    session: _Session, options: Options, events: Events, app: App
) -> None:
    """Bring the console's steps to done: through the API where Okta offers
    one, through the sandbox's console stand-in, or by waiting for the admin."""
    config = session.loaded.config
    plan = _replan(session, app)
    if not plan.pending_steps:
        return
    if session.sandbox is not None:
        events.info(
            "The sandbox's console stand-in plays the admin for the manual "
            "steps, with the values above."
        )
        _sandbox_console(session.sandbox, config, app, options)
        return
    provisioning_api = await session.org.connection_status(app.id) != "UNKNOWN"
    if provisioning_api:
        prov = config.provisioning
        token = _scim_token(config, options)
        await session.org.set_connection(app.id, prov.scim_base_url, token)
        await session.org.set_provisioning(
            app.id,
            prov.to_app.create_users,
            prov.to_app.update_user_attributes,
            prov.to_app.deactivate_users,
        )
        return
    if not options.interactive:
        raise ManualStepsPending(
            f"{len(plan.pending_steps)} manual step(s) wait in the Admin Console "
            f"({plan.console_url}); do them, then run apply again"
        )
    events.waiting_for_console(plan)
    clock = session.org.http.budget.clock
    while plan.pending_steps:
        await clock.sleep(options.poll_seconds)
        fresh = await session.org.get_app(app.id)
        if fresh is not None:
            plan = _replan(session, fresh)
    events.info("The console steps are done.")


def _replan(session: _Session, app: App) -> Plan:
    config = session.loaded.config
    plan = Plan(
        org_url=session.org_url,
        app_label=config.app.label,
        app_id=app.id,
        console_url=planning.console_url(session.org_url, app),
    )
    plan.manual_steps.extend(planning.manual_steps(config, app))
    return plan


def _scim_token(config: Config, options: Options) -> str:
    try:
        return redact.remember(config.provisioning.token.resolve(options.env))
    except SecretError:
        if options.sandbox:
            return SANDBOX_SCIM_TOKEN
        raise


def _sandbox_console(
    sandbox: Sandbox, config: Config, app: App, options: Options
) -> None:
    prov = config.provisioning
    sandbox.provision(
        app.id,
        enabled=True,
        base_url=prov.scim_base_url,
        unique_identifier=prov.unique_identifier,
        auth="header",
        token=_scim_token(config, options),
        create_users=prov.to_app.create_users,
        update_user_attributes=prov.to_app.update_user_attributes,
        deactivate_users=prov.to_app.deactivate_users,
    )


async def _apply_rest(
    session: _Session, app_id: str, plan: Plan, events: Events, outcome: Outcome
) -> None:
    """Push groups, then group assignments, then person assignments, one
    request per change, paced by the rate-limit budget.

    One change at a time: every one of them is on the apps family, whose
    budget (about 50 a minute) allows one request every 1.2 s while Okta
    answers in 0.1-0.3 s, so requests in parallel would only wait together
    for the same reset (the benchmark measures 1.02 times the floor). In
    order, an interrupted run stops between two changes, and roles exist in
    Agora before the people who need them.
    """
    rest = [c for c in plan.changes if c.section is not Section.APP]
    budget = session.org.http.budget
    for done, change in enumerate(rest):
        events.progress(done, len(rest), budget.seconds_for("apps", len(rest) - done))
        await _apply_change(session.org, app_id, change)
        outcome.applied.append(change)
    if rest:
        events.progress(len(rest), len(rest), 0.0)


async def _apply_change(org: OktaOrg, app_id: str, change: Change) -> None:
    section, action, target = change.section, change.action, change.target_id
    if section is Section.PUSH_GROUPS:
        if action is Action.CREATE:
            await org.create_push_mapping(app_id, target, change.role)
        elif action is Action.UPDATE:
            await org.set_push_mapping_status(app_id, target, "ACTIVE")
        else:
            # Okta deletes only an inactive mapping.
            await org.set_push_mapping_status(app_id, target, "INACTIVE")
            await org.delete_push_mapping(app_id, target)
    elif section is Section.GROUP_ASSIGNMENTS:
        if action is Action.CREATE:
            await org.assign_group(app_id, target)
        else:
            await org.unassign_group(app_id, target)
    elif section is Section.PERSON_ASSIGNMENTS:
        if action is Action.CREATE:
            await org.assign_user(app_id, target)
        else:
            await org.unassign_user(app_id, target)
    else:
        raise AgoraOktaError(f"cannot apply a change to {section}")
