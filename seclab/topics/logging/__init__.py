"""Topic of lesson 09 Security Logging and Alerting Failures and its exercise 09_logging (layout: see ``seclab.topics``)."""
