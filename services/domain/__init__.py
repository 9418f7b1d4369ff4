"""Pure domain rules shared by the services: values in, values out.

Nothing here imports FastAPI, SQLAlchemy, httpx or any service package, so
ballot and results can both import it without importing each other.
"""
