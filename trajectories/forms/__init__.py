"""Forms of the workspace pages."""
