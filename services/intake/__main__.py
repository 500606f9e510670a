"""`python -m services.intake`: the front office service (HTTP + faust worker, one process)."""

from chassis.web import run

from .app import build

if __name__ == "__main__":
    run("intake", build)
