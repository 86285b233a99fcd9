"""Topic of lesson 18 AI-Generated Code and its exercise 18_ai_code (layout: see ``seclab.topics``)."""
