"""Topic of lesson 15 Securing Flask and its exercise 15_flask (layout: see ``seclab.topics``)."""
