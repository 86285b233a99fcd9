"""Topic of lesson 07 Authentication Failures and its exercise 07_authentication (layout: see ``seclab.topics``)."""
