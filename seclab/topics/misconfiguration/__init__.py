"""Topic of lesson 05 Security Misconfiguration and its exercise 05_misconfiguration (layout: see ``seclab.topics``).

Besides the standard modules it has ``headers`` (the security-header rules the lesson
measures with and the exercise is graded by), ``sockets`` (listening sockets as
``/proc/net/tcp`` shows them) and ``django_site`` (Django's DEBUG pages and
``check --deploy``). Django is used process-safely: it is configured only if nobody
has configured it yet, and every demo applies its own settings with
``django.test.override_settings`` for the length of a ``with`` block, so lessons and
tests that share a process (pytest-xdist, lesson 14's project) keep their own.
"""
