"""Settings: `base` holds everything; `dev`, `test` and `production` only differ by environment."""
