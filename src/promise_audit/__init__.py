"""promise-audit: check published customer-service promises against contact records.

from promise_audit import check

checked = check("promises/northwind.yaml", fail_on="broken")
checked.result.promises      # each promise's verdict, counts and evidence
checked.exit_status          # 0 kept, 1 a blocking promise broken, 3 one unauditable
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["AuditResult", "Checked", "__version__", "check", "from_json", "load_result"]

# imported on first use, so `import promise_audit` (and the command line) stays quick
_LAZY = {
    "check": "promise_audit.checking",
    "Checked": "promise_audit.checking",
    "AuditResult": "promise_audit.results",
    "load_result": "promise_audit.render.json",
    "from_json": "promise_audit.render.json",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promise_audit' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
