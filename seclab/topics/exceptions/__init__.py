"""Topic of lesson 19 Mishandling Exceptional Conditions and its exercise 19_exceptions (layout: see ``seclab.topics``)."""
