"""The file: its models, loading it with places, and secret references.

The names below are imported on first use: pydantic and PyYAML take a
noticeable part of a second to import, and commands such as ``--help`` or
``secrets`` need neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agora_okta.config.checks import email_key, is_loopback, name_key
    from agora_okta.config.loader import LoadedConfig, Location, load_config
    from agora_okta.config.models import (
        DEFAULT_ACS_URL,
        DEFAULT_AUDIENCE,
        DEFAULT_LABEL,
        AppSettings,
        Assignments,
        Config,
        OktaSettings,
        ProvisioningSettings,
        PushGroup,
        SsoSettings,
        ToAppSettings,
    )
    from agora_okta.config.reader import MAX_BYTES, MAX_DEPTH
    from agora_okta.config.refs import SecretRef, SecretRefError
    from agora_okta.config.schema import config_json_schema

DEFAULT_CONFIG_FILE = "agora-okta.yaml"

# Public name -> the module of this package that defines it.
_HOMES = {
    "email_key": "checks",
    "is_loopback": "checks",
    "name_key": "checks",
    "LoadedConfig": "loader",
    "Location": "loader",
    "load_config": "loader",
    "DEFAULT_ACS_URL": "models",
    "DEFAULT_AUDIENCE": "models",
    "DEFAULT_LABEL": "models",
    "AppSettings": "models",
    "Assignments": "models",
    "Config": "models",
    "OktaSettings": "models",
    "ProvisioningSettings": "models",
    "PushGroup": "models",
    "SsoSettings": "models",
    "ToAppSettings": "models",
    "MAX_BYTES": "reader",
    "MAX_DEPTH": "reader",
    "SecretRef": "refs",
    "SecretRefError": "refs",
    "config_json_schema": "schema",
}

__all__ = [
    "DEFAULT_ACS_URL",
    "DEFAULT_AUDIENCE",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_LABEL",
    "MAX_BYTES",
    "MAX_DEPTH",
    "AppSettings",
    "Assignments",
    "Config",
    "LoadedConfig",
    "Location",
    "OktaSettings",
    "ProvisioningSettings",
    "PushGroup",
    "SecretRef",
    "SecretRefError",
    "SsoSettings",
    "ToAppSettings",
    "config_json_schema",
    "email_key",
    "is_loopback",
    "load_config",
    "name_key",
]

if not TYPE_CHECKING:
    # Defined for the interpreter only, so that the type checker still
    # refuses a name that does not exist.

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(__all__)
