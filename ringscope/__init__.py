"""ringscope: ringscope."""
