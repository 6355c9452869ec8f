from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from litellm_smoke.security import well_known_keys as wk

SEED_KEY = "sk-O5z4E7s-6NhLDG3ZZbq9tQ"  # public already: printed in the seed document


@pytest.mark.parametrize("key", ["sk-1234", " sk-1234\n", SEED_KEY])
def test_published_keys_are_well_known(key: str) -> None:
    assert wk.is_well_known(key) is not None


@pytest.mark.parametrize("key", ["sk-12345", "SK-1234", "sk-good-master-key-0123456789abcdef", ""])
def test_other_keys_are_not(key: str) -> None:
    assert wk.is_well_known(key) is None


def test_sk_1234_is_litellm_s_own_boot_refused_key() -> None:
    assert hashlib.sha256(b"sk-1234").hexdigest() in wk.LITELLM_BOOT_REFUSED_DIGESTS <= wk.WELL_KNOWN_KEY_DIGESTS


def test_shipped_file_spells_no_key_in_clear() -> None:
    text = (Path(wk.__file__).parents[1] / "data" / wk.SHIPPED).read_text()
    for _, key in wk.probe_keys():
        assert key not in text


def test_probe_keys_decode_to_their_digests() -> None:
    probes = wk.probe_keys()
    assert {key for _, key in probes} >= {"sk-1234", SEED_KEY}
    assert all(wk.digest(key) == entry.sha256 for entry, key in probes)


def test_repr_hides_the_probe() -> None:
    [(entry, key), *_] = wk.probe_keys()
    assert key not in repr(entry)
    assert entry.probe_b64 is not None
    assert entry.probe_b64 not in repr(entry)


def test_team_file_extends_the_list(tmp_path: Path) -> None:
    team = tmp_path / "keys.yaml"
    team.write_text(f"keys:\n  - label: our wiki's example\n    sha256: {wk.digest('sk-wiki-example')}\n")
    assert wk.is_well_known("sk-wiki-example") is None
    found = wk.is_well_known("sk-wiki-example", [team])
    assert found is not None
    assert found.label == "our wiki's example"
    assert all(entry.origin != str(team) for entry, _ in wk.probe_keys([team]))  # digest-only: matched, not probed


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("keys:\n  - label: x\n    sha256: sk-1234\n", "64 hex"),
        (f"keys:\n  - sha256: {wk.digest('a')}\n", "label"),
        (f"keys:\n  - label: x\n    sha256: {wk.digest('a')}\n    probe: {base64.b64encode(b'b').decode()}\n", "match"),
        ("keys: 3\n", "list 'keys'"),
    ],
)
def test_malformed_team_file_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(body)
    with pytest.raises(wk.WellKnownKeysError, match=message) as info:
        wk.is_well_known("x", [bad])
    assert str(bad) in str(info.value)
    assert "sk-1234" not in str(info.value)
