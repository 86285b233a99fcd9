"""Topic of lesson 05 Security Misconfiguration and its exercise 05_misconfiguration (layout: see ``seclab.topics``)."""
