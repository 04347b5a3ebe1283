"""A company of 100,000 employees, seeded once per `make bench` run into the test database.

Users go in with bulk_create in batches, profiles and their skills with COPY; the search
fields are `apps.profiles.search.search_fields`, as `profile_refresh_search` stores them (and
`to_tsvector('simple', search_text)`), which the fixture checks on a sample of rows."""

import dataclasses
import functools
import itertools
import random
import time
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from apps.core.text import fold
from apps.profiles.models import Profile, Skill
from apps.profiles.search import search_fields
from apps.profiles.services import profile_refresh_search
from tests.benchmarks import kept

EMPLOYEES = 100_000
BATCH = 5_000
SEED = 20_260_101
FAN_OUT = 8  # about eight direct reports per manager: a tree six levels deep

FIRST_NAMES = [
    # French
    "Amélie", "Hélène", "Zoë", "Chloé", "Léa", "Inès", "Anaïs", "Élodie", "Margaux", "Manon",
    "Camille", "Juliette", "Clémence", "Maëlle", "Océane", "Noémie", "Émilie", "Françoise", "Cécile", "Agnès",
    "Thérèse", "Gaëlle", "Solène", "Bérénice", "Marie-Hélène", "Anne-Sophie", "Sarah", "Louise", "Jeanne", "Lucie",
    "Thomas", "Lucas", "Gaël", "Maël", "Jérôme", "François", "Baptiste", "Théo", "Noé", "Raphaël",
    "Mathéo", "Étienne", "Benoît", "Loïc", "Hervé", "Rémi", "Cédric", "Frédéric", "Jean-Baptiste", "Pierre-Yves",
    "Antoine", "Nicolas", "Julien", "Hugo", "Arthur", "Louis", "Mathis", "Sébastien", "Grégoire", "Aurélien",
    # English
    "Oliver", "James", "Noah", "Ethan", "Harry", "Jack", "George", "William", "Henry", "Samuel",
    "Emily", "Grace", "Sophie", "Charlotte", "Olivia", "Amelia", "Isla", "Ava", "Freya", "Isabella",
    "Daniel", "Michael", "David", "Joseph", "Thomas", "Alexander", "Benjamin", "Matthew", "Ella", "Lily",
    # elsewhere in Europe
    "Søren", "Björn", "Zoltán", "Małgorzata", "Łukasz", "Jürgen", "Dóra", "Ines", "José", "Íñigo",
]  # fmt: skip
LAST_NAMES = [
    "Durand", "Garçon", "Lefèvre", "Müller", "Bernard", "Fournier", "Moreau", "Petit", "Rousseau", "Lambert",
    "Girard", "Faure", "Mercier", "Blanc", "Guérin", "Chevalier", "Roux", "Dubois", "Leroy", "Lefebvre",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faivre", "Dupré", "Bérard", "Lemaître", "Benoît",
    "Hébert", "Gérard", "Ménard", "Perrin", "Noël", "Boucher", "Lévêque", "Barbier", "Brunet", "Caron",
    "Cœur", "Bœuf", "de La Fontaine", "Le Goff", "Saint-Éxupéry", "Kerjean", "Le Bihan", "Morvan", "Thiébaut",
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "O'Connor", "O'Brien", "McDonald", "MacLeod", "Fitzgerald", "Van der Berg", "Schäfer", "Nuñez", "Øster",
    "Kowalczyk", "Nowak", "Szabó", "Gonçalves", "Müller-Lüdenscheidt", "Ångström", "Đorđević", "Dvořák",
]  # fmt: skip
DEPARTMENTS = {
    "Engineering": (
        ["Platform", "Mobile", "Web", "Data", "Security", "SRE"],
        ["Backend Engineer", "Frontend Engineer", "Site Reliability Engineer", "Data Engineer", "QA Engineer",
         "Security Engineer", "Mobile Engineer", "Staff Engineer", "Engineering Manager", "Ingénieur logiciel"],
    ),
    "Sales": (
        ["Enterprise", "Mid-market", "Public sector", "Partners"],
        ["Account Executive", "Sales Engineer", "Key Account Manager", "Sales Development Representative",
         "Responsable grands comptes", "Sales Operations Analyst"],
    ),
    "Marketing": (
        ["Brand", "Growth", "Events", "Content"],
        ["Content Strategist", "Product Marketing Manager", "Brand Designer", "Events Manager", "Growth Analyst",
         "Chargée de communication"],
    ),
    "Finance": (
        ["Accounting", "Controlling", "Treasury", "Procurement"],
        ["Financial Controller", "Contrôleur de gestion", "Comptable", "Accountant", "Treasury Analyst",
         "Acheteur", "Payroll Specialist"],
    ),
    "Ressources humaines": (
        ["Recrutement", "Paie", "Formation", "Relations sociales"],
        ["HR Business Partner", "Chargée de recrutement", "Gestionnaire de paie", "Responsable formation",
         "Talent Acquisition Specialist"],
    ),
    "Customer Success": (
        ["Support", "Onboarding", "Renewals"],
        ["Customer Success Manager", "Support Engineer", "Technical Writer", "Chargé de clientèle"],
    ),
    "Legal": (
        ["Corporate", "Compliance", "Contracts"],
        ["Legal Counsel", "Juriste", "Compliance Officer", "Paralegal", "Délégué à la protection des données"],
    ),
    "IT": (
        ["Workplace", "Infrastructure", "Service desk"],
        ["Administrateur systèmes", "IT Support Technician", "Network Engineer", "IT Administrator"],
    ),
    "Opérations": (
        ["Logistique", "Qualité", "Achats", "Facilities"],
        ["Responsable logistique", "Ingénieur qualité", "Operations Manager", "Facility Manager",
         "Supply Chain Analyst"],
    ),
    "Product": (
        ["Discovery", "Design", "Research"],
        ["Product Manager", "Product Designer", "UX Researcher", "Product Owner", "Designer UX/UI"],
    ),
}  # fmt: skip
OFFICES = [
    ("Paris", 30), ("Lyon", 12), ("London", 14), ("Bordeaux", 5), ("Nantes", 5), ("Lille", 4), ("Toulouse", 5),
    ("Montréal", 6), ("Genève", 3), ("Bruxelles", 4), ("Berlin", 4), ("New York", 5), ("Remote", 3),
]  # fmt: skip
SKILLS = [
    # engineering
    "Python", "Django", "PostgreSQL", "Kubernetes", "Docker", "Terraform", "Ansible", "AWS", "Azure",
    "Google Cloud", "Linux", "Go", "Rust", "Java", "Kotlin", "Swift", "TypeScript", "JavaScript", "React",
    "Vue.js", "Angular", "Node.js", "GraphQL", "REST APIs", "gRPC", "Kafka", "RabbitMQ", "Redis",
    "Elasticsearch", "Spark", "Airflow", "dbt", "Snowflake", "BigQuery", "Machine learning", "Deep learning",
    "NLP", "Computer vision", "MLOps", "Data engineering", "Data visualisation", "Statistics", "Observability",
    "Prometheus", "Grafana", "Sécurité", "Sécurité applicative", "Pentest", "Cryptographie", "IAM",
    "Active Directory", "Réseaux", "Sauvegarde", "CI/CD", "GitLab", "GitHub Actions", "Test automation",
    "Performance", "Accessibilité", "Architecture logicielle", "Microservices", "Domain-driven design",
    "Clean code", "Code review", "Pair programming", "Embedded C", "C++", "Unity", "iOS", "Android",
    # product & design
    "Product discovery", "Roadmapping", "User research", "UX design", "UI design", "Figma", "Design systems",
    "Prototypage", "Rédaction UX", "A/B testing", "Analytics", "SQL", "Excel", "Power BI", "Tableau",
    # finance
    "Contrôle de gestion", "Comptabilité", "Comptabilité analytique", "Consolidation", "IFRS", "US GAAP",
    "Trésorerie", "Fiscalité", "Audit interne", "Budget", "Prévisions financières", "Paie", "Payroll", "SAP",
    "Oracle Financials", "Achats", "Négociation fournisseurs", "Gestion des risques", "M&A", "Levée de fonds",
    # people
    "Recrutement", "Marque employeur", "Formation", "Onboarding", "Droit du travail", "Relations sociales",
    "GPEC", "Gestion des talents", "Rémunération", "Qualité de vie au travail", "Coaching", "Mentorat",
    "Diversité et inclusion", "Entretiens annuels",
    # sales & customer
    "Négociation", "Prospection", "Salesforce", "HubSpot", "Enterprise sales", "Public sector", "Appels d'offres",
    "Account management", "Customer success", "Support", "Zendesk", "Technical writing", "Avant-vente",
    "Démonstrations", "Partenariats", "Channel sales", "Renouvellements", "Upselling",
    # marketing
    "SEO", "SEA", "Content strategy", "Copywriting", "Rédaction", "Social media", "Événementiel",
    "Brand design", "Relations presse", "Marketing automation", "Growth hacking", "Emailing", "Vidéo",
    "Photographie", "Traduction", "Localisation",
    # legal & compliance
    "Compliance", "RGPD", "Contracts", "Droit des contrats", "Corporate law", "Propriété intellectuelle",
    "Droit de la concurrence", "Anti-corruption", "ISO 27001", "SOC 2", "Contrôle interne",
    # operations
    "Logistique", "Supply chain", "Lean", "Six Sigma", "Qualité", "Gestion de projet", "Agile", "Scrum",
    "Kanban", "PMO", "Conduite du changement", "Amélioration continue", "Facilities", "Sécurité au travail",
    # languages and soft skills
    "Anglais", "Allemand", "Espagnol", "Italien", "Portugais", "Mandarin", "Japonais", "Arabe", "Néerlandais",
    "Prise de parole", "Facilitation", "Leadership", "Management d'équipe", "Stratégie", "Innovation",
    "Résolution de problèmes", "Intelligence émotionnelle", "Gestion du temps", "Négociation interculturelle",
]  # fmt: skip
EXECUTIVE_TITLES = {
    "Engineering": "VP Engineering",
    "Sales": "VP Sales",
    "Marketing": "Chief Marketing Officer",
    "Finance": "Chief Financial Officer",
    "Ressources humaines": "Directrice des ressources humaines",
    "Customer Success": "VP Customer Success",
    "Legal": "General Counsel",
    "IT": "Chief Information Officer",
    "Opérations": "Directeur des opérations",
    "Product": "Chief Product Officer",
}


