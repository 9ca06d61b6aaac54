"""What gunicorn and `flask --app wsgi` load."""

from bot import create_app
from bot.datafile import DataFileError

try:
    app = create_app()
except DataFileError as exc:
    # A mistake in an office data file: say which and why, without a traceback, and do not start.
    raise SystemExit(f"The bot cannot start: {exc}") from None
