"""The workspace pages for coaches, referrers and coordinators (server-rendered, htmx for partial updates)."""
