"""Desired (the file) against current (the org): the plan, as data.

A plan is an ordered list of changes in the admin guide's order (the app,
push groups, group assignments, person assignments), the console's manual
steps with their state, and what the admin should know before applying.
Renderers (``render``) turn it into text, Markdown or JSON; ``engine``
carries it out. Nothing here talks to Okta.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agora_okta.adapter.models import EMAIL_TEMPLATE
from agora_okta.errors import SafetyRefusal

if TYPE_CHECKING:
    from agora_okta.adapter.models import App, AppGroup, AppUser, PushMapping
    from agora_okta.config import Config
    from agora_okta.scim_check import ScimReport

# One API token's share of Okta's apps-family rate limit, a minute
# (FACTS.md, "Rate limits"): what decides how long an apply takes.
APPS_BUDGET_PER_MINUTE = 50

# A plan that removes more than this share of what exists in a list refuses to
# apply without --force.
REMOVAL_LIMIT = 0.30

# The app's `features` that the console's provisioning steps turn on
# (FACTS.md, "The admin's eight steps").
SCIM_FEATURE = "SCIM_PROVISIONING"
TO_APP_FEATURES = {
    "create_users": "PUSH_NEW_USERS",
    "update_user_attributes": "PUSH_PROFILE_UPDATES",
    "deactivate_users": "PUSH_USER_DEACTIVATION",
}
TO_APP_TITLES = {
    "create_users": "Create Users",
    "update_user_attributes": "Update User Attributes",
    "deactivate_users": "Deactivate Users",
}


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Section(enum.StrEnum):
    APP = "app"
    PUSH_GROUPS = "push groups"
    GROUP_ASSIGNMENTS = "group assignments"
    PERSON_ASSIGNMENTS = "person assignments"


@dataclass(frozen=True)
class Change:
    section: Section
    action: Action
    name: str
    # Okta's id of what the change acts on: a user, a group, a push mapping.
    target_id: str = ""
    # For a push group: the role's name in Agora.
    role: str = ""
    details: tuple[str, ...] = ()
    warning: str = ""


@dataclass(frozen=True)
class ManualStep:
    """A console step that Okta's public API cannot do for this app."""

    key: str
    title: str
    where: str
    settings: tuple[tuple[str, str], ...]
    done: bool
    # True when Okta shows the result back (the app's features); False when
    # only the admin's word and Agora's side (check-scim) can tell.
    visible_in_okta: bool
    note: str = ""


@dataclass(frozen=True)
class PushError:
    group: str
    error_summary: str
    last_push: str


@dataclass
class Current:
    """What the org holds for the file, as read by the engine."""

    app: App | None
    app_users: list[AppUser] = field(default_factory=list)
    app_groups: list[AppGroup] = field(default_factory=list)
    push_mappings: list[PushMapping] = field(default_factory=list)
    # The file's people and groups, resolved to Okta ids.
    user_ids: dict[str, str] = field(default_factory=dict)
    group_ids: dict[str, str] = field(default_factory=dict)
    # Names of the other groups in push mappings and group assignments, by id
    # (read only when prune may remove them).
    other_group_names: dict[str, str] = field(default_factory=dict)
    # Where Okta's API answers for the app's provisioning (not UNKNOWN).
    provisioning_api: bool = False


@dataclass
class Plan:
    org_url: str
    app_label: str
    app_id: str | None
    console_url: str
    changes: list[Change] = field(default_factory=list)
    manual_steps: list[ManualStep] = field(default_factory=list)
    push_errors: list[PushError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Per list: (removed, existing), for the removal limit.
    removals: dict[Section, tuple[int, int]] = field(default_factory=dict)
    provisioning_api: bool = False
    # Agora's SCIM endpoint, probed as Okta's "Test connector" does.
    scim: ScimReport | None = None

    @property
    def pending_steps(self) -> list[ManualStep]:
        return [step for step in self.manual_steps if not step.done]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.pending_steps)

    @property
    def apps_requests(self) -> int:
        """Requests ``apply`` sends on Okta's apps family, one per change
        (two to remove an active push group: deactivate, then delete)."""
        extra = sum(
            1
            for c in self.changes
            if c.section is Section.PUSH_GROUPS
            and c.action is Action.DELETE
            and "status ACTIVE" in c.details[0]
        )
        return len(self.changes) + extra

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    def in_section(self, section: Section) -> list[Change]:
        return [change for change in self.changes if change.section is section]

    def check_removals(self, force: bool) -> None:
        """Refuse a plan that removes too much of a list, unless forced."""
        if force:
            return
        over = [
            f"{section} {removed}/{existing} ({removed / existing:.0%})"
            for section, (removed, existing) in self.removals.items()
            if existing and removed / existing > REMOVAL_LIMIT
        ]
        if over:
            raise SafetyRefusal(
                "the plan removes more than "
                f"{REMOVAL_LIMIT:.0%} of what exists: {', '.join(over)}. "
                "Check the file's lists and `prune`, or run again with --force."
            )


