"""Topic of lesson 08 Software and Data Integrity Failures and its exercise 08_integrity (layout: see ``seclab.topics``)."""
