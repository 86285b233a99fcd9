"""Topic of lesson 02 Cryptographic Failures and its exercise 02_crypto (layout: see ``seclab.topics``)."""
