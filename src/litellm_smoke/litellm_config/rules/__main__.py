"""``python -m litellm_smoke.litellm_config.rules [DOC]``: regenerate the findings table in DOC.

DOC defaults to ``docs/config-lint.md``; without the file, the table is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from litellm_smoke.litellm_config.rules import render_docs, rules_table


def main(argv: list[str]) -> int:
    doc = Path(argv[0] if argv else "docs/config-lint.md")
    if not doc.is_file():
        print(rules_table(), end="")
        return 0
    doc.write_text(render_docs(doc.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"regenerated the findings table in {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
