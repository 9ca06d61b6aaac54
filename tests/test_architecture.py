"""The engine (the modules directly in bot/) never imports a capability, nor a handler: capabilities plug into
it (registry, scheduler jobs, seed steps, report subcommands) from handlers.CAPABILITIES."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

import handlers
from bot.registry import load_handlers, registry

ROOT = Path(__file__).resolve().parent.parent
CAPABILITY_PACKAGES = ("bot.qa", "bot.feedback", "bot.loans", "bot.reminders", "bot.ita", "bot.privacy", "handlers")
# Modules of bot/ that are not the engine: a capability of its own (privacy) and the library every part uses.
NOT_ENGINE = {"privacy.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_engine_module_imports_a_capability():
    engine = [p for p in sorted((ROOT / "bot").glob("*.py")) if p.name not in NOT_ENGINE]
    assert len(engine) > 15
    offending = {
        p.name: sorted(n for n in imported_modules(p) if n.startswith(CAPABILITY_PACKAGES))
        for p in engine
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_capabilities_and_the_order_of_intents_are_declared_once():
    load_handlers(Flask(__name__))
    assert [intent.name for intent in registry.intents] == list(handlers.INTENT_ORDER)
    assert len(set(handlers.INTENT_ORDER)) == len(handlers.INTENT_ORDER)


def test_an_intent_left_out_of_the_order_is_refused_at_start_up(monkeypatch):
    monkeypatch.setattr(handlers, "INTENT_ORDER", tuple(n for n in handlers.INTENT_ORDER if n != "contact"))
    with pytest.raises(RuntimeError, match="contact"):
        load_handlers(Flask(__name__))
