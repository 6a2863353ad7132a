"""Every benchmark in one run (`make bench`), each figure against its baseline; the table goes to
BENCHMARKS.md.

    .venv/bin/python bench/run.py [--participants 100000 --sessions 1000000 --referrals 200000]

The database is BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/casemgmt_bench by default; its name
must contain "bench"), filled by bench/generate.py once and reused after. The app runs with production's
settings (bench/settings.py adds the bare views), its secrets set here to throw-away values.
"""

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production's settings read these; a benchmark has no secrets to keep.
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casemgmt_bench"),
    "SECRET_KEY": "bench-only-not-secret-6b1f0c2e9d8a4f7b",
    "ALLOWED_HOSTS": "127.0.0.1",
    "IDENTIFIER_KEYS": "ZGV2LW9ubHktaWRlbnRpZmllci1rZXktbm90LXNlY3JldCE=",
    "IDENTIFIER_HASH_KEY": "bench-only-identifier-hash-key",
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/14"),
    "SECURE_SSL_REDIRECT": "false",
    # Persistent database connections, as a production deployment sets (casemgmt.settings.base).
    "DB_CONN_MAX_AGE": "60",
    "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
}
os.environ.update(ENVIRONMENT)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench import funnel, imports, lists, load, reminders_scan  # noqa: E402
from bench.database import server_version  # noqa: E402
from bench.generate import Sizes, counts, generate  # noqa: E402
from trajectories.models import Participant, Trajectory  # noqa: E402

LIST_TARGET = 0.5  # app throughput / bare throughput: within 2x
FUNNEL_TARGET = 1.5
SCAN_TARGET = 10.0  # seconds
IMPORT_TARGET = 30.0  # seconds


