"""Running the smoke suite offline, as a user does, and reading its outcome from the outside.

``Recordings`` is the healthy recording set as editable JSON documents; a fault scenario
mutates a copy and writes it to a directory, and ``run_offline`` runs
``pytest --pyargs litellm_smoke.suite -m smoke --offline --replay-dir <that directory>`` in
process through pytester, then reads stdout, stderr and the JUnit XML.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# Imported once, here: pytester's in-process runs drop every module a run imported, so each run would
# import them again (the suite's modules, the OpenAI SDK's lazily loaded resources): a third of a run's time.
import openai
import openai.lib.streaming.chat
import openai.pagination
import openai.resources.chat
import openai.resources.embeddings  # noqa: F401
import pytest

import litellm_smoke.suite.test_database
import litellm_smoke.suite.test_keys
import litellm_smoke.suite.test_security
import litellm_smoke.suite.test_smoke  # noqa: F401
from litellm_smoke._secrets import REDACT
from litellm_smoke.offline.replay import ReplayTransport, resolve_replay_dir, signature_of

# Not sk-shaped on purpose: the redactor's generic key pattern cannot hide a leak of this one,
# only the explicit registration of the run's master key can.
MASTER_KEY = "selftest-master-Q7v9Zr2mXw4KpL"
WRONG_KEY_PREFIX = "sk-litellm-smoke-wrong-"
CHAT_MODEL = "heartcode-chat-sfw"
EMBED_MODEL = "heartcode-embed"
# Discovered from the recorded /model/info (data/embedded.yaml): one model of each other mode.
AGENT_MODEL = "heartcode-agent"  # declares supports_function_calling and supports_response_schema
COMPLETION_MODEL = "heartcode-instruct"
RERANK_MODEL = "heartcode-rerank"
MODERATION_MODEL = "heartcode-moderation"
IMAGE_MODEL = "heartcode-image"

SUITE_ARGS = (
    "--pyargs",
    "litellm_smoke.suite",
    "-m",
    "smoke",
    "--offline",
    "-p",
    "no:cacheprovider",
    "-rfEs",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)

Doc = dict[str, Any]
_ANY = object()


class Recordings:
    """Exchange documents keyed by file name; ``find`` selects one by its request signature."""

    def __init__(self, docs: Mapping[str, Doc]) -> None:
        self.docs = dict(docs)

    @classmethod
    def load(cls, directory: Path | None = None) -> Recordings:
        directory = resolve_replay_dir(directory)
        return cls(
            {
                f.name: json.loads(f.read_text(encoding="utf-8"))
                for f in sorted(directory.glob("*.json"))
                if not f.name.startswith("_")
            }
        )

    def copy(self) -> Recordings:
        return Recordings(copy.deepcopy(self.docs))

    def __iter__(self) -> Iterator[Doc]:
        return iter(self.docs.values())

    def find(
        self,
        method: str,
        path: str,
        *,
        auth: str = "master",
        model: Any = _ANY,
        stream: bool = False,
        input: Any = _ANY,
        query: Mapping[str, str] | None = None,
    ) -> Doc:
        hits = [
            doc
            for doc in self.docs.values()
            if (m := doc["match"])["method"] == method
            and m["path"] == path
            and m["auth"] == auth
            and m.get("stream", False) == stream
            and (model is _ANY or m.get("model") == model)
            and (input is _ANY or m.get("input") == input)
            and (query is None or m.get("query") == dict(query))
        ]
        assert len(hits) == 1, f"expected one recording for {method} {path} auth={auth} model={model}, got {len(hits)}"
        return hits[0]

    def remove(self, doc: Doc) -> None:
        name = next(k for k, v in self.docs.items() if v is doc)
        del self.docs[name]

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, doc in self.docs.items():
            # allow_nan: a fault scenario may store NaN, which Python's json reads back as LiteLLM would send it.
            (directory / name).write_text(json.dumps(doc, indent=2, allow_nan=True), encoding="utf-8")
        return directory

    # The exchanges the checks use, by role.
    def chat(self) -> Doc:
        return self.find("POST", "/v1/chat/completions", model=CHAT_MODEL, input="messages[1]")

    def sdk_chat(self) -> Doc:
        """What the OpenAI SDK check gets (the same request as chat(), recorded apart)."""
        return self.find("POST", "/v1/chat/completions", model=CHAT_MODEL, input="messages[1]+sdk")

    def stream(self) -> Doc:
        return self.find("POST", "/v1/chat/completions", model=CHAT_MODEL, stream=True)

    def unknown_model(self) -> Doc:
        return self.find("POST", "/v1/chat/completions", model="{{UNKNOWN_MODEL}}")

    def models(self, auth: str = "master") -> Doc:
        return self.find("GET", "/v1/models", auth=auth)

    def unauth_chat(self) -> Doc:
        return self.find("POST", "/v1/chat/completions", auth="none")

    def embeddings(self, input: str = "list[3]") -> Doc:
        return self.find("POST", "/v1/embeddings", model=EMBED_MODEL, input=input)

    def readiness(self) -> Doc:
        return self.find("GET", "/health/readiness", auth="none")

    def liveliness(self) -> Doc:
        return self.find("GET", "/health/liveliness", auth="none")

    def health(self, model: str) -> Doc:
        return self.find("GET", "/health", query={"model": model})

    def model_info(self) -> Doc:
        return self.find("GET", "/model/info")

    def tool_call(self, *, stream: bool = False) -> Doc:
        return self.find("POST", "/v1/chat/completions", model=AGENT_MODEL, stream=stream, input="messages[1]+tools[1]")

    def agent_chat(self, *, stream: bool = False) -> Doc:
        return self.find("POST", "/v1/chat/completions", model=AGENT_MODEL, stream=stream, input="messages[1]")

    def json_schema(self) -> Doc:
        return self.find("POST", "/v1/chat/completions", model=AGENT_MODEL, input="messages[1]+json_schema")

    def responses(self, *, stream: bool = False) -> Doc:
        return self.find("POST", "/v1/responses", model=CHAT_MODEL, stream=stream)

    def messages(self, *, stream: bool = False) -> Doc:
        return self.find("POST", "/v1/messages", model=CHAT_MODEL, stream=stream)

    def completion(self) -> Doc:
        return self.find("POST", "/v1/completions", model=COMPLETION_MODEL)

    def rerank(self) -> Doc:
        return self.find("POST", "/v1/rerank", model=RERANK_MODEL)

    def moderation(self) -> Doc:
        return self.find("POST", "/v1/moderations", model=MODERATION_MODEL)


@dataclass
class Case:
    outcome: str  # passed | failed | skipped | error
    text: str  # the failure or skip message and details


@dataclass
class Outcome:
    result: pytest.RunResult
    junit: str
    cases: dict[str, Case]

    @property
    def output(self) -> str:
        return "\n".join(self.result.outlines + self.result.errlines)

    def names(self, outcome: str) -> set[str]:
        return {name for name, case in self.cases.items() if case.outcome == outcome}


def _cases(junit: str) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for element in ET.fromstring(junit).iter("testcase"):
        outcome, text = "passed", ""
        for child in element:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                text = f"{child.get('message', '')}\n{child.text or ''}"
                break
        cases[element.get("name", "?")] = Case(outcome, text)
    return cases


def run_offline(
    pytester: pytest.Pytester,
    recordings: Recordings | Path,
    *args: str,
    subprocess: bool = False,
) -> Outcome:
    """Run the smoke suite offline against ``recordings``, as a user would; never leaks the key (asserted)."""
    replay_dir = recordings if isinstance(recordings, Path) else recordings.write(pytester.path / "recorded")
    junit_path = pytester.path / "junit.xml"
    # --replay-dir=DIR, not "--replay-dir DIR": pytest takes a bare existing path for a test path
    # when it picks the rootdir, and the node ids would then be relative to the recordings.
    argv = (
        *SUITE_ARGS,
        f"--replay-dir={replay_dir}",
        f"--junitxml={junit_path}",
        "--litellm-master-key",
        MASTER_KEY,
        *args,
    )
    # The redactor is process-wide: in process, a key registered by an earlier run would still be
    # masked in this one and hide a run that fails to register it. Each run starts empty.
    saved = set(REDACT._secrets)
    REDACT._secrets.clear()
    try:
        result = pytester.runpytest_subprocess(*argv) if subprocess else pytester.runpytest(*argv)
    finally:
        REDACT._secrets |= saved
    junit = junit_path.read_text(encoding="utf-8") if junit_path.exists() else ""
    outcome = Outcome(result, junit, _cases(junit) if junit else {})
    for where, text in (("stdout/stderr", outcome.output), ("the JUnit XML", junit)):
        assert MASTER_KEY not in text, f"the master key leaked into {where}"
        assert WRONG_KEY_PREFIX not in text, f"the wrong key the auth check sent leaked into {where}"
    return outcome


def fnmatch_escape(text: str) -> str:
    """``text`` as a literal fnmatch pattern (test ids contain brackets)."""
    return "".join(f"[{c}]" if c in "[]*?" else c for c in text)


def spy_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every request the suite sends to the replay, as a signature line, into the list returned."""
    lines: list[str] = []
    original = ReplayTransport.handle_async_request

    async def spy(self: ReplayTransport, request: httpx.Request) -> httpx.Response:
        lines.append(signature_of(request, self.master_key.reveal()).describe())
        return await original(self, request)

    monkeypatch.setattr(ReplayTransport, "handle_async_request", spy)
    return lines
