"""HTTP layer: thin FastAPI routers over the pipeline. Nothing imports it."""
