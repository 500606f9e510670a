"""Topic names and partition counts: the one place they are declared."""

from __future__ import annotations

INTAKE = "audiensi.intake.v1"
DISPOSITION = "audiensi.disposition.v1"
COMPLAINTS = "audiensi.complaints.v1"
SLA = "audiensi.sla.v1"
ESCALATIONS = "audiensi.escalations.v1"
DEADLETTER = "audiensi.deadletter.v1"
DOCUMENTS = "audiensi.documents.v1"

DEFAULT_PARTITIONS = 6

#: public topics (co-partitioned by case id) -> partition count
TOPICS: dict[str, int] = {
    INTAKE: DEFAULT_PARTITIONS,
    DISPOSITION: DEFAULT_PARTITIONS,
    COMPLAINTS: DEFAULT_PARTITIONS,
    SLA: DEFAULT_PARTITIONS,
    ESCALATIONS: DEFAULT_PARTITIONS,
    DEADLETTER: DEFAULT_PARTITIONS,
    DOCUMENTS: DEFAULT_PARTITIONS,
}

#: which service writes each public topic (one writer per topic)
WRITERS: dict[str, str] = {
    INTAKE: "intake",
    COMPLAINTS: "intake",
    DISPOSITION: "disposition",
    SLA: "sla",
    ESCALATIONS: "sla",
    DOCUMENTS: "documents",
    DEADLETTER: "any",
}


#: the other services' topics each service consumes (its own it may read anyway): the
#: broker's ACLs give each service's principal READ on exactly these (stack/kafka_access.py)
CONSUMES: dict[str, tuple[str, ...]] = {
    "intake": (DISPOSITION,),  # where a case went: the scope of its reads (intake/access.py)
    "disposition": (INTAKE,),
    "sla": (INTAKE, DISPOSITION, COMPLAINTS),
    "reporting": (INTAKE, COMPLAINTS, DISPOSITION, SLA, ESCALATIONS, DOCUMENTS),
    # which cases exist, where they went and who works on them: who may attach and read
    "documents": (INTAKE, DISPOSITION),
}


def command_topic(service: str) -> str:
    """Internal command topic of a service (same partition count: co-partitioned)."""
    return f"audiensi.{service}.commands.v1"


#: how long each kind of topic keeps its records (Kafka `retention.ms`; -1 = forever).
#: The event topics are the record of what happened (and the source every state and read
#: model is rebuilt from): kept forever. Command topics only carry requests to the owning
#: agent: a week is ample for a redelivery. Dead letters: kept 90 days for an operator to
#: look at. Table changelogs are compacted (the last value per key is kept).
RETENTION_MS: dict[str, int] = {
    "event": -1,
    "command": 7 * 24 * 3600 * 1000,
    "deadletter": 90 * 24 * 3600 * 1000,
}


def topic_kind(name: str) -> str:
    """"event", "command", "deadletter" or "changelog" (faust's tables)."""
    if name.endswith("-changelog"):
        return "changelog"
    if name == DEADLETTER:
        return "deadletter"
    if name in TOPICS:
        return "event"
    return "command"


def topic_config(name: str) -> dict[str, str]:
    """The broker settings a topic of ours is created (and kept) with."""
    kind = topic_kind(name)
    if kind == "changelog":
        return {"cleanup.policy": "compact"}
    return {"cleanup.policy": "delete", "retention.ms": str(RETENTION_MS[kind])}
