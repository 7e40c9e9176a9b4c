"""Domain types, settings and errors. No I/O."""
