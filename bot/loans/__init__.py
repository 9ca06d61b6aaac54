"""Borrowing government assets: the service (requests, approval, the ledger), the catalogue, cards,
notifications (due-date reminders, digest section) and the year-end report."""

from bot.loans import catalogue as _catalogue  # noqa: F401 - registers its seed step
from bot.loans.cli import init_app

__all__ = ["init_app"]
