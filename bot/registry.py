"""What each handler module answers, declared next to the handler itself.

Handlers register with decorators on the one `registry`; the dispatcher (bot.dispatch) asks the registry
who owns an event, in this order: an emergency (a text the emergency words name, in any state), an active flow,
the postback action, the event kind, then for text the
intents by priority, then the fallback. Adding a capability is adding a module, not an elif.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.messages import Choice
from bot.thai import match_key

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[["Context"], None]
IntentPredicate = Callable[["Context"], bool]


@dataclass(frozen=True)
class Intent:
    name: str
    handler: Handler
    matcher: IntentPredicate
    priority: int
    phrases: tuple[str, ...] = ()


@dataclass
class Registry:
    intents: list[Intent] = field(default_factory=list)
    events: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)
    postbacks: dict[str, Handler] = field(default_factory=dict)
    fallback: Handler | None = None
    menu: list[tuple[int, Choice]] = field(default_factory=list)

    def intent(
        self, name: str, *, phrases: tuple[str, ...] = (), match: IntentPredicate | None = None, priority: int = 100
    ) -> Callable[[Handler], Handler]:
        """A text intent: matched by exact phrases (compared by match_key) and/or a matcher function.

        Lower priority numbers are tried first. Flow triggers register here with their own phrases.
        """
        keys = frozenset(match_key(p) for p in phrases)

        def matcher(ctx: Context) -> bool:
            return (bool(keys) and ctx.key in keys) or (match is not None and match(ctx))

        def register(handler: Handler) -> Handler:
            self.intents.append(Intent(name, handler, matcher, priority, tuple(phrases)))
            self.intents.sort(key=lambda i: i.priority)
            return handler

        return register

    def on_event(self, *kinds: str) -> Callable[[Handler], Handler]:
        """Event kinds: "follow", "unfollow", "join", "message:sticker", "message:image", ..., "unknown"."""

        def register(handler: Handler) -> Handler:
            for kind in kinds:
                self.events[kind] = handler
            return handler

        return register

    def flow(self, name: str) -> Callable[[Handler], Handler]:
        """The handler of a multi-step flow; it gets every message while the user is in that flow."""

        def register(handler: Handler) -> Handler:
            self.flows[name] = handler
            return handler

        return register

    def postback(self, action: str) -> Callable[[Handler], Handler]:
        """A postback button, by the `action` field of its data (`action=...&key=value`)."""

        def register(handler: Handler) -> Handler:
            self.postbacks[action] = handler
            return handler

        return register

    def on_fallback(self, handler: Handler) -> Handler:
        self.fallback = handler
        return handler

    def menu_item(self, choice: Choice, *, order: int = 100) -> None:
        """A capability's entry in the main menu (quick replies); a module adds its own."""
        self.menu.append((order, choice))
        self.menu.sort(key=lambda entry: entry[0])

    def menu_choices(self) -> list[Choice]:
        return [choice for _, choice in self.menu]

    def match_intent(self, ctx: Context) -> Intent | None:
        return next((intent for intent in self.intents if intent.matcher(ctx)), None)


registry = Registry()


def load_handlers(package: str = "handlers") -> None:
    """Import every module of the handlers package, so that their decorators register."""
    pkg = importlib.import_module(package)
    for module in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{package}.{module.name}")
