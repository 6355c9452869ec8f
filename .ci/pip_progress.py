"""Filter for `make`'s pip installs: one short line per package as pip resolves, then a count.

pip's own output is a screenful per package ("Using cached ...", "Requirement already satisfied ...")
and --quiet is silence for minutes. This keeps "Collecting NAME", says how many packages it then
installs (pip prints nothing during that minute) and passes errors through. Lines are flushed as
they come, so a CI log shows progress too. Standard library only: it runs on the new venv's Python.
"""

from __future__ import annotations

import sys


def main() -> None:
    for line in sys.stdin:
        if line.startswith("Collecting "):
            print(line.split(" (from ")[0].rstrip(), flush=True)
        elif line.startswith("Installing collected packages:"):
            count = line.count(",") + 1
            print(f"Installing {count} packages (pip prints nothing more until it is done)", flush=True)
        elif line.startswith("Successfully installed "):
            print(f"Successfully installed {len(line.split()) - 2} packages", flush=True)
        elif line.startswith(("ERROR", "error", "Successfully built")) or "error:" in line.lower():
            print(line.rstrip(), flush=True)


if __name__ == "__main__":
    main()
