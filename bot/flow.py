"""One flow engine: a multi-step conversation kept as data, the way python-telegram-bot's ConversationHandler
keeps its states, instead of an if/elif chain per flow.

A `Flow` is a name, its `Step`s by name, what comes next (a function of the data gathered so far) and what to do
when nothing is missing (`on_done`). Each step has

    ask(ctx, data) -> str            the question (Thai, from bot.texts)
    read(ctx, data) -> value | ...   the answer read from the message: a value, stored as data[step.slot], or
                                     Invalid(problem) when it does not fit (never a guess)
    choices(ctx, data) -> [Choice]   the step's quick replies, on its question and on its help

The state is the user's Conversation row as before (flow, step, data); nothing is kept in memory. The rules:

  * a step the flow does not have (left by an older version of it) ends the flow, politely, with the menu;
    it never falls into another step;
  * an answer that does not fit gets the step's help: the reader's reason (which says how to fix it) and the
    step's quick replies; the user stays at the step;
  * a clear question in the middle of a flow (the reader did not accept the text, and an aside answers it: the
    Q&A when it is confident, or an intent that only answers) is answered, then the step's question is asked
    again: the flow goes on. A bare number is never taken for a question: it gets the step's help;
  * "slots": `start(ctx, data)` may be given what the first message already said; the engine asks only for the
    first step still missing (`Flow.next_step`), and finishes at once when nothing is.

Cancel, the menu words, expiry and emergencies are the dispatcher's (bot.dispatch.route), for every flow.

    NOTE = Flow("note", {"note": Step(ask=lambda ctx, data: texts.ASK_NOTE, read=read_note)}, on_done=save)
    NOTE.register(registry)
    ...
    NOTE.start(ctx, {"report_id": 7})
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import texts
from bot.messages import Choice, text

if TYPE_CHECKING:
    from bot.context import Context
    from bot.registry import Registry

log = logging.getLogger(__name__)

Data = dict[str, Any]


@dataclass(frozen=True)
class Invalid:
    """The answer does not fit the step: `problem` says why and how to fix it (Thai, from bot.texts). The step's
    quick replies go with it. An empty problem repeats the step's question."""

    problem: str = ""


@dataclass(frozen=True)
class Goto:
    """Go to this step and ask its question (the "edit" of a summary)."""

    step: str


class _Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# The reader answered the message itself and stays at the step (another photo may come).
STAY = _Signal("STAY")
# The reader ended the flow itself (it was refused, or it did the work): the engine does nothing more.
END = _Signal("END")

Ask = Callable[["Context", Data], str]
Read = Callable[["Context", Data], Any]
Choices = Callable[["Context", Data], list[Choice]]


def _no_choices(ctx: Context, data: Data) -> list[Choice]:
    return []


@dataclass(frozen=True)
class Step:
    """One question of a flow.

    `slot` is the key of data the answer is stored under (the step's name when None); a step is "missing" while its
    slot is not in data. A reader may also change `data` itself (several keys, a list it adds to) and return
    STAY, END or Goto(step). `cancel` adds the cancel button to the step's quick replies (off for a step whose
    cancel would undo nothing, such as an optional note after the work is done)."""

    ask: Ask
    read: Read
    choices: Choices = _no_choices
    slot: str | None = None
    cancel: bool = True
    # Mid-flow questions are answered at this step (off where free text is the answer, so nothing is an aside).
    asides: bool = True


# Something other than the step that may answer a message the step did not accept: True when it replied.
Aside = Callable[["Context"], bool]
_asides: list[Aside] = []


def aside(answer: Aside) -> Aside:
    """Register what answers a clear question in the middle of a flow (handlers.questions registers the Q&A).
    Registered at import, like the registry's handlers; tried in order, the first that replies wins."""
    _asides.append(answer)
    return answer


# A message that is only a number (Thai or Arabic digits, a dot or a comma): a choice out of range, a count, a
# day of the month; it is never read as a question, nor as anything the step did not ask for.
_BARE_NUMBER = re.compile(r"^[\s0-9๐-๙.,]+$")


def is_bare_number(typed: str) -> bool:
    return bool(_BARE_NUMBER.match(typed)) and any(ch.isdigit() for ch in typed)


