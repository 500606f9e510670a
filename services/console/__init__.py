"""The web console: server-rendered pages (FastAPI + Jinja2 + htmx) for the people of the
standard. A backend-for-frontend: it calls the services' HTTP APIs with the signed-in user's
token and never touches Kafka or Redis."""
