"""The person's path: participants, trajectories, phases, sessions, screening and outcomes."""
