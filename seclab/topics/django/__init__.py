"""Topic of lesson 14 Securing Django and its exercise 14_django (layout: see ``seclab.topics``)."""
