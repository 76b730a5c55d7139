"""The locks agree with the loose ranges they are made from (a lock gone stale fails here).

requirements.txt and requirements-dev.txt keep ranges for installing Rectify as a library;
requirements.lock and requirements-dev.lock (made by `bash .ci/lock`) pin exact versions with hashes
for the README's commands and CI. After editing a range, run `bash .ci/lock`.
"""

from __future__ import annotations

import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}


def ranges(name: str) -> dict[NormalizedName, Requirement]:
    """The requirements of a loose file, following its `-r` includes."""
    found: dict[NormalizedName, Requirement] = {}
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(ranges(line[3:].strip()))
        elif line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def pins(name: str) -> dict[NormalizedName, Version]:
    found = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match[1])] = Version(match[2])
    return found


@pytest.mark.parametrize(("loose", "lock"), LOCKS.items())
def test_every_range_is_pinned_within_it(loose: str, lock: str) -> None:
    pinned = pins(lock)
    for name, requirement in ranges(loose).items():
        assert name in pinned, f"{name} is not in {lock}: run bash .ci/lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}: run bash .ci/lock"
        )


@pytest.mark.parametrize("lock", LOCKS.values())
def test_every_pin_has_a_hash_and_torch_is_the_cpu_build(lock: str) -> None:
    lines = (ROOT / lock).read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if PIN.match(line):
            assert line.endswith(" \\") and lines[i + 1].strip().startswith("--hash=sha256:"), line
    pinned = pins(lock)
    assert pinned[canonicalize_name("torch")].local == "cpu"
    cuda = [name for name in pinned if name.startswith(("nvidia-", "triton", "cuda-"))]
    assert not cuda, f"{lock} pulls CUDA packages: {cuda}"


def test_the_app_lock_installs_the_same_releases_as_the_dev_lock() -> None:
    app, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert app.keys() <= dev.keys()
    assert {name: dev[name] for name in app} == app
