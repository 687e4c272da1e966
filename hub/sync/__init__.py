"""The sync engine: inbound pipeline, per-field reconciliation, push intents and pushes, jobs."""
