"""ringscope: ingest."""
