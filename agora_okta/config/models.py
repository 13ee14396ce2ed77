"""The file's shape: pydantic models of the desired setup.

Unknown keys are refused everywhere (a typo must not be ignored) and types
are strict (``prune: 1`` is not a yes). Checks that look at one value live
in ``checks``; checks across items (the same person twice) live here, in
``find_duplicates``, so that the loader can run them even when other
values are wrong and report every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from agora_okta.config import checks
from agora_okta.config.refs import REFERENCE_PATTERN, SecretRef, SecretRefError

# Placeholder SAML values for a new app. The app exists only to provision,
# so sign-on through it is never used; names under the reserved ".invalid"
# domain (RFC 6761) can never reach anyone, and stay the same whatever the
# rest of the file says.
DEFAULT_LABEL = "Agora"
DEFAULT_ACS_URL = "https://agora.invalid/saml/acs"
DEFAULT_AUDIENCE = "https://agora.invalid/saml"

KeyPath = tuple[str | int, ...]


_NAME_SCHEMA = WithJsonSchema(
    {"type": "string", "minLength": 1, "maxLength": checks.NAME_MAX}
)
_URL_SCHEMA = WithJsonSchema(
    {"type": "string", "format": "uri", "pattern": "^https?://"}
)
_APP_ID_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": "^0oa[A-Za-z0-9]{10,30}$"}
)

Label = Annotated[
    str,
    AfterValidator(checks.label),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": checks.LABEL_MAX}),
]
GroupName = Annotated[str, AfterValidator(checks.group_name), _NAME_SCHEMA]
RoleName = Annotated[str, AfterValidator(checks.role_name), _NAME_SCHEMA]
Email = Annotated[
    str,
    AfterValidator(checks.email),
    WithJsonSchema({"type": "string", "format": "idn-email"}),
]
OrgUrl = Annotated[str, AfterValidator(checks.org_url), _URL_SCHEMA]
ScimUrl = Annotated[str, AfterValidator(checks.scim_base_url), _URL_SCHEMA]
SsoUrl = Annotated[str, AfterValidator(checks.sso_url), _URL_SCHEMA]
Audience = Annotated[
    str, AfterValidator(checks.audience), WithJsonSchema({"type": "string"})
]
AppId = Annotated[str, AfterValidator(checks.app_id), _APP_ID_SCHEMA]

# Optional values: the schema shows the value's own form, since writing
# the key with no value is the same as leaving it out.
OptionalAppId = Annotated[AppId | None, _APP_ID_SCHEMA]
OptionalRoleName = Annotated[RoleName | None, _NAME_SCHEMA]


def _secret_ref(value: Any) -> SecretRef:
    if isinstance(value, SecretRef):
        return value
    if isinstance(value, dict) and len(value) == 1:
        kind = next(iter(value))
        if kind in ("env", "keyring"):
            raise checks.fail(
                f'write the reference as one word, with no space after "{kind}:", '
                f"e.g. token: {kind}:NAME"
            )
    if not isinstance(value, str):
        raise checks.fail(
            "write a reference: env:AGORA_SCIM_TOKEN or keyring:agora-scim-token"
        )
    try:
        return SecretRef.parse(value)
    except SecretRefError as exc:
        raise checks.fail(str(exc)) from None


SecretRefField = Annotated[
    SecretRef,
    PlainValidator(_secret_ref),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": REFERENCE_PATTERN,
            "examples": ["env:AGORA_SCIM_TOKEN", "keyring:agora-scim-token"],
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        # A literal token in the wrong place must not reach a traceback.
        hide_input_in_errors=True,
        validate_default=False,
        defer_build=True,
    )


class OktaSettings(_Model):
    org_url: OrgUrl = Field(
        description="The org's address, e.g. https://acme.okta.com (not the "
        "-admin host). https only; http only for a loopback sandbox."
    )


class SsoSettings(_Model):
    acs_url: SsoUrl = Field(
        default=DEFAULT_ACS_URL,
        description="Placeholder single sign-on URL (ACS). The app only "
        "provisions; sign-on through it is not set up.",
    )
    audience: Audience = Field(
        default=DEFAULT_AUDIENCE,
        description="Placeholder audience URI (SP entity ID).",
    )


class AppSettings(_Model):
    label: Label = Field(default=DEFAULT_LABEL, description="The app's label in Okta.")
    id: OptionalAppId = Field(
        default=None,
        description="The app's id (0oa...), to pin it when two apps share "
        "the label. Leave out to find the app by label.",
    )
    sso: SsoSettings = Field(
        default_factory=SsoSettings, description="Placeholder SAML settings."
    )
    hide_tiles: bool = Field(
        default=True, description="Hide the app's tile from users' dashboards."
    )


class ToAppSettings(_Model):
    create_users: bool = Field(default=True, description="Create users in Agora.")
    update_user_attributes: bool = Field(
        default=True, description="Update user attributes in Agora."
    )
    deactivate_users: bool = Field(
        default=True, description="Deactivate users in Agora when unassigned."
    )


class ProvisioningSettings(_Model):
    scim_base_url: ScimUrl = Field(
        description="Agora's SCIM base URL. https; http only for a loopback "
        "address (a local SCIM server), with a warning."
    )
    unique_identifier: Literal["email"] = Field(
        default="email",
        description='Only "email" is supported: Okta sends the email as the user name.',
    )
    token: SecretRefField = Field(
        description="Where Agora's SCIM token is: env:NAME or keyring:NAME. "
        "Never the token itself."
    )
    to_app: ToAppSettings = Field(
        default_factory=ToAppSettings, description="Provisioning > To App."
    )


class PushGroup(_Model):
    """An Okta group pushed to Agora, where it becomes a role."""

    group: GroupName = Field(description="The Okta group's name.")
    role: OptionalRoleName = Field(
        default=None,
        description="The role's name in Agora, when it differs from the group's.",
    )

    @property
    def role_name(self) -> str:
        """The role's name in Agora."""
        return self.role if self.role is not None else self.group

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        # "- Engineering" is short for "- {group: Engineering}".
        return {"group": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        mapping = handler(core_schema)
        name = {"type": "string", "minLength": 1, "description": "A group's name."}
        return {"anyOf": [name, mapping]}


class Assignments(_Model):
    groups: list[GroupName] = Field(
        default_factory=list,
        description="Okta groups assigned to the app: their members get access.",
    )
    people: list[Email] = Field(
        default_factory=list,
        description="People assigned to the app, by email.",
    )


class Config(_Model):
    """The whole file: the desired setup of the app in Okta."""

    okta: OktaSettings
    app: AppSettings = Field(default_factory=AppSettings)
    provisioning: ProvisioningSettings
    push_groups: list[PushGroup] = Field(
        default_factory=list,
        description="Okta groups pushed to Agora, where they become roles.",
    )
    assign: Assignments = Field(default_factory=Assignments)
    prune: bool = Field(
        default=False,
        description="true: assignments and push groups not listed are removed.",
    )

    @model_validator(mode="after")
    def _no_duplicates(self) -> Config:
        found = find_duplicates(self.model_dump(mode="python"))
        if found:
            summary = "; ".join(
                f"{_dotted(dup.path)}: {dup.message(_item(dup.first))}" for dup in found
            )
            context = {"summary": summary, "found": found}
            raise PydanticCustomError("duplicate", "{summary}", context)
        return self


class Duplicate(NamedTuple):
    """An item listed twice: where it is, where it was first, and the fix."""

    path: KeyPath
    first: KeyPath
    text: str
    fix: str = "keep one"

    def message(self, first_place: str) -> str:
        return f"{self.text} ({first_place}); {self.fix}"


def find_duplicates(data: Any) -> list[Duplicate]:
    """Items listed twice, each reported at its later place.

    Works on the raw file as well as on a valid one: items of the wrong
    type are skipped (their own check reports them). Emails, group names
    and role names compare without regard to case: Okta finds people and
    groups that way, so "Sales" and "sales" in one list are one mistake.
    """
    if not isinstance(data, dict):
        return []
    assign = data.get("assign")
    assign = assign if isinstance(assign, dict) else {}

    found: list[Duplicate] = []
    for key, compare, what in (
        ("people", checks.email_key, "person"),
        ("groups", checks.name_key, "group"),
    ):
        items = _strings(assign.get(key))
        found += _repeats(("assign", key), items, compare, what)

    pushed = list(_push_groups(data.get("push_groups")))
    groups = ((index, group) for index, group, _ in pushed)
    found += _repeats(("push_groups",), groups, checks.name_key, "group")
    found += _same_role(pushed)
    return found


def config_warnings(config: Config) -> list[tuple[KeyPath, str]]:
    """What is allowed but worth saying, as (path, message)."""
    warnings: list[tuple[KeyPath, str]] = []
    if config.provisioning.scim_base_url.startswith("http:"):
        warnings.append(
            (
                ("provisioning", "scim_base_url"),
                "plain http is accepted only because the host is a loopback "
                "address (a local SCIM server); Okta itself sends SCIM requests "
                "over https only",
            )
        )
    return warnings


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path if isinstance(part, str))


