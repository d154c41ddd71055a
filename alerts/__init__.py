"""Alerting: rules, incident state and delivery (email and webhook notifiers)."""
