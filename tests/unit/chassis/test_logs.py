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


def test_extra_fields_and_numbers_with_separators_are_redacted(capsys):
    setup_logging("test", "INFO")
    log = logging.getLogger("audiensi.test")
    log.warning("checked in", extra={"nik": "3171 2345 0790 0001", "phone": "0812-7000-2222",
                                     "nested": {"ids": ["31.71.23.450790.0001"]},
                                     "as_int": 3171234507900001, "case_id": "c-1",
                                     "partition": 3, "offset": 120})
    log.info("dotted %s", "3171.2345.0790.0001")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    text = json.dumps(lines)
    for clear in ("3171 2345 0790 0001", "0812-7000-2222", "31.71.23.450790.0001",
                  "3171234507900001", "3171.2345.0790.0001"):
        assert clear not in text, clear
    first = lines[0]
    assert first["nik"] == first["phone"] == first["as_int"] == "[REDACTED]"
    assert first["nested"] == {"ids": ["[REDACTED]"]}
    assert (first["case_id"], first["partition"], first["offset"]) == ("c-1", 3, 120)


def test_uuids_dates_and_agenda_numbers_are_not_redacted(capsys):
    setup_logging("test", "INFO")
    log = logging.getLogger("audiensi.test")
    log.info("kept", extra={"case_id": "0b5a4c1e-4a4e-4e0e-8f43-2c9d2f7c1a11",
                            "agenda": "AUD/2026/000123", "at": "2026-12-02T21:30:00+07:00"})
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["case_id"] == "0b5a4c1e-4a4e-4e0e-8f43-2c9d2f7c1a11"
    assert line["agenda"] == "AUD/2026/000123" and line["at"] == "2026-12-02T21:30:00+07:00"


def test_library_arguments_of_any_shape_never_break_the_caller(capsys):
    """aiokafka logs TopicPartition namedtuples: redaction must keep them (it once crashed
    the producer's sender routine by rebuilding one from a generator)."""
    from aiokafka import TopicPartition

    setup_logging("test", "INFO")
    log = logging.getLogger("audiensi.test")
    log.warning("produce to %s failed: %s", TopicPartition("t", 3), ("a", 3171234507900001))
    log.warning("mapping %(tp)s", {"tp": TopicPartition("t", 1)})

    class Weird:
        def __iter__(self):
            raise RuntimeError("no")

    log.warning("weird %s", Weird())
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert "TopicPartition(topic='t', partition=3)" in lines[0]["message"]
    assert "3171234507900001" not in lines[0]["message"]
    assert "partition=1" in lines[1]["message"]
    assert len(lines) == 3
