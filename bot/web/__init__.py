"""The web pages: the public transparency page and Open311 API, and the staff back-office."""
