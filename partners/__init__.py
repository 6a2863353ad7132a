"""Who the partners are and what they offer: organisations, their staff and roles, FTE, specialisations."""