def make_plan(config: Config, current: Current, *, org_url: str) -> Plan:
    app = current.app
    plan = Plan(
        org_url=org_url,
        app_label=config.app.label,
        app_id=app.id if app else None,
        console_url=console_url(org_url, app),
        provisioning_api=current.provisioning_api,
    )
    plan.changes.extend(_app_changes(config, app))
    plan.manual_steps.extend(manual_steps(config, app))
    _plan_push_groups(plan, config, current)
    _plan_group_assignments(plan, config, current)
    _plan_person_assignments(plan, config, current)
    _note_budget(plan)
    return plan


def _note_budget(plan: Plan) -> None:
    requests = plan.apps_requests
    if requests <= APPS_BUDGET_PER_MINUTE:
        return
    minutes = requests / APPS_BUDGET_PER_MINUTE
    plan.warnings.append(
        f"apply sends {requests} requests to Okta's apps API, which allows one "
        f"token about {APPS_BUDGET_PER_MINUTE} a minute: about {minutes:.0f} min."
    )
    people = len(plan.in_section(Section.PERSON_ASSIGNMENTS))
    if people > APPS_BUDGET_PER_MINUTE:
        plan.warnings.append(
            f"{people} people are assigned one by one, a request each; assigning "
            "an Okta group that holds them costs one request for all its members."
        )


def console_url(org_url: str, app: App | None) -> str:
    """The app's page in the Admin Console (``acme.okta.com`` → ``acme-admin``)."""
    scheme, _, rest = org_url.partition("://")
    host, _, port = rest.partition(":")
    subdomain, dot, domain = host.partition(".")
    loopback = host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")
    admin = host if loopback or not dot else f"{subdomain}-admin.{domain}"
    base = f"{scheme}://{admin}{':' + port if port else ''}"
    if app is None:
        return f"{base}/admin/apps/active"
    return f"{base}/admin/app/{app.name}/instance/{app.id}/"


def desired_app_fields(config: Config) -> dict[str, object]:
    return {
        "label": config.app.label,
        "SSO ACS URL": config.app.sso.acs_url,
        "SSO audience": config.app.sso.audience,
        "user name template": EMAIL_TEMPLATE,
        "tiles hidden": _yes_no(config.app.hide_tiles),
    }


