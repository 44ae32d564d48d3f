"""Benchmark: resident demand submissions and the projects API under gunicorn, beside bare views.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/renovation_bench_web [REDIS_URL=redis://…] \
        .venv/bin/python bench/bench_web.py [--scale small] [--duration 20] [--clients 10,50] \
        [--api-clients 10] [--rounds 2] [--households 200] [--port 8765] [--app-dir DIR]

It migrates the database named by DATABASE_URL and seeds `seed_demo --scale <scale> --if-empty`,
then gives up to --households households of an open demand list new codes (the real codes, whose
hashes are stored as staff would issue them). It serves the project as production would:
`gunicorn config.wsgi`-style with 2 sync workers on 127.0.0.1, DEBUG off, SECRET_KEY set, the
project's settings and middleware (bench/web_settings.py only adds bench/web_urls.py, the URL conf
that holds the bare views; the project never loads them). Loopback only; every phase is bounded
(--duration seconds of new requests, then the requests in flight finish).

Phases, in one run and against one server, each pair of a bare view and its real path run
--rounds times in turn, as the machine's other load changes from one minute to the next (each
client is a thread with its own cookies, a new connection per request as gunicorn's sync workers
close it):
- `bare POST` at each --clients: the bare Django view (session read, CSRF check, one INSERT in a
  transaction, redirect), every client with its own session;
- `demand submit` at each --clients: every client signs in with its own household's code (with
  fewer households than clients, e.g. the small demo's 34, some clients share one) at
  /code/, reads the demand form once (its CSRF token and menu), then POSTs the form (multipart, as
  the browser does: two menu items and a line of text) again and again; an accepted POST is the
  302 to the receipt;
- `bare JSON` and `API list` at --api-clients: one SELECT of 50 projects and their JSON, and
  `GET /api/v1/projects/` with a staff token (the superuser's).
It prints, per phase, the accepted requests per second, p50/p95/p99 latency and errors, and the
ratio of each real path to its bare view at the same concurrency. It counts the rows stored during
each POST phase (demand submissions, their audit rows; the bare table's rows) against the accepted
responses and checks that no household has two current submissions: any difference fails the
run (exit 1).

--app-dir serves (and seeds) another checkout of the project with this bench (e.g. main before a
change), for before/after figures.

Measured: see the README's benchmark table (the load generator runs on the same 2 cores as the
server and PostgreSQL, so the ratio, measured in the same run, is the figure to compare).
"""

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from common import django_env, is_postgres

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", help="seed_demo scale when the database is empty")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of new requests per phase")
    parser.add_argument("--clients", default="10,50", help="concurrent clients of the POST phases")
    parser.add_argument("--api-clients", type=int, default=10)
    parser.add_argument("--households", type=int, default=200, help="households given codes (at most)")
    parser.add_argument("--rounds", type=int, default=2, help="times each bare/real pair runs, alternating")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app-dir", default=str(BENCH.parent), help="the project checkout to serve")
    return parser.parse_args()


# ---- HTTP client ---------------------------------------------------------------------------------


