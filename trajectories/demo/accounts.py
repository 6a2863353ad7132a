"""The demo accounts: one user of every staff role plus a superuser, all with one known password,
and for those whose role needs two-factor sign-in, an authenticator with one known key."""

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from casemgmt.audit import save_as
from casemgmt.models import User
from casemgmt.twofactor import TWO_FACTOR_ROLES, two_factor_required
from partners.models import Organisation, StaffMember

# One password for every demo account; long and uncommon enough for the password validators.
DEMO_PASSWORD = "Kijkstage-Zwijndrecht-2070"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
ADMIN_USERNAME = "admin"
# One TOTP key for every demo user who needs a second factor (hex of b"casemgmt-demo-totp-1"), so
# one entry in an authenticator app serves them all. Known to everyone: demo data only.
DEMO_TOTP_KEY = "636173656d676d742d64656d6f2d746f74702d31"
DEMO_TOTP_KEY_BASE32 = b32encode(unhexlify(DEMO_TOTP_KEY)).decode("ascii")
DEMO_TOTP_DEVICE_NAME = "demo authenticator (the published demo key)"


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

DEMO_USERS_WITH_SECOND_FACTOR = (
    ADMIN_USERNAME, *(demo.username for demo in DEMO_USERS if demo.role in TWO_FACTOR_ROLES)
)
# How demo users pass the second factor; demo_logins prints it under the accounts.
DEMO_SECOND_FACTOR = (
    f"required for {', '.join(DEMO_USERS_WITH_SECOND_FACTOR[:-1])} and {DEMO_USERS_WITH_SECOND_FACTOR[-1]}: "
    "after the password the site asks for "
    "a 6-digit code.\n"
    "  Get the current code with `python manage.py demo_otp_code coordinator.stebo` (any of those "
    "usernames; DEBUG only),\n"
    f"  or add the demo key {DEMO_TOTP_KEY_BASE32} to an authenticator app once (time-based, "
    "6 digits, every 30 s; the same key for all of them).\n"
    "  A code works once: to sign in again within 30 seconds, wait for the next code."
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
        _demo_authenticator_give(user)
        users[demo.username] = user
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        admin = User.objects.create_superuser(
            ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.org", DEMO_PASSWORD
        )
        _demo_authenticator_give(admin)
    return users


def _demo_authenticator_give(user: User) -> None:
    # Only to accounts made here: a kept (real) admin keeps the authenticator it enrolled itself.
    if two_factor_required(user):
        save_as(TOTPDevice(user=user, name=DEMO_TOTP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True),
                None)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    second_factor: bool


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, superuser first, then in the order of DEMO_USERS."""
    staff = {
        member.user.username: member
        for member in StaffMember.objects.select_related("user", "organisation")
        .filter(user__username__in=[demo.username for demo in DEMO_USERS])
    }
    logins = []
    if User.objects.filter(username=ADMIN_USERNAME, is_superuser=True).exists():
        logins.append(DemoLogin(ADMIN_USERNAME, "superuser", "-", second_factor=True))
    for demo in DEMO_USERS:
        if demo.username in staff:
            member = staff[demo.username]
            logins.append(DemoLogin(demo.username, str(member.get_role_display()), member.organisation.name,
                                    second_factor=member.role in TWO_FACTOR_ROLES))
    return logins
