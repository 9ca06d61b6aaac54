"""The office's ITA report: the importer of its OCR text, the office facts read from it, the measures report."""

from bot.ita import seed as _seed  # noqa: F401 - registers the office's seed step
from bot.ita.cli import init_app

__all__ = ["init_app"]