def current_app_fields(app: App) -> dict[str, object]:
    return {
        "label": app.label,
        "SSO ACS URL": app.acs_url,
        "SSO audience": app.audience,
        "user name template": app.user_name_template,
        "tiles hidden": _yes_no(app.hide_web and app.hide_ios),
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _app_changes(config: Config, app: App | None) -> list[Change]:
    label = config.app.label
    if app is None:
        details = tuple(f"{k}: {v}" for k, v in desired_app_fields(config).items())
        return [Change(Section.APP, Action.CREATE, label, details=details)]
    desired = desired_app_fields(config)
    current = current_app_fields(app)
    details = tuple(
        f"{key}: {current[key]!r} → {value!r}"
        for key, value in desired.items()
        if current[key] != value
    )
    changes: list[Change] = []
    if app.status != "ACTIVE":
        changes.append(
            Change(Section.APP, Action.UPDATE, label, app.id, details=("activate",))
        )
    if details:
        warning = ""
        if SCIM_FEATURE in app.features:
            warning = (
                "Okta has been reported to reset provisioning when a SAML app is "
                "replaced after SCIM was enabled (okta/terraform-provider-okta#655); "
                "apply reads the app's features again afterwards."
            )
        changes.append(
            Change(
                Section.APP,
                Action.UPDATE,
                label,
                app.id,
                details=details,
                warning=warning,
            )
        )
    return changes


def manual_steps(config: Config, app: App | None) -> list[ManualStep]:
    """The console steps 3, 4 and 6 of the admin guide, and their state."""
    features = app.features if app else frozenset()
    scim_on = SCIM_FEATURE in features
    prov = config.provisioning
    to_app = {key: getattr(prov.to_app, key) for key in TO_APP_FEATURES}
    to_app_done = scim_on and all(
        (TO_APP_FEATURES[key] in features) == wanted for key, wanted in to_app.items()
    )
    return [
        ManualStep(
            key="enable-scim",
            title="Enable SCIM provisioning",
            where="General tab → App Settings → Edit → Provisioning: SCIM → Save",
            settings=(("Provisioning", "SCIM"),),
            done=scim_on,
            visible_in_okta=True,
        ),
        ManualStep(
            key="connection",
            title="Enter Agora's SCIM connection",
            where="Provisioning tab → Integration → Edit → Test Connector "
            "Configuration → Save",
            settings=(
                ("SCIM connector base URL", prov.scim_base_url),
                ("Unique identifier field for users", prov.unique_identifier),
                (
                    "Supported provisioning actions",
                    "Push New Users, Push Profile Updates, Push Groups",
                ),
                ("Authentication Mode", "HTTP Header"),
                (
                    "Authorization (Bearer)",
                    f"the secret {prov.token} — print it "
                    f"with `agora-okta secrets show {prov.token.name}`"
                    if prov.token.kind == "keyring"
                    else f"the value of {prov.token}",
                ),
            ),
            done=scim_on,
            visible_in_okta=False,
            note="Okta does not show these values back: they are taken as entered "
            "by the admin and checked from Agora's side (agora-okta check-scim).",
        ),
        ManualStep(
            key="to-app",
            title="Turn on provisioning to Agora",
            where="Provisioning tab → To App → Edit → Save",
            settings=tuple(
                (TO_APP_TITLES[key], "Enable" if wanted else "Leave off")
                for key, wanted in to_app.items()
            ),
            done=to_app_done,
            visible_in_okta=True,
        ),
    ]


def _plan_push_groups(plan: Plan, config: Config, current: Current) -> None:
    # A mapping is matched by its source group only. The name of the role it
    # made in Agora (its target group) is not read back, so a `role:` changed
    # in the file for a group already pushed shows no change; reading it would
    # cost one groups-bucket request per push group.
    by_source = {m.source_group_id: m for m in current.push_mappings}
    names = current.other_group_names | {
        gid: name for name, gid in current.group_ids.items()
    }
    wanted: set[str] = set()
    for push in config.push_groups:
        group_id = current.group_ids[push.group]
        wanted.add(group_id)
        mapping = by_source.get(group_id)
        role = push.role_name
        if mapping is None:
            plan.changes.append(
                Change(
                    Section.PUSH_GROUPS,
                    Action.CREATE,
                    push.group,
                    group_id,
                    role,
                )
            )
        elif mapping.status == "INACTIVE":
            plan.changes.append(
                Change(
                    Section.PUSH_GROUPS,
                    Action.UPDATE,
                    push.group,
                    mapping.id,
                    role,
                    details=("re-activate: INACTIVE → ACTIVE",),
                )
            )
        elif mapping.status == "ERROR":
            plan.push_errors.append(
                PushError(push.group, mapping.error_summary, mapping.last_push)
            )
    removed = 0
    for mapping in current.push_mappings:
        if mapping.source_group_id in wanted or not config.prune:
            continue
        removed += 1
        name = names.get(mapping.source_group_id, mapping.source_group_id)
        plan.changes.append(
            Change(
                Section.PUSH_GROUPS,
                Action.DELETE,
                name,
                mapping.id,
                details=(f"status {mapping.status}; the role stays in Agora",),
            )
        )
    plan.removals[Section.PUSH_GROUPS] = (removed, len(current.push_mappings))


def _plan_group_assignments(plan: Plan, config: Config, current: Current) -> None:
    assigned = {group.id for group in current.app_groups}
    wanted = {current.group_ids[name]: name for name in config.assign.groups}
    for group_id, name in wanted.items():
        if group_id not in assigned:
            plan.changes.append(
                Change(Section.GROUP_ASSIGNMENTS, Action.CREATE, name, group_id)
            )
    removed = 0
    if config.prune:
        names = current.other_group_names | {
            gid: name for name, gid in current.group_ids.items()
        }
        for group_id in sorted(assigned - wanted.keys()):
            removed += 1
            plan.changes.append(
                Change(
                    Section.GROUP_ASSIGNMENTS,
                    Action.DELETE,
                    names.get(group_id, group_id),
                    group_id,
                    details=("its members lose the app unless assigned otherwise",),
                )
            )
    plan.removals[Section.GROUP_ASSIGNMENTS] = (removed, len(assigned))


def _plan_person_assignments(plan: Plan, config: Config, current: Current) -> None:
    direct = {u.id: u for u in current.app_users if u.scope == "USER"}
    through_group = {u.id for u in current.app_users if u.scope == "GROUP"}
    wanted = {current.user_ids[email.lower()]: email for email in config.assign.people}
    for user_id, email in wanted.items():
        if user_id in direct:
            continue
        details = (
            ("assigned through a group today",) if user_id in through_group else ()
        )
        plan.changes.append(
            Change(
                Section.PERSON_ASSIGNMENTS,
                Action.CREATE,
                email,
                user_id,
                details=details,
            )
        )
    removed = 0
    if config.prune:
        for user_id, app_user in sorted(direct.items()):
            if user_id in wanted:
                continue
            removed += 1
            plan.changes.append(
                Change(
                    Section.PERSON_ASSIGNMENTS,
                    Action.DELETE,
                    app_user.user_name or user_id,
                    user_id,
                    details=("deactivated in Agora",),
                )
            )
    plan.removals[Section.PERSON_ASSIGNMENTS] = (removed, len(direct))
