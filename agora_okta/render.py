"""A plan as text for a terminal, Markdown for a pull request, JSON for machines.

The text form marks each change with ``+`` (create), ``~`` (update) or ``-``
(delete) so that it reads the same with colour or without. No renderer ever
sees a secret: the plan holds the token's reference, not its value.
"""

from __future__ import annotations

import json
from typing import Any

from agora_okta.plan import Action, Change, ManualStep, Plan, Section

_MARKS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
_COLOURS = {Action.CREATE: "32", Action.UPDATE: "33", Action.DELETE: "31"}
_VERBS = {
    Action.CREATE: "to create",
    Action.UPDATE: "to update",
    Action.DELETE: "to delete",
}
_SECTIONS = [
    Section.APP,
    Section.PUSH_GROUPS,
    Section.GROUP_ASSIGNMENTS,
    Section.PERSON_ASSIGNMENTS,
]


def applied(changes: list[Change]) -> str:
    """What an apply did, e.g. "Applied 4 changes: 1 app, 3 person assignments."."""
    counts = {s: sum(1 for c in changes if c.section is s) for s in _SECTIONS}
    parts = [
        f"{n} {section if n != 1 else _SINGULAR[section]}"
        for section, n in counts.items()
        if n
    ]
    noun = "change" if len(changes) == 1 else "changes"
    if not parts:
        return "Applied no changes; Okta matches the file."
    return f"Applied {len(changes)} {noun}: {', '.join(parts)}."


_SINGULAR = {
    Section.APP: "app",
    Section.PUSH_GROUPS: "push group",
    Section.GROUP_ASSIGNMENTS: "group assignment",
    Section.PERSON_ASSIGNMENTS: "person assignment",
}


def summary(plan: Plan) -> str:
    counts = ", ".join(f"{plan.count(a)} {_VERBS[a]}" for a in Action)
    pending = len(plan.pending_steps)
    steps = f"{pending} manual step{'s' if pending != 1 else ''} to do"
    if not plan.has_changes:
        return "No changes: Okta matches the file."
    return f"Plan: {counts}; {steps}."


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def describe(change: Change) -> str:
    """One change in words, e.g. "push Sales as role 'Sales Team'"."""
    name, action, section = change.name, change.action, change.section
    if section is Section.APP:
        if action is Action.CREATE:
            return f"create SAML app {name!r} (provisioning only)"
        return f"update app {name!r}"
    if section is Section.PUSH_GROUPS:
        if action is Action.CREATE:
            return f"push {name} as role {change.role!r}"
        if action is Action.UPDATE:
            return f"re-activate push group {name}"
        return f"stop pushing {name}"
    verb = {Action.CREATE: "assign", Action.DELETE: "unassign"}.get(action, "update")
    if section is Section.GROUP_ASSIGNMENTS:
        return f"{verb} group {name}"
    return f"{verb} {name}"


def _change_line(change: Change, colour: bool) -> list[str]:
    head = f"  {_MARKS[change.action]} {describe(change)}"
    lines = [_paint(head, _COLOURS[change.action], colour)]
    lines.extend(f"      {detail}" for detail in change.details)
    if change.warning:
        lines.append(_paint(f"      ! {change.warning}", "33", colour))
    return lines


def _step_lines(number: int, step: ManualStep, colour: bool) -> list[str]:
    mark = (
        _paint("✓ done", "32", colour) if step.done else _paint("✗ to do", "31", colour)
    )
    lines = [f"  {number}. {step.title}: {mark}", f"     {step.where}"]
    width = max(len(name) for name, _ in step.settings)
    lines.extend(
        f"       {name.ljust(width)}  {value}" for name, value in step.settings
    )
    if step.note:
        lines.append(f"     {step.note}")
    return lines


