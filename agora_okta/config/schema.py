"""The file's JSON Schema, for editors that complete and check YAML."""

from __future__ import annotations

from typing import Any

from agora_okta.config.models import Config


def config_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the file, as ``agora-okta schema`` prints it."""
    schema = Config.model_json_schema(mode="validation")
    schema.pop("title", None)
    schema.pop("description", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "agora-okta setup file",
        "description": (
            "The desired setup of the Agora app in Okta: SCIM provisioning, push "
            "groups and assignments. Secrets appear only as env:NAME or "
            "keyring:NAME references."
        ),
        **schema,
    }
