"""Ingestion: files in, clean page text, structure-aware chunks, vectors into the index."""
