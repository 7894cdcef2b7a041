"""Authentication and authorization: users, sessions, API keys, the audit log (identity.py, an
engine without Ray), its PostgreSQL storage (pg_store.py) and the actor around it (auth_actor.py)."""
