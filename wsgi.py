"""What gunicorn and `flask --app wsgi` load."""

import os
import sys

from flask.helpers import get_debug_flag

from bot import create_app, warm_up
from bot.cli import operator_message

# gunicorn's "App failed to load": its master then stops, instead of restarting the worker over and over.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except Exception as exc:
    # A bad DATABASE_URL or setting, or a mistake in an office data file: say which and how to fix it in one
    # line, and do not start. With --debug (FLASK_DEBUG=1) the whole traceback is shown instead.
    if get_debug_flag():
        raise
    print(f"The bot cannot start: {operator_message(exc, 'set FLASK_DEBUG=1 for details')}", file=sys.stderr)
    raise SystemExit(APP_LOAD_ERROR) from None

# A server's worker (gunicorn loads this module in each worker): have the first question's matcher built before the
# first question comes. Not for `flask --app wsgi <command>`, which loads this module too and wants no matcher.
if not os.environ.get("FLASK_RUN_FROM_CLI"):
    warm_up(app)
