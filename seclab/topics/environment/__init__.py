"""Topic of lesson 11 A Clean Environment and its exercise 11_environment (layout: see ``seclab.topics``)."""
