"""Topic of lesson 10 Server-Side Request Forgery and its exercise 10_ssrf (layout: see ``seclab.topics``)."""
