"""SPARQL for clients: the query guard, the worker pool, the executor and the service description."""
