"""Browser tests: Playwright drives Debian's Chromium through the workspace served by pytest-django's live_server."""
