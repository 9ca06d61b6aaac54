"""How people talk to the bot: one module per capability, each registering what it answers on bot.registry.registry.

This package is where the capabilities are put together; the engine (bot/) names none of them.
"""

# The capability packages to load, each bringing its jobs, digest section, report subcommand or page.
CAPABILITIES = ("bot.ita", "bot.qa", "bot.feedback", "bot.loans", "bot.reminders", "bot.privacy")

# Which intent a text goes to when several match: the first in this list. Commands that are exact words come
# first, then what staff and citizens ask by name, then the requests that start flows, then broad questions; the
# Q&A (handlers.questions, the fallback) answers whatever none of these took.
INTENT_ORDER = (
    "register",  # "ลงทะเบียน <code>": a code must never be read as anything else
    "menu",
    "cancel",
    "greeting",
    "thanks",
    "measure_by_number",
    "measures",
    "privacy_notice",
    "my_data",
    "erase_my_data",
    "web_login",
    "feedback_track",
    "feedback_mine",
    "staff_reports",
    "money_loan",  # "ยืมเงิน" before "borrow": the office lends no money
    "my_loans",
    "staff_loans",
    "staff_reminders",
    "staff_menu",
    "feedback",
    "borrow",
    "borrow_question",
    "contact",
)
