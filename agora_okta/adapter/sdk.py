"""The part of the okta SDK the tool uses: its request executor, and the cache
the executor needs, imported without the rest of the SDK.

Importing any module of the SDK runs the package's ``okta/__init__.py``
first, and that imports the SDK's API client and the models it names: 77
modules and about 0.3 s more than the executor, which needs none of them
(measured on a 2-core machine; ``okta.client`` would bring 1,188). So the
``okta`` package is put in ``sys.modules`` without running its
``__init__``; the executor's own imports then load only the 20 modules it
uses. The first time anything asks the package itself for a name that is
not a submodule (``from okta import Configuration``), its real ``__init__``
runs and the SDK is whole, as if imported the usual way; submodules
(``okta.client``, ``okta.models``) import as usual.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from typing import Any

_VERSION = re.compile(r'^__version__ = "([^"]+)"', re.MULTILINE)


def _bare_package() -> None:
    """``okta`` as a package whose ``__init__`` runs on first use, if ever."""
    if "okta" in sys.modules:
        return
    spec = importlib.util.find_spec("okta")
    if spec is None or spec.origin is None or spec.loader is None:
        return
    try:
        with open(spec.origin, encoding="utf-8") as init:
            version = _VERSION.search(init.read())
    except OSError:
        return
    if version is None:
        # Not the SDK this was written for: import it the usual way.
        return
    package = importlib.util.module_from_spec(spec)
    # Read by okta.user_agent, which the executor imports.
    setattr(package, "__version__", version.group(1))  # noqa: B010
    loader = spec.loader

    def whole(name: str) -> Any:
        if name.startswith("__") or importlib.util.find_spec(f"okta.{name}"):
            # A submodule (``from okta import rest``): the import system
            # loads it when the package says it has no such attribute.
            raise AttributeError(name)
        delattr(package, "__getattr__")
        loader.exec_module(package)
        return getattr(package, name)

    setattr(package, "__getattr__", whole)  # noqa: B010
    sys.modules["okta"] = package


_bare_package()

from okta.cache.no_op_cache import NoOpCache  # noqa: E402
from okta.request_executor import RequestExecutor  # noqa: E402

__all__ = ["NoOpCache", "RequestExecutor"]