class Client:
    """One simulated browser: its cookies, a new loopback connection per request."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.headers = {}

    def request(self, method, path, body=None, content_type=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "zh-hans", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(len(body))
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for key, morsel in SimpleCookie(value).items():
                        self.cookies[key] = morsel.value
            return response.status, response.getheader("Location", ""), data
        finally:
            conn.close()

    def post_form(self, path, fields):
        return self.request("POST", path, urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path, fields):
        """A form POST as a browser sends the demand form: multipart, the three file inputs empty."""
        boundary = "----bench" + uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields
        ]
        if path.startswith("/me/demand/"):
            parts += [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                "Content-Type: application/octet-stream\r\n\r\n\r\n"
                for name in ("photo1", "photo2", "photo3")
            ]
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")


TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM = re.compile(rb'name="items" value="(\d+)"')


# ---- the phases ----------------------------------------------------------------------------------


class Phase:
    """`clients` threads: each runs setup(client) untimed, then, together, step(client) until the
    deadline. A step returns True when the server accepted the request."""

    def __init__(self, name, clients, setup, step):
        self.name, self.clients, self.setup, self.step = name, clients, setup, step

    def run(self, port, duration):
        state = {}

        def start():  # run once, when every client is ready, before any is released
            state["started"] = time.monotonic()
            state["deadline"] = state["started"] + duration

        ready = threading.Barrier(self.clients + 1, action=start)
        lock = threading.Lock()
        latencies, errors, failures = [], [0], []

        def worker(index):
            client = Client(port)
            try:
                context = self.setup(client, index)
            except Exception as exc:  # noqa: BLE001 - reported, the phase fails
                failures.append(f"setup: {exc!r}")
                context = None
            ready.wait()
            if context is None:
                return
            mine, wrong = [], 0
            while time.monotonic() < state["deadline"]:
                started = time.monotonic()
                try:
                    ok = self.step(client, context)
                except Exception as exc:  # noqa: BLE001 - counted as an error
                    ok = False
                    if len(failures) < 5:
                        failures.append(repr(exc))
                if ok:
                    mine.append(time.monotonic() - started)
                else:
                    wrong += 1
            with lock:
                latencies.extend(mine)
                errors[0] += wrong

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(self.clients)]
        for thread in threads:
            thread.start()
        ready.wait()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - state["started"]
        return Result(self.name, self.clients, latencies, errors[0], elapsed, failures)


class Result:
    def __init__(self, name, clients, latencies, errors, elapsed, failures):
        self.name, self.clients, self.errors, self.elapsed, self.failures = name, clients, errors, elapsed, failures
        self.latencies = sorted(latencies)
        self.accepted = len(latencies)
        self.rate = self.accepted / elapsed if elapsed else 0.0

    def pct(self, p):
        if not self.latencies:
            return float("nan")
        rank = max(1, -(-len(self.latencies) * p // 100))  # nearest rank
        return self.latencies[int(rank) - 1] * 1000

    def line(self):
        return (
            f"{self.name:<16}{self.clients:>8}{self.accepted:>10}{self.rate:>10.1f}"
            f"{self.pct(50):>9.0f}{self.pct(95):>9.0f}{self.pct(99):>9.0f}{self.errors:>8}"
        )


def bare_post_phase(clients):
    def setup(client, index):
        status, _, body = client.request("GET", "/bench/bare/form/")
        if status != 200:
            raise RuntimeError(f"bare form GET: {status}")
        return {"token": body.decode()}

    def step(client, context):
        status, location, _ = client.post_multipart(
            "/bench/bare/form/", [("csrfmiddlewaretoken", context["token"]), ("text", "楼道灯坏了")]
        )
        return status == 302 and location == "/bench/bare/form/"

    return Phase("bare POST", clients, setup, step)


def submit_phase(clients, list_id, codes):
    form_path = f"/me/demand/{list_id}/"

    def setup(client, index):
        code = codes[index % len(codes)]
        status, _, body = client.request("GET", "/code/")
        token = TOKEN.search(body)
        status, location, _ = client.post_form(
            "/code/", {"csrfmiddlewaretoken": token.group(1).decode(), "code": code, "next": form_path}
        )
        if status != 302:
            raise RuntimeError(f"sign-in with a household code: {status}")
        status, _, body = client.request("GET", form_path)
        if status != 200:
            raise RuntimeError(f"demand form GET: {status}")
        items = [m.decode() for m in ITEM.findall(body)]
        return {"token": TOKEN.search(body).group(1).decode(), "items": items, "random": random.Random(index)}

    def step(client, context):
        chosen = context["random"].sample(context["items"], 2)
        fields = [("csrfmiddlewaretoken", context["token"])] + [("items", pk) for pk in chosen]
        fields.append(("text", "楼道灯坏了，希望加装扶手"))
        status, location, _ = client.post_multipart(form_path, fields)
        return status == 302 and location.startswith("/me/demand/receipt/")

    return Phase("demand submit", clients, setup, step)


def get_phase(name, clients, path, token=None):
    def setup(client, index):
        if token:
            client.headers["Authorization"] = f"Token {token}"
        return {}

    def step(client, context):
        status, _, body = client.request("GET", path)
        return status == 200 and body.startswith(b"{")

    return Phase(name, clients, setup, step)


# ---- the database and the server -----------------------------------------------------------------


def prepare(app_dir, env, scale, households):
    """Migrate, seed if empty, the bare table; the open demand list, household codes, an API token."""
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=app_dir, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=app_dir, env=env, check=True)
    subprocess.run([python, "manage.py", "seed_demo", "--scale", scale, "--if-empty"], cwd=app_dir, env=env, check=True)
    sys.path[:0] = [str(BENCH), str(app_dir)]
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from residents.services import household_codes_issue_selected
    from surveys.models import DemandList

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_web_bare "
            "(id bigserial PRIMARY KEY, at timestamptz NOT NULL, session_key varchar(40) NOT NULL, text text NOT NULL)"
        )
    demand_list = DemandList.objects.filter(is_open=True).order_by("pk").first()
    if demand_list is None:
        sys.exit("bench_web: no open demand list in this database (seed_demo opens one)")
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    ids = list(
        demand_list.neighbourhood.households.order_by("pk").values_list("pk", flat=True)[:households]
    )
    codes = [issued.code for issued in household_codes_issue_selected(household_ids=ids, actor=admin)]
    token, _ = Token.objects.get_or_create(user=admin)
    return demand_list.pk, codes, token.key


def counts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM surveys_demandsubmission),"
            " (SELECT count(*) FROM governance_auditentry WHERE action = 'demand_submit'),"
            " (SELECT count(*) FROM bench_web_bare),"
            " (SELECT count(*) FROM (SELECT 1 FROM surveys_demandsubmission WHERE is_current"
            "   GROUP BY demand_list_id, household_id HAVING count(*) > 1) AS twice)"
        )
        return dict(zip(("submissions", "audit", "bare", "doubles"), cursor.fetchone()))


def serve(app_dir, env, port, workers):
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--pythonpath", f"{BENCH},{app_dir}", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=app_dir, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port).request("GET", "/code/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("bench_web: gunicorn did not answer within 60 s")


def server_env(app_dir):
    """The environment of the server and of the manage.py commands (see the docstring)."""
    if not is_postgres(os.environ.get("DATABASE_URL", "")):
        sys.exit("bench_web: DATABASE_URL must name a PostgreSQL database")
    static_root = Path(tempfile.gettempdir()) / f"bench-web-static-{os.getuid()}-{abs(hash(str(app_dir)))}"
    return django_env(
        "web_settings",
        ALLOWED_HOSTS=HOST,
        PYTHONPATH=os.pathsep.join([str(BENCH), str(app_dir)]),
        BENCH_STATIC_ROOT=str(static_root),
    )


def announce(args, app_dir, clients, list_id, codes):
    if max(clients) > len(codes):
        print(f"bench_web: {len(codes)} household codes for {max(clients)} clients: some share a household")
    commit = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(
        f"bench_web: serving {app_dir} ({commit.stdout.strip() or '?'}) with gunicorn, {args.workers} sync workers,"
        f" on {HOST}:{args.port}; demand list {list_id}, {len(codes)} household codes; {args.duration:g} s per phase",
        flush=True,
    )


def all_phases(args, clients, list_id, codes, token):
    """Each bare/real pair --rounds times in turn: the POSTs at each --clients, then the GETs."""
    phases = []
    for n in clients:
        phases += [bare_post_phase(n), submit_phase(n, list_id, codes)] * args.rounds
    phases += [
        get_phase("bare JSON", args.api_clients, "/bench/bare/projects/"),
        get_phase("API list", args.api_clients, "/api/v1/projects/", token),
    ] * args.rounds
    return phases


def check_stored(phase, result, before, after):
    """Print the rows a POST phase stored; return the problems (stored rows beside accepted
    responses, households with two current submissions)."""
    problems = []
    stored = {k: after[k] - before[k] for k in ("submissions", "audit", "bare")}
    if phase.name == "demand submit":
        if not stored["submissions"] == stored["audit"] == result.accepted:
            problems.append(f"{phase.name} {phase.clients}: {result.accepted} accepted, {stored} stored")
        print(f"    stored: {stored['submissions']} submissions, {stored['audit']} audit rows (accepted {result.accepted})")
    if phase.name == "bare POST":
        if stored["bare"] != result.accepted:
            problems.append(f"{phase.name} {phase.clients}: {result.accepted} accepted, {stored['bare']} rows")
        print(f"    stored: {stored['bare']} rows (accepted {result.accepted})")
    if after["doubles"]:
        problems.append(f"{after['doubles']} households with two current submissions")
    return problems


def run_phases(phases, port, duration):
    """Run and print each phase; returns {(name, clients): [results]} and the problems found."""
    results, problems = {}, []
    print(f"{'phase':<16}{'clients':>8}{'accepted':>10}{'per s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for phase in phases:
        before = counts()
        result = phase.run(port, duration)
        after = counts()
        results.setdefault((phase.name, phase.clients), []).append(result)
        print(result.line(), flush=True)
        for failure in result.failures[:3]:
            print(f"    {failure}")
        problems += check_stored(phase, result, before, after)
    return results, problems


def print_ratios(results, clients, api_clients):
    print("ratio to the bare view at the same concurrency (accepted per second; median of the rounds):")
    pairs = [("demand submit", "bare POST", n) for n in clients]
    pairs.append(("API list", "bare JSON", api_clients))
    for real, bare, n in pairs:
        ratios = [
            r.rate / b.rate if b.rate else float("nan") for r, b in zip(results[(real, n)], results[(bare, n)])
        ]
        print(
            f"    {real}, {n} clients: {statistics.median(ratios):.3f}x"
            f" (rounds: {', '.join(f'{x:.3f}' for x in ratios)})"
        )


def main():
    args = parse_args()
    app_dir = Path(args.app_dir).resolve()
    env = server_env(app_dir)
    list_id, codes, token = prepare(app_dir, env, args.scale, args.households)
    clients = [int(c) for c in args.clients.split(",")]
    announce(args, app_dir, clients, list_id, codes)
    server = serve(app_dir, env, args.port, args.workers)
    phases = all_phases(args, clients, list_id, codes, token)
    try:
        results, problems = run_phases(phases, args.port, args.duration)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_ratios(results, clients, args.api_clients)
    for problem in problems:
        print(f"bench_web: FAILED: {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
