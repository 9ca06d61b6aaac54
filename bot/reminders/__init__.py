"""Reminders to the staff responsible for each measure: rules from the data file, the schedule language, cards
and the scheduler job that writes what fell due."""

from bot.reminders import rules as _rules  # noqa: F401 - registers its seed step
