"""The direct database check: LiteLLM's PostgreSQL answers, accepts the credentials, is migrated."""
