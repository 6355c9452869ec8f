"""Server-sent events, as OpenAI-compatible streams use them: the ``data:`` payloads in order."""

from __future__ import annotations

DONE = "[DONE]"


def parse_sse(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body, in order (comments and other fields ignored).

    Events are separated by a blank line; several ``data:`` lines of one event are joined by ``\\n``.
    """
    events: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip(" ") for line in block.split("\n") if line.startswith("data:")]
        if data:
            events.append("\n".join(data))
    return events