def render_text(plan: Plan, *, colour: bool = False) -> str:
    where = f"app {plan.app_label!r}" + (f" ({plan.app_id})" if plan.app_id else "")
    lines = [f"Okta org {plan.org_url}, {where}", ""]
    for section in _SECTIONS:
        changes = plan.in_section(section)
        if not changes:
            continue
        lines.append(section.capitalize())
        for change in changes:
            lines.extend(_change_line(change, colour))
        lines.append("")
    if plan.manual_steps:
        heading = f"Manual steps in the Admin Console: {plan.console_url}"
        if plan.provisioning_api:
            heading = "Provisioning, which Okta's API sets for this app (apply does it)"
        lines.append(heading)
        for number, step in enumerate(plan.manual_steps, start=1):
            lines.extend(_step_lines(number, step, colour))
        lines.append("")
    if plan.scim is not None:
        from agora_okta.scim_check import render_report

        lines.append(
            "Agora's SCIM endpoint, probed from here as Okta's connector test does"
        )
        report = render_report(plan.scim, color=colour).rstrip("\n")
        lines.extend("  " + line for line in report.splitlines())
        lines.append("")
    for error in plan.push_errors:
        lines.append(
            _paint(
                f"! push group {error.group} is in ERROR: "
                f"{error.error_summary or 'no summary'}"
                + (f" (last push {error.last_push})" if error.last_push else ""),
                "31",
                colour,
            )
        )
    for warning in plan.warnings:
        lines.append(_paint(f"! {warning}", "33", colour))
    if plan.push_errors or plan.warnings:
        lines.append("")
    lines.append(summary(plan))
    return "\n".join(lines) + "\n"


def render_markdown(plan: Plan) -> str:
    where = f"`{plan.app_label}`" + (f" (`{plan.app_id}`)" if plan.app_id else "")
    lines = [f"### agora-okta plan for {where} on {plan.org_url}", ""]
    lines.append(f"**{summary(plan)}**")
    lines.append("")
    if plan.changes:
        lines += ["| | section | change | details |", "|---|---|---|---|"]
        for change in plan.changes:
            details = "; ".join(change.details)
            if change.warning:
                details += f" ⚠️ {change.warning}"
            lines.append(
                f"| `{_MARKS[change.action]}` | {change.section} | "
                f"{_md(describe(change))} | {_md(details)} |"
            )
        lines.append("")
    if plan.manual_steps:
        heading = f"Manual steps in the [Admin Console]({plan.console_url}):"
        if plan.provisioning_api:
            heading = (
                "Provisioning, which Okta's API sets for this app (apply does it):"
            )
        lines.append(heading)
        lines.append("")
        for step in plan.manual_steps:
            box = "x" if step.done else " "
            lines.append(f"- [{box}] **{step.title}** — {step.where}")
            for name, value in step.settings:
                lines.append(f"  - {name}: `{value}`")
            if step.note:
                lines.append(f"  - _{step.note}_")
        lines.append("")
    if plan.scim is not None:
        from agora_okta.scim_check import render_report

        lines += ["Agora's SCIM endpoint, probed as Okta's connector test does:", ""]
        lines += ["```", render_report(plan.scim, color=False).rstrip("\n"), "```", ""]
    for error in plan.push_errors:
        lines.append(
            f"- ⛔ push group **{_md(error.group)}** is in ERROR: "
            f"{_md(error.error_summary)}"
        )
    for warning in plan.warnings:
        lines.append(f"- ⚠️ {_md(warning)}")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    return {
        "org_url": plan.org_url,
        "app": {
            "label": plan.app_label,
            "id": plan.app_id,
            "console_url": plan.console_url,
        },
        "summary": {a.value: plan.count(a) for a in Action}
        | {"manual_steps_pending": len(plan.pending_steps)},
        "has_changes": plan.has_changes,
        "changes": [
            {
                "section": c.section.value,
                "action": c.action.value,
                "name": c.name,
                "id": c.target_id or None,
                "role": c.role or None,
                "details": list(c.details),
                "warning": c.warning or None,
            }
            for c in plan.changes
        ],
        "manual_steps": [
            {
                "key": s.key,
                "title": s.title,
                "where": s.where,
                "settings": dict(s.settings),
                "done": s.done,
                "visible_in_okta": s.visible_in_okta,
            }
            for s in plan.manual_steps
        ],
        "provisioning_api": plan.provisioning_api,
        "scim_checks": None
        if plan.scim is None
        else [result.__dict__ for result in plan.scim.results],
        "push_errors": [e.__dict__ for e in plan.push_errors],
        "warnings": plan.warnings,
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_as_dict(plan), indent=2, ensure_ascii=False) + "\n"
