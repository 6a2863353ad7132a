"""Reminders for coaches, partners and coordinators: rules found by periodic scans, shown in-app
and e-mailed."""
