"""Language models and embeddings: engines (plain classes) and their actors."""
