"""Topic of lesson 06 Vulnerable and Outdated Components and its exercise 06_supply_chain (layout: see ``seclab.topics``)."""
