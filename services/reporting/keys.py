"""Redis key names of the read models. Designed for Redis Cluster: everything one atomic
write touches carries the hash tag of its Kafka partition (`{p3}`); totals are summed over
the partitions when read.

    rm:current                      the version readers use
    rm:version:seq                  last allocated version number
    rm:{p3}:targets                 versions the live projector writes for partition 3
    rm:{p3}:synced                  a counter written before WAIT (Redis Cluster: store.py)
    rm:v7:{p3}:doc:<subject>        subject document (entries + view)
    rm:v7:{p3}:cases[:status:<s>|:division:<d>|:channel:<c>]   indexes (score = request time)
    rm:v7:{p3}:lead:<step>          lead time in seconds per case
    rm:v7:{p3}:workload|volume|sla|complaints    counters
    rm:v7:{p3}:q:<queue>:<scope>    work queues (queues.py; score = due time)
    rm:v7:{p3}:s:ref:<r>|s:name:<prefix>         search index (search.py)
    rm:v7:{p3}:guestbook:<day>|visit:<id>:cases|complaints:all|state:<s>|channel:<c>  lists
    rm:rebuild, rm:rebuild:lock     rebuild progress and its lock
    rm:{feed}:escalations           escalation feed (a stream; ids are SSE event ids)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "rm"

    @property
    def current(self) -> str:
        return f"{self.prefix}:current"

    @property
    def version_seq(self) -> str:
        return f"{self.prefix}:version:seq"

    @property
    def rebuild(self) -> str:
        return f"{self.prefix}:rebuild"

    @property
    def rebuild_lock(self) -> str:
        return f"{self.prefix}:rebuild:lock"

    @property
    def feed(self) -> str:
        return f"{self.prefix}:{{feed}}:escalations"

    @property
    def feed_seen(self) -> str:
        return f"{self.prefix}:{{feed}}:seen"

    def targets(self, partition: int) -> str:
        return f"{self.prefix}:{{p{partition}}}:targets"

    def synced(self, partition: int) -> str:
        return f"{self.prefix}:{{p{partition}}}:synced"

    def version_prefix(self, version: int) -> str:
        return f"{self.prefix}:v{version}:"

    def part(self, version: int, partition: int, name: str) -> str:
        return f"{self.prefix}:v{version}:{{p{partition}}}:{name}"

    def doc(self, version: int, partition: int, subject: str) -> str:
        return self.part(version, partition, f"doc:{subject}")
