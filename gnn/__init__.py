"""ringscope: gnn."""
