"""Feedback and complaints: the service (drafts, codes, statuses), staff cards, notifications and jobs, the
year-end report."""

from bot.feedback import service as _service  # noqa: F401 - registers its seed step
from bot.feedback.cli import init_app

__all__ = ["init_app"]
