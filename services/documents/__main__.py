"""`python -m services.documents`: the documents service (FastAPI and its Kafka consumer)."""

from chassis.web import run

from .app import build

if __name__ == "__main__":
    run("documents", build)
