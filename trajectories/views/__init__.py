"""The workspace pages for coaches, referrers, coordinators and partner specialists (server-rendered, htmx
for partial updates)."""
