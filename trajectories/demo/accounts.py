"""The demo accounts: one user of every staff role plus a superuser, all with one known password."""

from dataclasses import dataclass

from casemgmt.audit import save_as
from casemgmt.models import User
from partners.models import Organisation, StaffMember

# One password for every demo account; long and uncommon enough for the password validators.
DEMO_PASSWORD = "Kijkstage-Zwijndrecht-2070"
# How demo users pass the second factor. Two-factor sign-in is not enforced yet; when it is,
# demo_data must give every demo user a device and this text must say how to use it.
DEMO_SECOND_FACTOR = "not enforced yet: sign in with username and password only"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation: str
    role: str


_Role = StaffMember.Role
DEMO_USERS = (
    DemoUser("coach.stebo", "Sofie", "Claes", "stebo", _Role.COACH),
    DemoUser("coach.unizo", "Pieter", "Janssens", "unizo", _Role.COACH),
    DemoUser("coach.starterslabos", "Nadia", "El Amrani", "starterslabos", _Role.COACH),
    DemoUser("partner.microstart", "Lotte", "Peeters", "microstart", _Role.PARTNER_SPECIALIST),
    DemoUser("partner.zenitor", "Koen", "Maes", "zenitor", _Role.PARTNER_SPECIALIST),
    DemoUser("partner.smart", "Elise", "Wouters", "smart", _Role.PARTNER_SPECIALIST),
    DemoUser("partner.exchange", "Bram", "Jacobs", "exchange", _Role.PARTNER_SPECIALIST),
    DemoUser("referrer.idrops", "Yasmina", "Bakkali", "idrops", _Role.REFERRER),
    DemoUser("referrer.vluchtelingenwerk", "Jan", "De Smet", "vluchtelingenwerk", _Role.REFERRER),
    DemoUser("referrer.vdab", "An", "Willems", "vdab", _Role.REFERRER),
    DemoUser("coordinator.stebo", "Katrien", "Vermeulen", "stebo", _Role.COORDINATOR),
    # The auditor checks the promoter's files; Stebo as promoter answers for them.
    DemoUser("auditor", "Marc", "Goossens", "stebo", _Role.AUDITOR),
)


def demo_data_present() -> bool:
    """Demo data is there once any demo staff account exists (the superuser may be a real one)."""
    return User.objects.filter(username__in=[demo.username for demo in DEMO_USERS]).exists()


def demo_users_create(*, organisations: dict[str, Organisation]) -> dict[str, User]:
    """Create the demo accounts with their place in an organisation; an existing admin is kept."""
    users = {}
    for demo in DEMO_USERS:
        user = User.objects.create_user(
            demo.username, f"{demo.username}@example.org", DEMO_PASSWORD,
            first_name=demo.first_name, last_name=demo.last_name, is_staff=True,
        )
        save_as(StaffMember(user=user, organisation=organisations[demo.organisation], role=demo.role),
                None)
        users[demo.username] = user
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create_superuser(ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.org", DEMO_PASSWORD)
    return users


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, superuser first, then in the order of DEMO_USERS."""
    staff = {
        member.user.username: member
        for member in StaffMember.objects.select_related("user", "organisation")
        .filter(user__username__in=[demo.username for demo in DEMO_USERS])
    }
    logins = []
    if User.objects.filter(username=ADMIN_USERNAME, is_superuser=True).exists():
        logins.append(DemoLogin(ADMIN_USERNAME, "superuser", "-"))
    for demo in DEMO_USERS:
        if demo.username in staff:
            member = staff[demo.username]
            logins.append(DemoLogin(demo.username, str(member.get_role_display()), member.organisation.name))
    return logins