SEEDED_COLUMNS = (
    "id",
    "user_id",
    "manager_id",
    "display_name",
    "job_title",
    "department",
    "team",
    "location",
    "search_text",
    "sort_name",
)


@dataclass
class Company:
    """What the benchmark needs to know about the seeded company."""

    viewer_id: int
    employees: int
    seconds: float
    full_names: list[tuple[str, str]] = field(default_factory=list)  # a sample of real (first, last) pairs
    titles: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    offices: list[str] = field(default_factory=list)
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return fold(text)


def _email_part(text: str) -> str:
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def _plan(rng: random.Random) -> list[dict]:
    """Who everyone is, in order: the CEO first, every manager before their reports."""
    departments = list(DEPARTMENTS)
    offices, weights = zip(*OFFICES, strict=True)
    office_weights = list(itertools.accumulate(weights))
    # A few common skills, a long tail (cumulative weights: computed once, not per draw).
    skill_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(SKILLS))))
    shuffled_skills = rng.sample(SKILLS, len(SKILLS))
    people = []
    for i in range(EMPLOYEES):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if i == 0:
            manager, department, title = None, "Executive", "Chief Executive Officer"
        elif i <= len(departments):
            manager, department = 0, departments[i - 1]
            title = EXECUTIVE_TITLES[department]
        else:
            manager = max(1, (i - 1 - len(departments)) // FAN_OUT + 1 - rng.randint(0, 2))
            # Mostly in the manager's department; managers (the first eighth) often titled as such.
            parent = people[manager]["department"]
            department = parent if rng.random() < 0.9 else rng.choice(departments)
            title = rng.choice(DEPARTMENTS[department][1])
            if i < EMPLOYEES // FAN_OUT and rng.random() < 0.5:
                title = rng.choice([f"Head of {department}", f"Responsable {department}", "Team Lead"])
        team = "" if department == "Executive" else rng.choice(DEPARTMENTS[department][0])
        people.append(
            {
                "first": first,
                "last": last,
                "email": f"{_email_part(first)}.{_email_part(last)}.{i}@example.com",
                # One in twenty is listed as "DURAND Amélie" (display name).
                "display_name": f"{last.upper()} {first}" if rng.random() < 0.05 else "",
                "job_title": title,
                "department": department,
                "team": team,
                "location": rng.choices(offices, cum_weights=office_weights)[0],
                "manager": manager,
                # In the order Profile.skills reads them back (Skill.Meta.ordering), as the service sees them.
                "skills": sorted(
                    set(rng.choices(shuffled_skills, cum_weights=skill_weights, k=rng.randint(1, 3))), key=_fold
                ),
            }
        )
    return people


def _search_fields(person: dict) -> tuple[str, str]:
    """profile_refresh_search's search_text and sort_name, for a row not saved yet."""
    name = person["display_name"] or f"{person['first']} {person['last']}".strip() or person["email"]
    return search_fields(
        name=name,
        email=person["email"],
        job_title=person["job_title"],
        department=person["department"],
        team=person["team"],
        location=person["location"],
        skills=person["skills"],
    )


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows in: bulk_create cannot use its fast UNNEST path for Profile (array, JSON and
    tsvector columns), and spends ~1 ms per row building and parsing one huge INSERT."""
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _seed(rng: random.Random) -> tuple[list[int], dict[str, float], list[dict]]:
    timings = {}
    started = time.perf_counter()
    people = _plan(rng)
    timings["plan"] = time.perf_counter() - started
    User = get_user_model()
    password = make_password(None)  # nobody signs in: an unusable password, hashed once
    table = Profile._meta.db_table

    with transaction.atomic():
        step = time.perf_counter()
        skills = Skill.objects.bulk_create([Skill(name=name, folded=fold(name)[:60]) for name in SKILLS])
        skill_id = {skill.name: skill.id for skill in skills}
        user_ids = []
        for start in range(0, EMPLOYEES, BATCH):
            batch = [
                User(email=p["email"], first_name=p["first"], last_name=p["last"], password=password, is_active=True)
                for p in people[start : start + BATCH]
            ]
            user_ids += [user.id for user in User.objects.bulk_create(batch, batch_size=BATCH)]
        timings["users (bulk_create)"] = time.perf_counter() - step

        step = time.perf_counter()
        with connection.cursor() as cursor:
            # Ids up front, so that every row carries its manager already (no UPDATE pass).
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, EMPLOYEES]
            )
            profile_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"CREATE TEMPORARY TABLE profile_seed (LIKE {table}) ON COMMIT DROP")
        # Every column as a new Profile() would store it (defaults, timestamps), computed once;
        # each row then replaces the columns this company sets.
        fields = [field for field in Profile._meta.concrete_fields if field.column != "search_vector"]
        columns = [field.column for field in fields]
        blank = Profile()
        template = [field.get_db_prep_save(field.pre_save(blank, True), connection) for field in fields]
        position = {column: index for index, column in enumerate(columns)}
        set_columns = [position[column] for column in SEEDED_COLUMNS]

        def rows():
            row = list(template)
            for i, p in enumerate(people):
                search_text, sort_name = _search_fields(p)
                values = (
                    profile_ids[i],
                    user_ids[i],
                    None if p["manager"] is None else profile_ids[p["manager"]],
                    p["display_name"],
                    p["job_title"],
                    p["department"],
                    p["team"],
                    p["location"],
                    search_text,
                    sort_name,
                )
                for index, value in zip(set_columns, values, strict=True):
                    row[index] = value
                yield row

        _copy("profile_seed", columns, rows())
        timings["profiles: build rows, COPY"] = time.perf_counter() - step
        step = time.perf_counter()
        with connection.cursor() as cursor:
            # The vector with the same expression as SearchVector(Value(search_text), config="simple").
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(
                f"INSERT INTO {table} ({quoted}, search_vector)"  # noqa: S608 - names from the model
                f" SELECT {quoted}, to_tsvector('simple'::regconfig, search_text) FROM profile_seed"
            )
        timings["profiles: INSERT, vectors"] = time.perf_counter() - step

        step = time.perf_counter()
        through = Profile.skills.through
        links = ((profile_ids[i], skill_id[name]) for i, p in enumerate(people) for name in p["skills"])
        _copy(through._meta.db_table, ["profile_id", "skill_id"], links)
        timings["skills (COPY)"] = time.perf_counter() - step

    step = time.perf_counter()
    with connection.cursor() as cursor:  # autocommit: what autovacuum would have done by now
        for vacuumed in (User._meta.db_table, table, through._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {vacuumed}")
    timings["vacuum analyze"] = time.perf_counter() - step
    return profile_ids, timings, people


def _check_search_fields_match_the_service(rng: random.Random, profile_ids: list[int]) -> None:
    """The seeded search fields are exactly what profile_refresh_search would store."""
    sample = [profile_ids[0], *rng.sample(profile_ids[1:], 59)]
    columns = ("id", "search_text", "sort_name", "search_vector::text")

    def read():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM profiles_profile WHERE id = ANY(%s) ORDER BY id",  # noqa: S608
                [sample],
            )
            return cursor.fetchall()

    seeded = read()
    with transaction.atomic():
        for profile in Profile.objects.filter(id__in=sample).select_related("user"):
            profile_refresh_search(profile=profile)
        refreshed = read()
        transaction.set_rollback(True)
    assert seeded == refreshed, "seeded search fields differ from profile_refresh_search's"


@pytest.fixture(scope="session")
def company(django_db_setup, django_db_blocker) -> Company:
    rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not secrets
    with django_db_blocker.unblock():
        started = time.perf_counter()
        profile_ids, timings, people = _seed(rng)
        seconds = time.perf_counter() - started
        _check_search_fields_match_the_service(rng, profile_ids)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('profiles_profile'))")
            size = cursor.fetchone()[0]
        viewer_index = EMPLOYEES // 2
        viewer_id = Profile.objects.values_list("user_id", flat=True).get(id=profile_ids[viewer_index])

    print(f"\n\nSeeded {EMPLOYEES:,} active employees in {seconds:.1f} s (profiles_profile: {size})")
    for step, took in timings.items():
        print(f"  {step:<26}{took:6.1f} s")
    sample = rng.sample(people, 500)
    return Company(
        viewer_id=viewer_id,
        employees=EMPLOYEES,
        seconds=seconds,
        full_names=[(p["first"], p["last"]) for p in sample],
        titles=sorted({p["job_title"] for p in people}),
        skills=list(SKILLS),
        departments=list(DEPARTMENTS),  # not "Executive": the CEO alone
        offices=[office for office, _weight in OFFICES],
        first_names=list(FIRST_NAMES),
        last_names=list(LAST_NAMES),
    )


# ---------------------------------------------------------------- the home feed benchmark's organisation


@dataclass
class FeedOrganisation:
    """What tests/benchmarks/test_feed_benchmark.py needs to know about the seeded organisation."""

    options: object  # apps.demo.scale.ScaleOptions
    result: object  # apps.demo.scale.ScaleResult
    seconds: float
    viewers: list[int]  # ~100 follows, a typical number of communities
    sessions: dict[int, str]  # viewer id -> a committed session key, for a server in another process
    profile: dict[int, tuple[int, int]]  # viewer id -> (people followed, active memberships)


FEED_VIEWERS = 20

PICK_VIEWERS_SQL = """
WITH f AS (SELECT follower_id AS u, count(*) AS n FROM profiles_follow
           WHERE follower_id BETWEEN %(u1)s AND %(u2)s GROUP BY follower_id),
     m AS (SELECT user_id AS u, count(*) AS n FROM communities_membership
           WHERE user_id BETWEEN %(u1)s AND %(u2)s AND state = 'active' GROUP BY user_id),
     typical AS (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS n FROM m)
SELECT f.u, f.n, m.n FROM f JOIN m ON m.u = f.u, typical
WHERE f.n BETWEEN %(follows)s * 0.9 AND %(follows)s * 1.1 AND m.n BETWEEN typical.n - 1 AND typical.n + 1
  AND f.u <> %(admin)s
ORDER BY hashint8(f.u) LIMIT %(limit)s
"""


def _env_int(name: str, default: int) -> int:
    import os

    return int(os.environ.get(name) or default)


@pytest.fixture(scope="session")
def feed_org(django_db_setup, django_db_blocker) -> FeedOrganisation:
    """The issue's organisation (10,000 people, 500 communities, 1,000,000 posts; smaller with
    FEED_BENCH_USERS / FEED_BENCH_POSTS / FEED_BENCH_COMMUNITIES), committed to the test database
    with `seed_scale`'s loader, then vacuumed and analysed as autovacuum would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from apps.accounts.sessions import SessionStore
    from apps.demo.scale import ScaleOptions, ScaleResult, analyze, seed_scale

    options = ScaleOptions(
        users=_env_int("FEED_BENCH_USERS", 10_000),
        posts=_env_int("SEARCH_BENCH_POSTS", _env_int("FEED_BENCH_POSTS", 1_000_000)),
        communities=_env_int("FEED_BENCH_COMMUNITIES", 500),
        seed=_env_int("FEED_BENCH_SEED", 1),
    )
    key = f"feed_org {dataclasses.asdict(options)}"
    with django_db_blocker.unblock():
        if made := kept.recall(key):
            print(f"\n\nReusing the organisation kept by an earlier run (--reuse-db): {options}")
            result, seconds = ScaleResult(**made["result"]), made["seconds"]
        else:
            print(
                f"\n\nSeeding {options.users:,} people, {options.communities:,} communities, {options.posts:,} posts "
                "(manage.py seed_scale's loader):"
            )
            started = time.perf_counter()
            result = seed_scale(options, log=print)
            verb, took = analyze()
            seconds = time.perf_counter() - started
            print(f"  {verb:<52}{took:8.1f} s\n  {'total':<52}{seconds:8.1f} s")
            kept.remember(key, {"result": dataclasses.asdict(result), "seconds": seconds})
        with connection.cursor() as cursor:
            cursor.execute(
                PICK_VIEWERS_SQL,
                {
                    "u1": result.users[0],
                    "u2": result.users[1],
                    "admin": result.admin_id,
                    "follows": options.follows,
                    "limit": FEED_VIEWERS,
                },
            )
            rows = cursor.fetchall()
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('feeds_post'))")
            size = cursor.fetchone()[0]
        User = get_user_model()
        sessions = {}
        for user in User.objects.filter(pk__in=[row[0] for row in rows]):
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            sessions[user.pk] = session.session_key
    for name, count in result.counts.items():
        print(f"  {name:<24}{count:>12,}")
    print(f"  feeds_post with its indexes: {size}")
    assert len(rows) >= FEED_VIEWERS // 2, f"only {len(rows)} typical viewers found"
    return FeedOrganisation(
        options=options,
        result=result,
        seconds=seconds,
        viewers=[row[0] for row in rows],
        sessions=sessions,
        profile={row[0]: (row[1], row[2]) for row in rows},
    )