@dataclass
class Flow:
    """A multi-step conversation. `next_step(data)` names the first step still missing, or None when nothing is;
    by default it is the first step, in the order given, whose slot is not in data. `on_done(ctx, data)` runs
    when nothing is missing, after the engine ended the flow (the conversation is gone before the work is done:
    an anonymous report's draft must not stay beside its reporter). `on_message(ctx, data)` runs for every message
    the flow takes in (its start too), after the reader, before the state is saved; it may change data."""

    name: str
    steps: Mapping[str, Step]
    on_done: Callable[[Context, Data], None]
    next_step: Callable[[Data], str | None] | None = None
    on_message: Callable[[Context, Data], None] | None = None
    # Ask a step's question: the default sends the question with the step's quick replies; a flow may wrap it
    # (the privacy notice before a step that asks for personal data).
    before_ask: Callable[[Context, str, Data], None] | None = None

    # -- the API ------------------------------------------------------------------------------------------------
    def register(self, registry: Registry) -> Flow:
        """Give the registry this flow's handler: every message of a user in the flow comes to `handle`."""
        registry.flow(self.name)(self.handle)
        return self

    def start(self, ctx: Context, data: Data | None = None) -> None:
        """Start the flow with what is already known (slots taken from the first message) and ask the first
        missing step; with nothing missing, finish at once."""
        data = dict(data or {})
        following = self.first_missing(data)
        if following is None:
            self._finish(ctx, data)
            return
        if self.on_message is not None:
            self.on_message(ctx, data)
        ctx.start_flow(self.name, following, data)
        self.ask(ctx, following, data)

    def first_missing(self, data: Data) -> str | None:
        if self.next_step is not None:
            return self.next_step(data)
        return next((name for name, step in self.steps.items() if slot_of(name, step) not in data), None)

    def ask(self, ctx: Context, name: str, data: Data, problem: str = "") -> None:
        """The step's question with its quick replies; `problem` (why the last answer did not fit) goes first."""
        step = self.steps[name]
        if self.before_ask is not None:
            self.before_ask(ctx, name, data)
        question = step.ask(ctx, data)
        ctx.reply(text(f"{problem}\n\n{question}" if problem else question, self.choices(ctx, name, data)))

    def choices(self, ctx: Context, name: str, data: Data) -> list[Choice]:
        step = self.steps[name]
        choices = list(step.choices(ctx, data))
        if step.cancel and not any(c.label == texts.QR_CANCEL for c in choices):
            choices.append(Choice(texts.QR_CANCEL))
        return choices

    def help(self, ctx: Context, name: str, data: Data, problem: str) -> None:
        """An answer that did not fit: the reason and how to fix it, with the step's quick replies."""
        if not problem:
            self.ask(ctx, name, data)
            return
        ctx.reply(text(problem, self.choices(ctx, name, data)))

    # -- one message ---------------------------------------------------------------------------------------------
    def handle(self, ctx: Context) -> None:
        """A message of a user in this flow (bot.dispatch.route sends it here)."""
        assert ctx.conversation is not None
        name = ctx.conversation.step
        data = dict(ctx.conversation.data or {})
        step = self.steps.get(name)
        if step is None:
            # A step this flow does not have (an older version's): never guess which one was meant.
            log.warning("flow %s has no step %r; ending it", self.name, name)
            ctx.end_flow()
            _menu_reply(ctx, texts.FLOW_STEP_GONE)
            return
        outcome = step.read(ctx, data)
        if outcome is END:
            return
        if isinstance(outcome, Invalid):
            if step.asides and self._aside(ctx):
                self._keep(ctx, name, data)
                self.ask(ctx, name, data)  # the question answered, the flow goes on where it was
                return
            self._keep(ctx, name, data)  # a bad answer still counts as activity: the flow does not expire meanwhile
            self.help(ctx, name, data, outcome.problem)
            return
        if outcome is STAY:
            self._keep(ctx, name, data)
            return
        if isinstance(outcome, Goto):
            self._keep(ctx, outcome.step, data)
            self.ask(ctx, outcome.step, data)
            return
        data[slot_of(name, step)] = outcome
        following = self.first_missing(data)
        if following is None:
            self._finish(ctx, data)
            return
        self._keep(ctx, following, data)
        self.ask(ctx, following, data)

    def _keep(self, ctx: Context, name: str, data: Data) -> None:
        if self.on_message is not None:
            self.on_message(ctx, data)
        ctx.set_step(name, data)

    def _finish(self, ctx: Context, data: Data) -> None:
        ctx.end_flow()
        self.on_done(ctx, data)

    @staticmethod
    def _aside(ctx: Context) -> bool:
        """A clear question asked instead of an answer: the first aside that answers it. Only typed text with
        words, and never a bare number (a choice out of range gets the step's help, not an answer)."""
        if ctx.kind != "message:text" or not ctx.has_words or ctx.text_truncated or is_bare_number(ctx.text):
            return False
        return any(answer(ctx) for answer in _asides)


def slot_of(name: str, step: Step) -> str:
    return step.slot or name


def _menu_reply(ctx: Context, body: str) -> None:
    from bot.registry import registry

    ctx.reply(text(body, registry.menu_choices()))
