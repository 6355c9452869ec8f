"""Talking to a LiteLLM proxy: the HTTP client, route paths, SSE parsing, diagnosis of what went wrong
on the wire, and the virtual-key API. No checks and no pytest here."""
