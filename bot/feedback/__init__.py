"""Feedback and complaints: the service (drafts, codes, statuses), staff cards, notifications and jobs, the
year-end report."""
