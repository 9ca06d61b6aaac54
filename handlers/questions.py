"""Questions in people's own words: whatever no flow or intent claims is matched against the knowledge base.

Answer first: a match is answered (the side of a measure that was asked, or the whole topic), with the
runners-up and related topics as buttons; only two topics truly as good get a "which one?"; no match says so
politely, says how to reach a person (and an outside body when one plainly applies), shows the menu, and logs
the question for staff (`report unanswered`).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot import texts
from bot.context import Context
from bot.flow import aside
from bot.ita.office import contact_settings, current_measures, office_name
from bot.messages import Choice, Message, text
from bot.qa.knowledge import PLACEHOLDER, Entry
from bot.qa.matcher import Decision, Matcher, Verdict, analyzer, matcher_for
from bot.qa.services import answer_template, catalogue, decide
from bot.qa.unanswered import log_unanswered
from bot.registry import registry
from bot.thai.text import compact, contains_word
from handlers.basics import menu_reply
from handlers.contact import contact_block, setting_value
from handlers.measures import measure_card, measure_side_text
from models import Measure, Setting

log = logging.getLogger(__name__)

ANSWER_POSTBACK = "qa"
# Intents that only answer (they start nothing and change nothing): asked in the middle of a flow, they are
# answered and the flow goes on (bot.flow). Any other intent is not taken mid-flow: the step's help is given.
ANSWER_ONLY_INTENTS = frozenset({
    "contact", "privacy_notice", "my_data", "measures", "measure_by_number", "money_loan", "borrow_question",
    "feedback_mine", "my_loans",
})


@registry.on_fallback
def answer_question(ctx: Context) -> None:
    matcher = matcher_for(ctx.session)
    decision = decide(matcher, ctx.text)
    if decision.verdict is Verdict.CONFIDENT and decision.answer is not None:
        reply_with_entry(ctx, matcher, decision.answer, ctx.text, side=decision.side,
                         runners_up=_runners_up(decision))
    elif not ctx.is_one_to_one:
        # In a group the bot hears every conversation; it speaks only when sure it was asked something it knows.
        return
    elif decision.verdict is Verdict.CLOSE_CALL:
        choices = [entry_choice(c.entry) for c in decision.candidates]
        ctx.reply(text(texts.QA_WHICH_ONE, [*choices, Choice(texts.QR_MENU)]))
    else:
        log_unanswered(ctx.session, ctx.text, decision)
        log.info("unanswered question logged (%s)", decision.verdict)
        menu_reply(ctx, fallback_text(ctx))


@aside
def answer_mid_flow(ctx: Context) -> bool:
    """A clear question typed where a flow's step wanted an answer (the step did not accept it): answered when an
    answer-only intent claims it, or when it asks (a question word) and the Q&A is confident; anything less sure is
    left to the step's help."""
    intent = registry.match_intent(ctx)
    if intent is not None:
        if intent.name not in ANSWER_ONLY_INTENTS:
            return False
        intent.handler(ctx)
        return True
    if not any(contains_word(ctx.normalized, word) for word in texts.ASKING_WORDS):
        return False  # an answer the step did not take ("บ้านฉันเอง"), not a question: the step's help
    matcher = matcher_for(ctx.session)
    decision = decide(matcher, ctx.text)
    if decision.verdict is not Verdict.CONFIDENT or decision.answer is None:
        return False
    reply_with_entry(ctx, matcher, decision.answer, ctx.text, side=decision.side, runners_up=_runners_up(decision))
    return True


def fallback_text(ctx: Context) -> str:
    """No answer, but a way on: a person to talk to (phone and hours from settings), and the outside body
    when the question plainly belongs to one."""
    lines = [texts.FALLBACK]
    contacts = {setting.key: setting for setting in contact_settings(ctx.session)}
    phone, hours = contacts.get("contact.phone"), contacts.get("contact.hours")
    if phone is not None:
        lines.append(texts.FALLBACK_PERSON.format(
            phone=setting_value(phone), hours=setting_value(hours) if hours else texts.QA_FACT_MISSING))
    body = analyzer().vocabulary.outside_body(compact(ctx.normalized))
    if body is not None:
        lines.append(texts.FALLBACK_OUTSIDE[body])
    return "\n".join(lines)


