"""`python -m services.disposition`: FastAPI and the faust worker in one process."""

from chassis.web import run

from .app import build

if __name__ == "__main__":
    run("disposition", build)
