"""Questions and answers: the knowledge base, the matcher, emergencies, the services catalogue, the log of
unanswered questions and what staff teach from it."""