def _runners_up(decision: Decision) -> list[Entry]:
    return [c.entry for c in decision.candidates[1:]]


@registry.postback(ANSWER_POSTBACK)
def answer_chosen(ctx: Context) -> None:
    """A tap on a topic button (a close call's choice, or a related topic)."""
    matcher = matcher_for(ctx.session)
    entry = matcher.knowledge.by_id().get(ctx.postback_data.get("entry", ""))
    if entry is None or entry.out_of_scope:
        menu_reply(ctx, texts.BUTTON_EXPIRED)
        return
    reply_with_entry(ctx, matcher, entry)


def entry_choice(entry: Entry) -> Choice:
    return Choice(entry.label, data=f"action={ANSWER_POSTBACK}&entry={entry.id}")


def reply_with_entry(
    ctx: Context, matcher: Matcher, entry: Entry, question: str = "", *, side: str | None = None,
    runners_up: list[Entry] | None = None,
) -> None:
    """The entry's answer (or the side of its measure that was asked), from the report and settings as they
    are now, with the runners-up and related topics as buttons; a service's answer goes by the question (the side
    it asks, the age it names)."""
    known = matcher.knowledge.by_id()
    others = [e.id for e in runners_up or []] + [r for r in entry.related if r in known]
    choices = [entry_choice(known[i]) for i in dict.fromkeys(others) if i != entry.id and i in known]
    choices.append(Choice(texts.QR_MENU))
    if entry.start:
        choices.insert(0, Choice(entry.start))
    measure = _measure(ctx.session, entry.measure) if entry.measure is not None and side else None
    if measure is not None and side is not None:
        choices.insert(0, Choice(texts.QR_MEASURE_N.format(number=measure.number)))
        ctx.reply(text(measure_side_text(ctx.session, measure, side), choices))
        return
    ctx.reply(*answer_messages(ctx.session, entry, choices, question))


def answer_messages(session: Session, entry: Entry, choices: list[Choice], question: str = "") -> list[Message]:
    measure = _measure(session, entry.measure) if entry.measure is not None else None
    if entry.measure is not None and measure is None:
        return [text(texts.QA_MEASURE_MISSING, choices)]
    messages: list[Message] = []
    service = catalogue().service(entry.service) if entry.service else None
    if service is not None:
        messages.append(text(fill_answer(session, answer_template(service, catalogue(), question), measure)))
    elif entry.answer:
        messages.append(text(fill_answer(session, entry.answer, measure)))
    elif measure is not None:
        messages.append(text(texts.QA_MEASURE_LEAD.format(number=measure.number, office=office_name(session))))
    if measure is not None:
        messages.append(measure_card(measure))
    # The buttons go on the last message: LINE shows only that one's.
    messages[-1] = _with_choices(messages[-1], choices)
    return messages


def fill_answer(session: Session, template: str, measure: Measure | None) -> str:
    """An answer's fields filled from the database; a setting the office has not given says so, never guesses."""

    def value(match: object) -> str:
        name = match.group(1)  # type: ignore[attr-defined]
        head, _, rest = name.partition(".")
        if name == "office":
            return office_name(session)
        if name == "contacts":
            return contact_block(session) or texts.QA_FACT_MISSING
        if name == "measure_count":
            return str(len(current_measures(session)))
        if head == "setting":
            setting = session.get(Setting, rest)
            return setting_value(setting) if setting is not None else texts.QA_FACT_MISSING
        if head == "measure" and measure is not None:
            return str(getattr(measure, rest))
        return texts.QA_FACT_MISSING

    return PLACEHOLDER.sub(value, template)


def _measure(session: Session, number: int) -> Measure | None:
    return next((m for m in current_measures(session) if m.number == number), None)


def _with_choices(message: Message, choices: list[Choice]) -> Message:
    carrier = text(" ", choices)
    return {**message, "quickReply": carrier["quickReply"]}

