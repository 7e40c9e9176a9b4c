"""ringscope: investigator_ui."""
