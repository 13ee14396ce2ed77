"""Run one command in this process, then write what it cost to a JSON file.

    python benchmarks/measure.py REPORT.json agora-okta ARGS...
    python benchmarks/measure.py REPORT.json SCRIPT.py ARGS...

The benchmark starts commands through this wrapper because a child's
``ru_maxrss`` counts the memory of the parent it was forked from (the
benchmark holds a 50,000-user org): the peak here is ``VmHWM``, which
belongs to this process alone. The wrapper costs one small import; the
command itself runs as its console script would run it.

The report: ``{"peak_kb": ..., "okta_modules": [...]}`` (the okta SDK's
modules that were imported), written at exit, whatever the exit code.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path

# Nothing else is imported up front, so that start-up times stay the
# command's own.


def _peak_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    # Elsewhere: the whole-life peak, which may include the parent's.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _report(path: Path) -> None:
    import json

    okta = sorted(m for m in sys.modules if m == "okta" or m.startswith("okta."))
    path.write_text(json.dumps({"peak_kb": _peak_kb(), "okta_modules": okta}))


def main() -> None:
    report, command, *args = sys.argv[1:]
    atexit.register(_report, Path(report))
    if command == "agora-okta":
        sys.argv = [command, *args]
        from agora_okta.cli import run

        run()
    else:
        import runpy

        sys.argv = [command, *args]
        runpy.run_path(command, run_name="__main__")


if __name__ == "__main__":
    main()