def static_collect() -> None:
    """Production's pages need the collected, hashed static files (a folder of the benchmark's own)."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--no-input", verbosity=0)


def lists_measure(generated, *, requests: int, seconds: float, rounds: int) -> list[dict]:
    """Each list endpoint and its bare view: in-process latency and statements, then requests/s under
    load, app, bare, bare signed in and the rows read by the app taking turns for `rounds` rounds (the best
    of each counts)."""
    results = []
    for endpoint in lists.endpoints(generated.coach, generated.password):
        results.append({
            "endpoint": endpoint,
            "app": lists.in_process(endpoint.path, endpoint.headers, requests=requests),
            "bare": lists.in_process(endpoint.bare_path, {}, requests=requests),
            # Only its statements are reported: its latency is the bare view's and the sign-in's.
            "signed_in": lists.in_process(endpoint.signed_in_path, endpoint.headers, requests=1),
            "read_by_app": lists.in_process(endpoint.read_by_app_path, endpoint.headers, requests=requests),
        })
    worker_count = load.workers()
    with load.gunicorn(ENVIRONMENT, worker_count=worker_count, log=ROOT / "var" / "bench" / "gunicorn.log") \
            as base:
        for result in results:
            endpoint = result["endpoint"]
            # Every worker warmed up first (templates compiled, translations and URLs loaded).
            load.throughput(base + endpoint.path, endpoint.headers, seconds=2, connections=2 * worker_count)
            load.throughput(base + endpoint.bare_path, {}, seconds=2, connections=2 * worker_count)
            load.throughput(base + endpoint.signed_in_path, endpoint.headers, seconds=2,
                            connections=2 * worker_count)
            load.throughput(base + endpoint.read_by_app_path, endpoint.headers, seconds=2,
                            connections=2 * worker_count)
            runs = {"app": [], "bare": [], "signed_in": [], "read_by_app": []}
            for _ in range(rounds):
                for key, path, headers in (("app", endpoint.path, endpoint.headers),
                                           ("bare", endpoint.bare_path, {}),
                                           ("signed_in", endpoint.signed_in_path, endpoint.headers),
                                           ("read_by_app", endpoint.read_by_app_path, endpoint.headers)):
                    runs[key].append(load.throughput(base + path, headers, seconds=seconds,
                                                     connections=2 * worker_count))
            for key, measured in runs.items():
                result[key]["load"] = max(measured, key=lambda run: run["rps"])
            print(f"{endpoint.name}: app {result['app']}, bare {result['bare']}, "
                  f"bare signed in {result['signed_in']}, read by the app {result['read_by_app']}")
    for result in results:
        result["workers"] = worker_count
    return results


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(facts: dict, rows: list[tuple], notes: list[str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Regenerated by `make bench` (bench/run.py; how: bench/README.md) on {facts['date']}. "
        "Timings are never pass/fail tests.",
        "",
        "| machine and data | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in facts["table"]),
        "",
        "| figure | measured | baseline | ratio | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        *notes,
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=Sizes.participants)
    parser.add_argument("--sessions", type=int, help="10 per participant unless given")
    parser.add_argument("--referrals", type=int, help="2 per participant unless given")
    parser.add_argument("--requests", type=int, default=50, help="in-process requests per list (p50, p95)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each load run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="load runs per list, app, bare and bare signed in taking turns")
    parser.add_argument("--runs", type=int, default=5, help="timed funnel runs after the warm-up")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    began = time.perf_counter()
    sizes = Sizes.scaled(args.participants, args.sessions, args.referrals)

    generated = generate(sizes)
    rows_in = counts()
    print(f"{'reused' if generated.reused else 'generated'} in {generated.seconds:.1f} s: "
          + ", ".join(f"{count:,} {table}" for table, count in rows_in.items()))
    static_collect()
    coach = generated.coach
    caseload_open = Trajectory.objects.filter(coach=coach, ended_on__isnull=True).count()
    coach_people = Participant.objects.filter(trajectories__coach=coach).distinct().count()

    funnel.funnel_verify(generated.programme, verbose=False)
    funnel_times = funnel.funnel_time(generated.programme, runs=args.runs)
    print(f"funnel: report {funnel_times.report:.3f} s, SQL {funnel_times.sql:.3f} s")

    scan = reminders_scan.scan_time()
    scan_inputs = reminders_scan.inputs_time()
    print(f"reminder scan: {scan}, inputs {scan_inputs:.2f} s")

    list_results = lists_measure(generated, requests=args.requests, seconds=args.duration, rounds=args.rounds)

    imported = None
    if imports.import_available():
        imported = imports.import_time(args.import_rows, ROOT / "var" / "bench", ENVIRONMENT)
        print(f"import: {imported}")

    load_tool = list_results[0]["app"]["load"]["tool"]
    facts = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "table": [
            ("machine", f"{os.cpu_count()} CPUs ({platform.machine()}), {platform.system()}; "
                        "PostgreSQL, the app and the load generator on the same machine"),
            ("PostgreSQL", server_version()),
            ("software", f"Python {platform.python_version()}, Django {django.get_version()}, "
                         f"gunicorn with {list_results[0]['workers']} sync workers ("
                         f"{'gunicorn.conf.py' if load.CONFIG.exists() else 'its defaults'}), "
                         f"load by {load_tool}"),
            ("sizes asked", f"{sizes.participants:,} participants, {sizes.sessions:,} sessions, "
                            f"{sizes.referrals:,} referrals"),
            ("rows", ", ".join(f"{count:,} {table}" for table, count in rows_in.items())),
            ("measured coach", f"{coach.username}: {caseload_open:,} open trajectories (caseload page 1 of "
                               f"{-(-caseload_open // 25)}), {coach_people:,} participants (API page 1 of "
                               f"{-(-coach_people // 50)})"),
        ],
    }
    rows = []
    for result in list_results:
        name = result["endpoint"].name
        app, bare = result["app"], result["bare"]
        ratio = app["load"]["rps"] / bare["load"]["rps"]
        errors = app["load"]["errors"] + bare["load"]["errors"]
        rows.append((f"{name}: requests/s under load ({2 * result['workers']} connections)"
                     + (f", **{errors} errors**" if errors else ""),
                     f"{app['load']['rps']:.1f}", f"{bare['load']['rps']:.1f} (bare view)", f"{ratio:.2f}",
                     f"≥ {LIST_TARGET} (within 2x of bare)", _met(ratio >= LIST_TARGET)))
        signed_in = result["signed_in"]
        refused = signed_in["load"]["errors"]
        rows.append((f"{name}: the bare view behind the app's sign-in, requests/s under load (what "
                     "signing in leaves of the bare view, before any row is read or shown)"
                     + (f", **{refused} errors**" if refused else ""),
                     f"{signed_in['load']['rps']:.1f}", f"{bare['load']['rps']:.1f} (bare view)",
                     f"{signed_in['load']['rps'] / bare['load']['rps']:.2f}", "—", "—"))
        read = result["read_by_app"]
        rows.append((f"{name}: its rows read as the app reads them (its selectors and pager, through the "
                     "ORM), behind the sign-in, answered as the bare view's JSON, requests/s under load: the "
                     "most a page or endpoint that reads them so can reach (in-process p50 "
                     f"{read['p50_ms']:.1f} ms, {read['queries']} queries)"
                     + (f", **{read['load']['errors']} errors**" if read["load"]["errors"] else ""),
                     f"{read['load']['rps']:.1f}", f"{bare['load']['rps']:.1f} (bare view)",
                     f"{read['load']['rps'] / bare['load']['rps']:.2f}", "—", "—"))
        # Server time per request in bare requests' worth (the bare view's 1/rps as the unit): what the
        # app adds to the bare view behind the sign-in, against what the target leaves it after the
        # sign-in (1 / LIST_TARGET in all).
        # Negative when the sign-in alone costs more than the target allows in all. None answered: n/a.
        if app["load"]["rps"] and signed_in["load"]["rps"]:
            sign_in_cost = bare["load"]["rps"] / signed_in["load"]["rps"]
            added = f"{bare['load']['rps'] / app['load']['rps'] - sign_in_cost:.2f}"
            left = f"≤ {1 / LIST_TARGET - sign_in_cost:.2f} (what the target leaves after the sign-in)"
        else:
            added, left = "n/a (no request answered)", "—"
        rows.append((f"{name}: what it adds to the bare view behind the sign-in, in bare requests' worth "
                     "of server time (bare requests/s over its own, less the same for the bare view behind "
                     "the sign-in)", added, "1.00 (one bare request)", "—", left, "—"))
        rows.append((f"{name}: p50 / p95 one at a time (in-process)",
                     f"{app['p50_ms']:.1f} / {app['p95_ms']:.1f} ms",
                     f"{bare['p50_ms']:.1f} / {bare['p95_ms']:.1f} ms",
                     f"{app['p50_ms'] / bare['p50_ms']:.2f}", "—", "—"))
        rows.append((f"{name}: p50 / p95 under load", f"{app['load']['p50_ms']:.0f} / "
                     f"{app['load']['p95_ms']:.0f} ms", f"{bare['load']['p50_ms']:.0f} / "
                     f"{bare['load']['p95_ms']:.0f} ms", "—", "—", "—"))
        rows.append((f"{name}: queries per request (the bare view behind the sign-in: "
                     f"{signed_in['queries']})", str(app["queries"]), str(bare["queries"]), "—",
                     "fixed (tests prove it)", "—"))
    funnel_ratio = funnel_times.report / funnel_times.sql
    rows.append(("funnel report (OVV, as of 2018-10-31), best of "
                 f"{args.runs}, {len(funnel_times.queries)} queries", f"{funnel_times.report:.3f} s",
                 f"{funnel_times.sql:.3f} s (one SQL query)", f"{funnel_ratio:.2f}",
                 f"≤ {FUNNEL_TARGET}", _met(funnel_ratio <= FUNNEL_TARGET)))
    for key, label, targeted in (
            ("settled", "periodic, reminders already made, table vacuumed as autovacuum does", True),
            ("again", "the same, at once after the first (no vacuum yet)", False),
            ("first", "first, makes every reminder", True)):
        rows.append((f"reminder scan, all rules, {label} ({scan[key + '_queries']} statements)",
                     f"{scan[key]:.2f} s", f"{scan_inputs:.2f} s (inputs read in one query)",
                     f"{scan[key] / scan_inputs:.1f}", f"< {SCAN_TARGET:.0f} s" if targeted else "—",
                     _met(scan[key] < SCAN_TARGET) if targeted else "—"))
    if imported:
        rows.append((f"import {imported['rows']:,} participants (CSV, `import_participants`, "
                     f"{imported['imported']:,} stored)", f"{imported['seconds']:.1f} s",
                     f"{imported['copy']:.2f} s (COPY into a scratch table)",
                     f"{imported['seconds'] / imported['copy']:.0f}", f"< {IMPORT_TARGET:.0f} s",
                     _met(imported["seconds"] < IMPORT_TARGET)))
    else:
        rows.append((f"import {args.import_rows:,} participants", "not measured: import not available",
                     "—", "—", f"< {IMPORT_TARGET:.0f} s", "—"))
    notes = [
        "How each figure is taken (bench/README.md has more):",
        "",
        "- Lists: the caseload page (HTML, 25 rows, signed in) and `GET /api/v1/participants/` (JSON, 50 "
        "people, token) of the coach above, page 1, against bench/bare.py's views returning the same rows "
        "and columns as JSON from one raw SQL query, unauthenticated, served by the same gunicorn. "
        "Requests/s from wrk in a second process on loopback (the best of "
        f"{args.rounds} runs of {args.duration:.0f} s, app, bare, bare signed in and the rows read by the "
        "app taking turns); p50/p95 "
        "one at a time "
        f"through Django's test client ({args.requests} requests after 3 warm-ups); queries counted with "
        "CaptureQueriesContext (the session's read included; it is saved at most once a minute).",
        "- Funnel: `reports.funnel.funnel_report` against bench/funnel.py's SQL query, both checked equal "
        "first; one warm-up, then the best of the runs.",
        "- Reminder scan: `reminders_run` over every rule as of 2018-10-20 (bench/reminders_scan.py): "
        "first from an empty table (TRUNCATE, as at go-live), then again at once, then again after "
        "`VACUUM ANALYZE` of the reminders table (what autovacuum does on its own after the first scan's "
        "inserts, long before beat's next run 15 minutes on: the state every periodic scan meets); the rules "
        "side by side on 2 connections (REMINDER_SCAN_CONNECTIONS); the baseline reads what the scans read "
        "(each open trajectory's last contact, current phase, open referrals) in one query.",
        "- Import: the command on a fresh copy of an empty benchmark database, timed as a process; the "
        "baseline COPYs the same file into a table of text columns.",
        "",
        f"The whole run took {time.perf_counter() - began:.0f} s.",
    ]
    args.output.write_text(report(facts, rows, notes), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
