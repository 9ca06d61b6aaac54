"""What each handler module answers, declared next to the handler itself.

Handlers register with decorators on the one `registry`; the dispatcher (bot.dispatch) asks the registry
who owns an event, in this order: an interrupt (an emergency: in any state), an active flow,
the postback action, the event kind, then for text the intents in the order the handlers package declares
(handlers.INTENT_ORDER: one list, read top to bottom), then the fallback. Adding a capability is adding a
module and its place in that list, not an elif.

The engine names no capability: `load_handlers` imports the packages the handlers package lists
(handlers.CAPABILITIES), lets each add to the app what it brings (`init_app`: its report subcommand, its page),
then imports the handler modules, whose decorators register.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.messages import Choice
from bot.thai.text import match_key

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from bot.context import Context

Handler = Callable[["Context"], None]
IntentPredicate = Callable[["Context"], bool]


@dataclass(frozen=True)
class Intent:
    name: str
    handler: Handler
    matcher: IntentPredicate
    phrases: tuple[str, ...] = ()


@dataclass
class Registry:
    intents: list[Intent] = field(default_factory=list)
    interrupts: list[Intent] = field(default_factory=list)
    events: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)
    postbacks: dict[str, Handler] = field(default_factory=dict)
    fallback: Handler | None = None
    menu: list[tuple[int, Choice]] = field(default_factory=list)
    warm_ups: list[Callable[[Session], object]] = field(default_factory=list)

    def intent(
        self, name: str, *, phrases: tuple[str, ...] = (), match: IntentPredicate | None = None
    ) -> Callable[[Handler], Handler]:
        """A text intent: matched by exact phrases (compared by match_key) and/or a matcher function. Its place
        among the others is its name's in handlers.INTENT_ORDER. Flow triggers register here with their phrases.
        """
        keys = frozenset(match_key(p) for p in phrases)

        def matcher(ctx: Context) -> bool:
            return (bool(keys) and ctx.key in keys) or (match is not None and match(ctx))

        def register(handler: Handler) -> Handler:
            self.intents = [i for i in self.intents if i.name != name]  # a module imported again replaces its own
            self.intents.append(Intent(name, handler, matcher, tuple(phrases)))
            return handler

        return register

    def interrupt(self, name: str, *, match: IntentPredicate) -> Callable[[Handler], Handler]:
        """A text that is answered before anything else, in a flow too (whose state is kept for afterwards): an
        emergency. Kept for what cannot wait; everything else is an intent."""

        def register(handler: Handler) -> Handler:
            self.interrupts = [i for i in self.interrupts if i.name != name]
            self.interrupts.append(Intent(name, handler, match))
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

    def warm_up(self, step: Callable[[Session], object]) -> Callable[[Session], object]:
        """What a new worker builds in the background before its first question (bot.warm_up)."""
        if step not in self.warm_ups:
            self.warm_ups.append(step)
        return step

    def on_fallback(self, handler: Handler) -> Handler:
        self.fallback = handler
        return handler

    def menu_item(self, choice: Choice, *, order: int = 100) -> None:
        """A capability's entry in the main menu (quick replies); a module adds its own."""
        self.menu.append((order, choice))
        self.menu.sort(key=lambda entry: entry[0])

    def menu_choices(self) -> list[Choice]:
        return [choice for _, choice in self.menu]

    def order_intents(self, order: Sequence[str]) -> None:
        """Put the intents in the declared order; an intent missing from it, or a name that none has, is an error
        of the code (not of the office's data), said at start-up rather than found by a citizen."""
        names = [intent.name for intent in self.intents]
        unplaced, unknown = set(names) - set(order), set(order) - set(names)
        if unplaced or unknown:
            raise RuntimeError(
                f"handlers.INTENT_ORDER: not listed {sorted(unplaced)}, not registered {sorted(unknown)}"
            )
        place = {name: i for i, name in enumerate(order)}
        self.intents.sort(key=lambda intent: place[intent.name])

    def match_intent(self, ctx: Context) -> Intent | None:
        return next((intent for intent in self.intents if intent.matcher(ctx)), None)


registry = Registry()


def load_handlers(app: Flask | None = None, package: str = "handlers") -> None:
    """Load the capabilities the handlers package lists (calling their init_app with the app), then every module of
    the handlers package, so that their decorators register; then order the intents as the package declares."""
    pkg = importlib.import_module(package)
    for name in pkg.CAPABILITIES:
        capability = importlib.import_module(name)
        init_app = getattr(capability, "init_app", None)
        if app is not None and init_app is not None:
            init_app(app)
    for module in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{package}.{module.name}")
    registry.order_intents(pkg.INTENT_ORDER)
