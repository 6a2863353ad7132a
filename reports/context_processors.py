"""Whether the workspace navigation shows the link to the reports (trajectories may not import reports)."""

from reports.policies import may_open_reports


def reports(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"reports_nav": may_open_reports(user)}
