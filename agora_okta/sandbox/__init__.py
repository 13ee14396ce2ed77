"""A local Okta org served over real HTTP, which the okta SDK talks to unmodified.

    from agora_okta.sandbox import Sandbox, SandboxSettings

    with Sandbox(SandboxSettings(seed=load_seed(path))) as sandbox:
        ...  # an okta Client with orgUrl=sandbox.url, token=sandbox.token

Besides Okta's endpoints it serves a console stand-in under ``/console/``
(see ``console``). Nothing else in the package imports the sandbox except
the command line.
"""

from __future__ import annotations

from agora_okta.sandbox.limits import BUCKETS
from agora_okta.sandbox.org import Org
from agora_okta.sandbox.seed import load_seed
from agora_okta.sandbox.server import Sandbox
from agora_okta.sandbox.settings import DEV_TOKEN, SandboxSettings

__all__ = ["BUCKETS", "DEV_TOKEN", "Org", "Sandbox", "SandboxSettings", "load_seed"]
