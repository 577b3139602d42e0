"""The lock files (requirements/*.txt, installed with --require-hashes by make and CI)
pin every dependency pyproject.toml declares, each with its hashes, Twisted and autobahn
among them (panels/live/wire.py reaches into their internals: an upgrade must be a
deliberate change to the lock, which CI then tests)."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pinned(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, how many hashes) of a lock file."""
    text = (ROOT / "requirements" / lock).read_text()
    found = {}
    for block in re.split(r"\n(?=[a-zA-Z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", block)
        if match:
            found[name(match.group(1))] = (match.group(2), block.count("--hash=sha256:"))
    return found


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("app.txt", PROJECT["dependencies"]),
        ("test.txt", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
)
def test_every_declared_dependency_is_pinned_with_hashes_in_a_version_it_allows(lock, declared):
    pins = pinned(lock)
    for line in declared:
        requirement = Requirement(line)
        version, hashes = pins[name(requirement.name)]
        assert requirement.specifier.contains(version, prereleases=True), (line, version)
        assert hashes >= 1, line
    assert all(hashes >= 1 for _version, hashes in pins.values())


def test_the_frame_writer_s_libraries_are_pinned():
    pins = pinned("app.txt")

    assert {"twisted", "autobahn", "daphne"} <= set(pins)
