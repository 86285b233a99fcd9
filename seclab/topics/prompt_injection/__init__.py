"""Topic of lesson 17 Prompt Injection and its exercise 17_prompt_injection (layout: see ``seclab.topics``)."""
