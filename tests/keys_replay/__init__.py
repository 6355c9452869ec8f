"""Test-only: LiteLLM key-API answers synthesised from LiteLLM types, and a stateful respx stand-in."""
