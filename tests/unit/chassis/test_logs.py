import json
import logging

from chassis.logs import setup_logging


def test_logs_are_json_and_identity_numbers_are_redacted(capsys):
    setup_logging("test", "INFO")
    log = logging.getLogger("audiensi.test")
    log.info("visitor %s checked in with 3171234507900001", "Budi")
    log.info("number %s", "3171234507900001")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["service"] == "test" and lines[0]["level"] == "INFO"
    assert all("3171234507900001" not in json.dumps(line) for line in lines)
    assert "[REDACTED]" in lines[0]["message"] and "[REDACTED]" in lines[1]["message"]
