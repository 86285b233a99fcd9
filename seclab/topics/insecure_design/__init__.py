"""Topic of lesson 04 Insecure Design and its exercise 04_insecure_design (layout: see ``seclab.topics``)."""
