"""Base classes for the wire vocabulary."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A frozen value object that rejects unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(Model):
    """A published fact. Subclasses set `type: Literal["Name"] = "Name"`."""

    TOPIC: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    type: str

    def subject_id(self) -> str:
        """The envelope subject (and Kafka key): the case, complaint or visit id."""
        for name in ("case_id", "complaint_id", "visit_id"):
            value = getattr(self, name, None)
            if value:
                return str(value)
        raise ValueError(f"{self.type} has no subject field")
