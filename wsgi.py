"""What gunicorn and `flask --app wsgi` load."""

from bot import create_app

app = create_app()
