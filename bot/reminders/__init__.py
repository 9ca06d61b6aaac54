"""Reminders to the staff responsible for each measure: rules from the data file, the schedule language, cards
and the scheduler job that writes what fell due."""
