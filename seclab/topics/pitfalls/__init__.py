"""Topic of lesson 12 Python Pitfalls and its exercise 12_pitfalls (layout: see ``seclab.topics``)."""
