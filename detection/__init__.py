"""ringscope: detection."""
