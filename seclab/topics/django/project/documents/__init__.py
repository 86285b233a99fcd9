"""The documents app of the course's Django project: a ``Document`` per owner, and its views."""
