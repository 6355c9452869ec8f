"""Offline runs: real LiteLLM exchanges recorded (:mod:`.recorder`) and replayed through respx (:mod:`.replay`)."""
