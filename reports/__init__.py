"""Reporting: the figures a funder or a minister asks for, computed from the data for any date."""
