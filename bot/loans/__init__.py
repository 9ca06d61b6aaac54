"""Borrowing government assets: the service (requests, approval, the ledger), the catalogue, cards,
notifications (due-date reminders, digest section) and the year-end report."""
