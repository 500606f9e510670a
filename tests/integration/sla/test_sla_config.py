"""An invalid policy file stops the service at start: the file, line and problem on stderr,
a non-zero exit status, no traceback, nothing started."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.services import ROOT
from tests.support.waiting import free_port

BROKEN = """policies:
  - id: inform-applicant
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed]
    duration: P1D
    time: working
    calendar: kantor
"""


def run_sla(policy_file, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIENSI_SLA_POLICIES": str(policy_file),
           "AUDIENSI_SLA_PORT": str(free_port()), "AUDIENSI_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    return subprocess.run([sys.executable, "-m", "services.sla"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_an_invalid_policy_file_stops_the_service_naming_the_line(tmp_path):
    policy_file = tmp_path / "policies.yaml"
    policy_file.write_text(BROKEN)
    done = run_sla(policy_file)
    assert done.returncode == 2
    assert f"{policy_file} line 7: unknown calendar 'kantor'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_missing_policy_file_is_named(tmp_path):
    done = run_sla(tmp_path / "nope.yaml")
    assert done.returncode == 2
    assert "nope.yaml: cannot read the policy file" in done.stderr
    assert "Traceback" not in done.stderr
