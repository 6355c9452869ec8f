"""LiteLLM's proxy configuration read as LiteLLM reads it (:mod:`.reader`) and the pre-deploy lint rules
(:mod:`.lint`). No network and no LiteLLM import."""
