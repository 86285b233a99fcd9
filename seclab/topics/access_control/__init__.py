"""Topic of lesson 01 Broken Access Control and its exercise 01_access_control (layout: see ``seclab.topics``)."""
