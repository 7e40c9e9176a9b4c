"""ringscope: api."""
