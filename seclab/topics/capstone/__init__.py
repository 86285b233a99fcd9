"""Topic of lesson 20 Capstone and its exercise 20_capstone (layout: see ``seclab.topics``)."""
