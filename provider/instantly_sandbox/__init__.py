"""A local Instantly API v2 server (FastAPI + SQLite) for the demo and the tests."""
