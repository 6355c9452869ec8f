"""``python -m litellm_smoke.cli``: the same as the ``litellm-smoke`` command."""

from __future__ import annotations

import sys

from litellm_smoke.cli import main

sys.exit(main())
