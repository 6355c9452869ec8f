"""The smoke suite itself: run with ``pytest -m smoke`` (checkout) or ``pytest --pyargs litellm_smoke.suite``."""
