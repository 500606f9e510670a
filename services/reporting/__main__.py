from chassis.web import run

from .app import build

run("reporting", build)
