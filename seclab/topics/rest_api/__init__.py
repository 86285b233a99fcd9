"""Topic of lesson 16 Securing REST APIs and its exercise 16_rest_api (layout: see ``seclab.topics``)."""
