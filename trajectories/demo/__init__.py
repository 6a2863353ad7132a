"""Deterministic demo data: staff of every role, and refugees whose trajectories run through the
phases of OVV (a few also through the parallel programme LBA), written through the services only.

`plan` decides everything from the seed without touching the database, `people` makes the persons,
`generator` writes the plan through the services, `accounts` holds the demo logins, and `summary`
counts what is there.
"""

from trajectories.demo.accounts import (
    ADMIN_URL,
    DEMO_PASSWORD,
    DEMO_SECOND_FACTOR,
    DEMO_USERS,
    demo_data_present,
    demo_logins,
)
from trajectories.demo.generator import demo_data_create
from trajectories.demo.summary import demo_summary

__all__ = [
    "ADMIN_URL",
    "DEMO_PASSWORD",
    "DEMO_SECOND_FACTOR",
    "DEMO_USERS",
    "demo_data_create",
    "demo_data_present",
    "demo_logins",
    "demo_summary",
]
