"""The plan of the demo: who is reached when, by whom, how far each gets in the funnel, which
group sessions they come to, what the screening says and how the trajectory ends.

Pure Python, no database: every choice comes from one random.Random, in a fixed order (never
set or id order), so a seed gives the same plan on any database and in any process.
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from typing import Any

from trajectories.demo.people import PersonMaker, day_between, enterprise_number_make, pick
from trajectories.models import Participant, Screening, Session, Trajectory

# Both programmes run over the same two years; every phase, session and end date lies within them.
OVV_START, OVV_END = datetime.date(2016, 11, 1), datetime.date(2018, 10, 31)

# Shares of reach as DOMAIN.md states them; Brussels and Wallonia get a few people on top.
REGION_WEIGHTS = {"antwerpen": 45.19, "oost-vlaanderen": 18.46, "west-vlaanderen": 18.76,
                  "vlaams-brabant": 9.76, "limburg": 7.83, "brussel": 4.0, "wallonie": 3.0}
POSTCODES = {
    "antwerpen": (2000, 2018, 2060, 2100, 2140, 2170, 2200, 2300, 2500, 2800, 2900),
    "oost-vlaanderen": (9000, 9040, 9050, 9100, 9200, 9300, 9400, 9500, 9700, 9900),
    "west-vlaanderen": (8000, 8200, 8400, 8500, 8700, 8800, 8900, 8930),
    "vlaams-brabant": (1500, 1700, 1800, 1930, 3000, 3010, 3200, 3300),
    "limburg": (3500, 3580, 3600, 3700, 3800, 3920),
    "brussel": (1000, 1030, 1060, 1070, 1080, 1210),
    "wallonie": (1300, 1348, 4000, 5000, 6000, 7000),
}
COACHES_BY_REGION = {
    "antwerpen": ("starterslabos", "stebo"), "oost-vlaanderen": ("starterslabos", "unizo"),
    "west-vlaanderen": ("unizo", "starterslabos"), "vlaams-brabant": ("unizo", "stebo"),
    "limburg": ("stebo", "starterslabos"), "brussel": ("unizo",), "wallonie": ("stebo",),
}
COACH_ORGANISATIONS = ("stebo", "unizo", "starterslabos")
SESSION_CITIES = {"stebo": ("Genk", "Antwerpen", "Leuven", "Hasselt"),
                  "unizo": ("Brugge", "Gent", "Leuven", "Brussel", "Kortrijk"),
                  "starterslabos": ("Antwerpen", "Gent", "Mechelen", "Hasselt")}
# Reached phase 1, 2, 3, 4 in the proportions of the stated targets 2350 / 1150 / 600 / 400.
PHASE_TARGETS = (2350, 1150, 600, 400)

THEMES = ("Een ondernemingsplan opstellen", "Financiering en microkrediet", "Boekhouding en btw",
          "Vergunningen en de beroepskaart", "Je eerste klanten vinden", "Het sociaal statuut van de "
          "zelfstandige", "Ondernemen in bijberoep")
CONTACT_NOTES = ("Kennismaking en intake.", "Ondernemersidee verder uitgewerkt.", "Randvoorwaarden "
                 "overlopen.", "Financieel plan besproken.", "Opvolging specialisatie.", "Vragen over "
                 "de beroepskaart beantwoord.", "Marktonderzoek besproken.", "Documenten voor de "
                 "KBO-inschrijving nagekeken.")
SPECIALISATION_PARTNERS = ("zenitor", "microstart", "starterslabos", "unizo", "smart", "exchange")


def _allocate(rng: random.Random, n: int, weights: dict[str, float], minimum: int = 1) -> list[str]:
    """n labels in proportion to `weights` (largest remainder, each at least `minimum` while n
    allows), shuffled: small runs still show every kind, large runs follow the shares."""
    labels = list(weights)
    counts = dict.fromkeys(labels, minimum if n >= minimum * len(labels) else 0)
    rest = n - sum(counts.values())
    total = sum(weights.values())
    exact = {label: rest * weights[label] / total for label in labels}
    for label in labels:
        counts[label] += int(exact[label])
    by_remainder = sorted(labels, key=lambda label: (-(exact[label] % 1), labels.index(label)))
    for label in by_remainder[: n - sum(counts.values())]:
        counts[label] += 1
    result = [label for label in labels for _ in range(counts[label])]
    rng.shuffle(result)
    return result


def _plus(day: datetime.date, days: int) -> datetime.date:
    return min(day + datetime.timedelta(days=days), OVV_END)


def _slot(first: datetime.date, every: int, earliest: datetime.date) -> tuple[int, datetime.date]:
    """The number and date of the first of a series of sessions (every `every` days from `first`)
    on or after `earliest`."""
    slot = max(0, math.ceil((earliest - first).days / every))
    return slot, first + datetime.timedelta(days=every * slot)


@dataclass
class Plan:
    """Everything one participant will go through, decided before anything is written."""

    fields: dict[str, Any]  # what participant_register takes
    referrer: str  # organisation code
    registered_by: str  # username
    coach: str  # username
    depth: int  # the highest phase the person will reach
    sensitised_on: datetime.date
    informed_on: datetime.date | None = None
    detected_on: datetime.date | None = None
    screened_on: datetime.date | None = None
    guided_on: datetime.date | None = None
    screening: dict[str, Any] = field(default_factory=dict)
    contacts: list[tuple] = field(default_factory=list)
    sharing: list[str] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    ended_on: datetime.date | None = None
    lba: dict[str, Any] = field(default_factory=dict)


class Planner:
    """Plans `n` people: regions and phases reached follow the stated shares (largest remainder, so
    even a small run has someone in every region and phase); the rest is drawn at random."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.people = PersonMaker(self.rng)
        # Group sessions: (date, programme, kind, coach, title, place) -> (who came, who did not),
        # each a list of indices into the plans.
        self.sessions: dict[tuple, tuple[list[int], list[int]]] = {}

    def plan(self, n: int) -> list[Plan]:
        rng = self.rng
        regions = _allocate(rng, n, REGION_WEIGHTS)
        # A few Antwerpen people live in 2070, which moves to Oost-Vlaanderen in 2025.
        antwerp = [i for i, region in enumerate(regions) if region == "antwerpen"]
        in_2070 = set(antwerp[: max(1, round(len(antwerp) * 0.06))]) if len(antwerp) > 1 else set()
        reached = [PHASE_TARGETS[k] - (PHASE_TARGETS[k + 1] if k < 3 else 0) for k in range(4)]
        depths = _allocate(rng, n, {str(k + 1): reached[k] for k in range(4)})
        plans = [self._plan_one(i, regions[i], int(depths[i]), i in in_2070) for i in range(n)]
        for index in self._lba_indices(plans):
            self._plan_lba(index, plans[index])
        return plans

    def _plan_one(self, index: int, region: str, depth: int, in_2070: bool) -> Plan:
        rng = self.rng
        latest = {1: (2018, 10, 15), 2: (2018, 8, 31), 3: (2018, 5, 31), 4: (2018, 2, 28)}[depth]
        d1 = day_between(rng, OVV_START, datetime.date(*latest))
        coach_org = rng.choice(COACHES_BY_REGION[region])
        referrer, registered_by = pick(rng, {
            ("idrops", "referrer.idrops"): 34, ("vluchtelingenwerk", "referrer.vluchtelingenwerk"): 34,
            ("vdab", "referrer.vdab"): 12, (coach_org, f"coach.{coach_org}"): 12,
            ("microstart", "partner.microstart"): 4, ("exchange", "partner.exchange"): 4,
        })
        person = self.people.fields(
            reached_on=d1, depth=depth, french=region in ("brussel", "wallonie"),
            postcode=2070 if in_2070 else rng.choice(POSTCODES[region]),
        )
        plan = Plan(fields=person, referrer=referrer, registered_by=registered_by,
                    coach=f"coach.{coach_org}", depth=depth, sensitised_on=d1)
        if depth == 1:
            if rng.random() < 0.15:
                plan.ended_on = _plus(d1, rng.randint(30, 200))
                plan.outcome = {"outcome": Trajectory.Outcome.DROPPED_OUT, "recorded_on": plan.ended_on}
            if rng.random() < 0.4:
                self._invite(index, plan, absent=True, until=plan.ended_on or OVV_END)
            return plan
        self._invite(index, plan, absent=False, until=OVV_END)
        if depth >= 3:
            plan.detected_on = _plus(plan.informed_on, rng.randint(14, 75))
            plan.screened_on = _plus(plan.detected_on, rng.randint(0, 21))
        if depth == 4:
            plan.guided_on = _plus(plan.screened_on, rng.randint(7, 40))
            plan.sharing = rng.sample(SPECIALISATION_PARTNERS, rng.randint(1, 2))
        self._plan_screening(plan)
        self._plan_outcome(plan)
        end = plan.ended_on or OVV_END
        count = rng.choice({2: (0, 1, 1, 2), 3: (1, 2, 3), 4: (3, 4, 5, 6, 8)}[depth])
        plan.contacts = self._contacts(count, plan.informed_on, end)
        themes = rng.choice((0, 1, 1, 2, 3)) if depth == 2 else rng.randint(1, 3)
        for _ in range(themes):
            self._theme(index, plan, day_between(rng, _plus(plan.informed_on, 1), end), end)
        return plan

    def _contacts(self, count: int, first: datetime.date, last: datetime.date) -> list[tuple]:
        """Individual contacts: (date, minutes, note), in date order."""
        rng = self.rng
        return sorted((day_between(rng, first, last), rng.choice((30, 45, 60, 60, 90, 120)),
                       rng.choice(CONTACT_NOTES)) for _ in range(count))

    def _invite(self, index: int, plan: Plan, *, absent: bool, until: datetime.date) -> None:
        """The first info session of the coach after the person was reached; coming moves them to phase 2."""
        org = plan.coach.split(".", 1)[1]
        offset = COACH_ORGANISATIONS.index(org)
        first = datetime.date(2016, 11, 15) + datetime.timedelta(days=offset)
        earliest = plan.sensitised_on + datetime.timedelta(days=self.rng.randint(3, 45))
        slot, held_on = _slot(first, 21, earliest)
        if held_on > until and not absent:
            slot, held_on = slot - 1, held_on - datetime.timedelta(days=21)
        if held_on > until:
            return
        city = SESSION_CITIES[org][slot % len(SESSION_CITIES[org])]
        key = (held_on, "OVV", Session.Kind.INFO, plan.coach, "Infosessie: ondernemen in Vlaanderen", city)
        self.sessions.setdefault(key, ([], []))[1 if absent else 0].append(index)
        if not absent:
            plan.informed_on = held_on

    def _theme(self, index: int, plan: Plan, earliest: datetime.date, until: datetime.date) -> None:
        org = plan.coach.split(".", 1)[1]
        offset = COACH_ORGANISATIONS.index(org)
        first = datetime.date(2016, 12, 6) + datetime.timedelta(days=offset)
        slot, held_on = _slot(first, 28, earliest)
        if held_on > until or held_on <= plan.informed_on:
            return
        title = f"Themasessie: {THEMES[slot % len(THEMES)]}"
        city = SESSION_CITIES[org][slot % len(SESSION_CITIES[org])]
        key = (held_on, "OVV", Session.Kind.THEME, plan.coach, title, city)
        attended, absent = self.sessions.setdefault(key, ([], []))
        if index not in attended and index not in absent:
            (absent if self.rng.random() < 0.1 else attended).append(index)

    def _plan_screening(self, plan: Plan) -> None:
        if plan.depth < 3:
            return
        rng = self.rng
        status = plan.fields["residence_status"]
        decision = (Screening.Decision.GUIDANCE if plan.depth == 4 else pick(rng, {
            Screening.Decision.WAGE_EMPLOYMENT: 45, Screening.Decision.STOP: 30,
            Screening.Decision.GUIDANCE: 25}))
        met = decision == Screening.Decision.GUIDANCE
        checks = {"residence_permit_ok": met or status != Participant.ResidenceStatus.APPLICANT,
                  "language_sufficient": met or rng.random() < 0.5,
                  "financially_feasible": met or rng.random() < 0.4}
        if not met and all(checks.values()):
            checks["financially_feasible"] = False
        plan.screening = {
            **checks, "basic_management_knowledge": rng.random() < (0.7 if met else 0.3),
            "professional_card_needed": status != Participant.ResidenceStatus.RECOGNISED,
            "potential": rng.choice(("medium", "high") if met else ("low", "medium")),
            "decision": decision,
        }

    def _plan_outcome(self, plan: Plan) -> None:
        rng, outcome = self.rng, Trajectory.Outcome
        if plan.depth == 2 and rng.random() < 0.2:
            plan.ended_on = _plus(plan.informed_on, rng.randint(14, 180))
            result = pick(rng, {outcome.DROPPED_OUT: 50, outcome.EMPLOYED: 30, outcome.EDUCATION: 20})
            plan.outcome = {"outcome": result, "recorded_on": plan.ended_on}
        elif plan.depth == 3 and plan.screening["decision"] != Screening.Decision.GUIDANCE:
            plan.ended_on = _plus(plan.screened_on, rng.randint(0, 30))
            result = (pick(rng, {outcome.EMPLOYED: 40, outcome.JOB_SEEKING: 60})
                      if plan.screening["decision"] == Screening.Decision.WAGE_EMPLOYMENT
                      else pick(rng, {outcome.DROPPED_OUT: 60, outcome.OTHER: 40}))
            plan.outcome = {"outcome": result, "recorded_on": plan.ended_on}
        elif plan.depth == 4:
            result = pick(rng, {outcome.SELF_EMPLOYED: 25, outcome.EMPLOYED: 20, outcome.DROPPED_OUT: 10,
                                outcome.JOB_SEEKING: 5, outcome.PROTECTED: 5, "": 35})
            if result == outcome.SELF_EMPLOYED:
                # The start may follow the programme's end: the outflow window runs on after it.
                since = plan.guided_on + datetime.timedelta(days=rng.randint(30, 200))
                plan.ended_on = min(since, OVV_END)
                plan.outcome = {
                    "outcome": result, "recorded_on": since + datetime.timedelta(days=rng.randint(0, 30)),
                    "enterprise_number": enterprise_number_make(rng), "self_employed_since": since,
                    "occupation": pick(rng, {"main": 75, "secondary": 25}),
                }
            elif result:
                plan.ended_on = _plus(plan.guided_on, rng.randint(30, 200))
                plan.outcome = {"outcome": result, "recorded_on": plan.ended_on}

    def _lba_indices(self, plans: list[Plan]) -> list[int]:
        coached = [i for i, plan in enumerate(plans)
                   if plan.depth >= 2 and plan.informed_on <= datetime.date(2018, 6, 1)]
        return sorted(self.rng.sample(coached, min(len(coached), max(1, round(len(plans) * 0.03)))))

    def _plan_lba(self, index: int, plan: Plan) -> None:
        """The same person also in the career workshops: counted in both, each hour funded once."""
        rng = self.rng
        opened = day_between(rng, plan.sensitised_on, datetime.date(2018, 6, 30))
        lba = {"opened": opened, "contacts": self._contacts(rng.randint(1, 2), opened, OVV_END)}
        if rng.random() < 0.7:
            _, held_on = _slot(datetime.date(2016, 11, 22), 28, opened + datetime.timedelta(days=7))
            key = (held_on, "LBA", Session.Kind.INFO, "coach.stebo", "Infosessie loopbaanateliers", "Genk")
            self.sessions.setdefault(key, ([], []))[0].append(index)
        plan.lba = lba

