"""Fixtures more than one test directory uses; import them by name where they are needed."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from tests.helpers.sip import Sipp


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's own "no backend" (keyring.backends.fail), as on a headless box."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        keyring.core.init_backend()
        yield
    keyring.core.init_backend()


@pytest.fixture
def sipps() -> Iterator[list[Sipp]]:
    """Append every Sipp a test starts: they are stopped by pid after the test."""
    started: list[Sipp] = []
    yield started
    for sipp in started:
        sipp.cleanup()
