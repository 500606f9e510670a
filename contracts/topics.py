"""Topic names and partition counts: the one place they are declared."""

from __future__ import annotations

INTAKE = "audiensi.intake.v1"
DISPOSITION = "audiensi.disposition.v1"
COMPLAINTS = "audiensi.complaints.v1"
SLA = "audiensi.sla.v1"
ESCALATIONS = "audiensi.escalations.v1"
DEADLETTER = "audiensi.deadletter.v1"

DEFAULT_PARTITIONS = 6

#: public topics (co-partitioned by case id) -> partition count
TOPICS: dict[str, int] = {
    INTAKE: DEFAULT_PARTITIONS,
    DISPOSITION: DEFAULT_PARTITIONS,
    COMPLAINTS: DEFAULT_PARTITIONS,
    SLA: DEFAULT_PARTITIONS,
    ESCALATIONS: DEFAULT_PARTITIONS,
    DEADLETTER: DEFAULT_PARTITIONS,
}

#: which service writes each public topic (one writer per topic)
WRITERS: dict[str, str] = {
    INTAKE: "intake",
    COMPLAINTS: "intake",
    DISPOSITION: "disposition",
    SLA: "sla",
    ESCALATIONS: "sla",
    DEADLETTER: "any",
}


def command_topic(service: str) -> str:
    """Internal command topic of a service (same partition count: co-partitioned)."""
    return f"audiensi.{service}.commands.v1"
