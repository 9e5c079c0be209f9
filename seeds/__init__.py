"""The curated seed sources, shipped as package data (``importlib.resources.files("rekg.seeds")``)."""
