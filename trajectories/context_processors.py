"""What the workspace navigation needs to know about the signed-in user."""

from trajectories.policies import Role, may_register, role_of


def workspace(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {
        "perms_workspace": {
            "role": role.value,
            "may_register": may_register(user),
            "may_run_sessions": role in (Role.COACH, Role.COORDINATOR),
            "is_coordinator": role == Role.COORDINATOR,
            # A partner specialist works from the inbox of referrals to their organisation.
            "is_partner": role == Role.PARTNER,
        }
    }
