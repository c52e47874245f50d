"""stress uses only yfinance's public API: no private names (``_ERRORS``,
``_TzDBManager``, ``yfinance._http``, ``._`` attributes), no internals outside
``yfinance.__all__`` and ``yfinance.exceptions``, no patched session methods, no log
handler reading yfinance's lines. The scanner is checked on snippets that break each rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STRESS = Path(__file__).resolve().parents[1] / "stress"
BANNED_TEXT = ("_ERRORS", "_TzDBManager", "yfinance._", "YfData", "cache_clear")


def public_names() -> set[str]:
    import yfinance

    return set(yfinance.__all__) | {"exceptions", "__version__"}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def findings(source: str, where: str = "<snippet>") -> list[str]:
    """Every use of a non-public yfinance name in ``source``, as 'where:line: what'."""
    out = [f"{where}: mentions {word}" for word in BANNED_TEXT if word in source]
    tree = ast.parse(source)
    public = public_names()
    aliases: set[str] = set()
    uses_yfinance = False
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "yfinance" or a.name.startswith("yfinance."):
                    uses_yfinance = True
                    if a.name not in ("yfinance", "yfinance.exceptions"):
                        out.append(f"{line}: imports {a.name}")
                    if a.name == "yfinance":
                        aliases.add(a.asname or "yfinance")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "yfinance":
            uses_yfinance = True
            if node.module not in ("yfinance", "yfinance.exceptions"):
                out.append(f"{line}: imports from {node.module}")
            for a in node.names:
                if private(a.name) or (node.module == "yfinance" and a.name not in public):
                    out.append(f"{line}: imports {node.module}.{a.name}")
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute):
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in aliases and chain[0] not in public:
                out.append(f"{line}: yfinance.{chain[0]} is not public")
            if uses_yfinance and private(node.attr):
                out.append(f"{line}: private attribute .{node.attr}")
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for t in targets:
            if isinstance(t, ast.Attribute) and t.attr in ("request", "get", "send", "post"):
                out.append(f"{line}: patches .{t.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in ("request", "get", "send", "post")):
            out.append(f"{line}: patches .{node.args[1].value} with setattr")
        if isinstance(node, ast.ClassDef):
            for b in node.bases:
                if isinstance(b, ast.Attribute) and b.attr == "Handler" or isinstance(b, ast.Name) and b.id == "Handler":
                    out.append(f"{line}: a logging handler ({node.name}) reading log records")
    return out


def test_stress_uses_only_public_yfinance():
    files = sorted(STRESS.rglob("*.py"))
    assert any(f.name == "yahoo.py" for f in files)  # the scan does reach the adapter
    problems = [p for f in files for p in findings(f.read_text(), str(f.relative_to(STRESS.parent)))]
    assert problems == []


@pytest.mark.parametrize("snippet", [
    "import yfinance as yf\nyf.shared._ERRORS.clear()",
    "import yfinance as yf\nyf.cache._TzDBManager.get_location()",
    "from yfinance._http import new_session",
    "import yfinance._http",
    "from yfinance import _http",
    "from yfinance.data import Something",
    "import yfinance as yf\nyf.data.Something.method()",
    "import yfinance as yf\nyf.utils.get_yf_logger()",
    "import yfinance as yf\nt = yf.Ticker('X')\nt._data",
    "def f(session):\n    session.request = lambda *a, **k: None",
    "def f(session):\n    setattr(session, 'request', None)",
    "import logging\nclass Catcher(logging.Handler):\n    def emit(self, record): pass",
])
def test_the_scanner_flags_each_private_use(snippet):
    assert findings(snippet)


def test_the_scanner_passes_the_public_route():
    ok = ("import yfinance as yf\nfrom yfinance.exceptions import YFRateLimitError\n"
          "yf.config.debug.hide_exceptions = False\nyf.set_tz_cache_location('x')\n"
          "f = yf.Ticker('VST', session=None).history(start='2025-01-02')\nexc.__cause__")
    assert findings(ok) == []