def _strings(items: Any) -> Iterator[tuple[int, str]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                yield index, item


def _push_groups(items: Any) -> Iterator[tuple[int, str, str]]:
    """(index, group, role name) of each push group that names a group."""
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, str):
            group, role = item, item
        elif isinstance(item, dict) and isinstance(item.get("group"), str):
            group = item["group"]
            given = item.get("role")
            role = given if isinstance(given, str) else group
        else:
            continue
        if group.strip() and role.strip():
            yield index, group, role


def _repeats(
    where: KeyPath,
    items: Iterator[tuple[int, str]],
    compare: Callable[[str], str],
    what: str,
) -> list[Duplicate]:
    first: dict[str, tuple[int, str]] = {}
    found: list[Duplicate] = []
    for index, item in items:
        key = compare(item)
        if key not in first:
            first[key] = (index, item)
            continue
        earlier_index, earlier = first[key]
        if earlier == item:
            text = f'"{item}" is listed twice'
        else:
            text = f'"{item}" is the same {what} as "{earlier}"'
        found.append(Duplicate((*where, index), (*where, earlier_index), text))
    return found


def _same_role(pushed: list[tuple[int, str, str]]) -> list[Duplicate]:
    first: dict[str, tuple[int, str]] = {}
    found: list[Duplicate] = []
    for index, group, role in pushed:
        key = checks.name_key(role)
        if key not in first:
            first[key] = (index, group)
            continue
        earlier_index, earlier = first[key]
        if checks.name_key(earlier) == checks.name_key(group):
            continue  # the same group twice: reported as such
        text = f'"{group}" and "{earlier}" would both become the role "{role}"'
        fix = "give one of them another role"
        where = ("push_groups", index)
        found.append(Duplicate(where, ("push_groups", earlier_index), text, fix))
    return found


def _item(path: KeyPath) -> str:
    index = path[-1]
    return f"first as item {index + 1}" if isinstance(index, int) else "first"
