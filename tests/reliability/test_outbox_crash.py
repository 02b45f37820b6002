"""Crash consistency around the community outbox (issue 5, part 1): a child process writes
replies and sends them; it is SIGKILLed at seeded random moments (before a save commits,
between save and send, while the POST is in flight, after the portal applied but before the
answer arrived). See tests/reliability/outboxharness.py for the checks after every kill and
the final exactly-once check; bench/soak.py runs the same rounds within its 300 kills."""

from __future__ import annotations

import os

import pytest

from tests.faultproxy import FaultProxy
from tests.portal_process import running_portal
from tests.reliability.outboxharness import OutboxCrashHarness

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "300", "--seed", "5")
KILLS = 12
SEED = int(os.environ.get("OKNO_OUTBOX_CRASH_SEED", "20261126"))


def test_outbox_survives_kills_around_save_and_send(tmp_path):
    with running_portal(tmp_path / "portal", *PORTAL_ARGS) as url, FaultProxy(url) as proxy:
        harness = OutboxCrashHarness(tmp_path, url, proxy, seed=SEED)
        harness.calibrate()
        harness.round(KILLS)
        print(harness.summary())
        assert harness.kills >= KILLS
        phases = "".join(harness.phases)
        assert "sync" in phases, harness.phases  # some kills landed during the send
        harness.final_check()
