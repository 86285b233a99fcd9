"""Topic of lesson 13 Securing an Endpoint and its exercise 13_endpoint (layout: see ``seclab.topics``)."""
