"""Topic of lesson 03 Injection and its exercise 03_injection (layout: see ``seclab.topics``)."""
