"""Questions and answers: the knowledge base, the matcher, emergencies, the services catalogue, the log of
unanswered questions and what staff teach from it."""

from bot.qa import services as _services  # noqa: F401 - registers its seed step
from bot.qa.cli import init_app

__all__ = ["init_app"]
