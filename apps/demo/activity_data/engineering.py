"""The demo's engineering posts: the Python Guild, the Architecture Review Board, Projet Atlas,
release notes and Lunch & Learn. Plain data (see the package's docstring for the format)."""

POSTS = [
    {
        "key": "guild-rhythm",
        "author": "amelie.durand",
        "community": "Python Guild",
        "kind": "announcement",
        "pinned": True,
        "when": (14, "14:00"),
        "body": (
            "**The Guild's rhythm this quarter**\n\n"
            "- *Tuesdays 14:00*: code review clinic, bring a pull request\n"
            "- *First Thursday*: a 30-minute talk, volunteers welcome\n"
            "- *Always*: questions here, tagged #python\n\n"
            "Our style guide lives in the repository: `docs/python-style.md`. #guild"
        ),
        "comments": [
            (
                "james.oconnor",
                "Could we record the talks for London? The timing is tricky for us.",
                [("amelie.durand", "Yes, we'll record them and post the links here.")],
            ),
        ],
        "reactions": 2,
        "mood": "like",
    },
    {
        "key": "pin-deps",
        "author": "zoe.garcon",
        "community": "Python Guild",
        "kind": "question",
        "when": (14, "16:20"),
        "body": (
            "What is our recommended way to pin dependencies in new services: a `requirements.txt` with a "
            "constraints file, or a lock file tool? I'd like to avoid surprises in the next base image rebuild. "
            "#python #question"
        ),
        "comments": [
            (
                "james.oconnor",
                "We standardised on `requirements.txt` + `constraints.txt`: direct dependencies loosely pinned, "
                "everything resolved pinned in constraints, and Renovate opens the upgrade PRs. "
                "Example in the billing service.",
                [("zoe.garcon", "Perfect, that's exactly what I needed. Thanks James!")],
            ),
            ("lucas.petit", "+1, and run `pip check` in CI: it catches conflicting pins early.", []),
        ],
        "best": 0,
        "reactions": 1,
        "mood": "insightful",
        "bookmarks": ["lucas.petit", "ethan.brown"],
    },
    {
        "key": "lunch-learn-k8s",
        "author": "mia.green",
        "community": None,
        "kind": "post",
        "when": (13, "12:15"),
        "body": (
            "**Lunch & Learn: Kubernetes for everyone** 🍱\n\n"
            "@zoe.garcon explains what happens when you click *deploy*: containers, pods, and why the "
            "status page stays green. No prerequisites.\n\n"
            "Thursday 12:30, room *Seine* in Paris and online. Sandwiches provided. #lunchandlearn #kubernetes"
        ),
        "image": {
            "name": "lunch-and-learn.png",
            "style": "banner",
            "title": "Lunch & Learn",
            "subtitle": "Kubernetes for everyone · Thursday 12:30",
            "colors": [(32, 88, 160), (80, 170, 220)],
        },
        "comments": [
            (
                "anais.blanc",
                "Will it be recorded? Lyon has a client visit that day.",
                [("mia.green", "Yes, the recording will be posted here the day after.")],
            ),
        ],
        "reactions": 2,
        "mood": "like",
    },
    {
        "key": "rfc-celery",
        "author": "thomas.muller",
        "community": "Architecture Review Board",
        "kind": "post",
        "when": (13, "15:45"),
        "body": (
            "**RFC-012: move scheduled jobs from cron to Celery beat**\n\n"
            "Why:\n\n"
            "1. cron jobs run on one machine: if it's down, nothing runs\n"
            "2. no retries, no visibility\n"
            "3. Celery is already deployed for e-mails\n\n"
            "Review by Friday please, especially @noah.williams for the credentials part. #architecture #rfc"
        ),
        "comments": [
            (
                "noah.williams",
                "Fine from a security point of view if the worker reads secrets from the vault, not from env files.",
                [("thomas.muller", "Agreed, I'll add that to the RFC.")],
            ),
        ],
        "reactions": 1,
        "mood": "insightful",
    },
    {
        "key": "release-mobile",
        "author": "ethan.brown",
        "community": None,
        "kind": "post",
        "when": (11, "09:15"),
        "body": (
            "**Release notes: mobile app 4.2** 📱\n\n"
            "- *Dark mode*, following the phone's setting\n"
            "- Offline drafts: write without a connection, send later\n"
            "- Faster start-up (about 40% on older phones)\n"
            "- Fixed: notifications opening the wrong conversation\n\n"
            "Available in both stores today. Thanks @lea.fournier for the testing marathon! #release #mobile"
        ),
        "image": {
            "name": "release-4-2.png",
            "style": "banner",
            "title": "Mobile 4.2",
            "subtitle": "Dark mode · Offline drafts · Faster start-up",
            "colors": [(24, 24, 40), (110, 60, 170)],
        },
        "comments": [
            (
                "poppy.lewis",
                "Customers have asked for dark mode for a year, they'll be thrilled!",
                [("ethan.brown", "Send us their feedback, we read all of it.")],
            ),
        ],
        "reactions": 3,
        "mood": "celebrate",
        "bookmarks": ["poppy.lewis", "ava.hall"],
    },
    {
        "key": "atlas-status",
        "author": "francois.chevalier",
        "community": "Projet Atlas",
        "kind": "post",
        "when": (11, "13:00"),
        "body": (
            "**Atlas status, week 6**\n\n"
            "- Dry run 2 of the ledger migration: done, 4 h 10 min\n"
            "- 3 reconciliation gaps, all on multi-currency invoices\n"
            "- Next: dry run 3 with the corrected exchange rates\n\n"
            "@margaux.roux can you own the gap analysis? #atlas"
        ),
        "comments": [
            (
                "margaux.roux",
                "Yes. The gaps all come from invoices created before the currency table change.",
                [("celine.bonnet", "I can provide the historical rates from the treasury system.")],
            ),
        ],
        "reactions": 1,
        "mood": "support",
    },
    {
        "key": "share-release",
        "author": "sophie.wilson",
        "community": None,
        "kind": "share",
        "share": "release-mobile",
        "when": (10, "14:40"),
        "body": "A great summary for everyone talking to customers this week 👇 #release",
        "reactions": 0,
        "mood": "like",
    },
    {
        "key": "review-clinic",
        "author": "amelie.durand",
        "community": "Python Guild",
        "kind": "post",
        "when": (9, "12:00"),
        "body": (
            "Notes from Tuesday's code review clinic:\n\n"
            "- prefer `select_related` over N queries in a loop\n"
            "- keyword-only arguments for services\n"
            "- one assertion of the query count per list view\n\n"
            "```python\ndef post_create(*, actor, community, body): ...\n```\n\n"
            "Thanks @chloe.bernard and @lucas.petit for bringing real PRs. #python"
        ),
        "comments": [("lucas.petit", "Very useful. I rewrote my PR afterwards: 42 queries down to 3.", [])],
        "reactions": 1,
        "mood": "insightful",
        "bookmarks": ["oliver.smith"],
    },
    {
        "key": "next-lunch-learn",
        "author": "mia.green",
        "community": None,
        "kind": "poll",
        "when": (8, "11:30"),
        "body": "Which topics for the next Lunch & Learn sessions? Several answers allowed. #lunchandlearn",
        "poll": {
            "options": ["Negotiation basics", "Intro to SQL", "Public speaking", "Data protection in practice"],
            "weights": [3, 5, 4, 2],
            "votes": 6,
            "multiple": True,
        },
        "comments": [
            ("oliver.smith", "Intro to SQL please! I'm happy to help prepare it.", []),
        ],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "rls-question",
        "author": "james.oconnor",
        "community": "Architecture Review Board",
        "kind": "question",
        "when": (7, "15:30"),
        "body": (
            "Should new services enable PostgreSQL **row-level security** by default, or keep access rules in "
            "the application? #architecture #postgresql"
        ),
        "comments": [
            (
                "thomas.muller",
                "Keep one gate in the application (our `visible_to` querysets) and use RLS only for the reporting "
                "replica, where people run raw SQL.",
                [("james.oconnor", "Makes sense, one rule in one place. Thanks!")],
            ),
            ("ines.moreau", "The data team would love RLS on the replica, yes.", []),
        ],
        "best": 0,
        "reactions": 1,
        "mood": "insightful",
    },
    {
        "key": "atlas-cutover",
        "author": "francois.chevalier",
        "community": "Projet Atlas",
        "kind": "poll",
        "when": (6, "16:45"),
        "body": "Which weekend for the Atlas cut-over? Month-end closing rules out the last one. #atlas",
        "poll": {"options": ["First weekend", "Second weekend", "Third weekend"], "weights": [1, 4, 2], "votes": 3},
        "comments": [("william.roberts", "The second weekend suits payroll best.", [])],
        "reactions": 0,
        "mood": "like",
    },
    {
        "key": "eng-quarterly",
        "author": "thomas.muller",
        "community": None,
        "kind": "post",
        "when": (5, "09:00"),
        "body": (
            "**Engineering quarterly** ⚙️\n\n"
            "- Uptime: 99.97%\n"
            "- Deploys per week: from 6 to 19\n"
            "- Median time to fix a customer bug: 2.1 days\n\n"
            "Kudos to @zoe.garcon for the deployment pipeline work. #engineering"
        ),
        "comments": [("daniel.hughes", "Customers notice the faster fixes. Thank you!", [])],
        "reactions": 2,
        "mood": "celebrate",
    },
    {
        "key": "flaky-tests",
        "author": "lea.fournier",
        "community": "Python Guild",
        "kind": "post",
        "when": (5, "13:15"),
        "body": (
            "**Flaky test hunt: results** 🐛\n\n"
            "17 flaky tests fixed. Most common causes: time zones, ordering without `order_by`, and shared "
            "state between tests. Write-up in the wiki. #testing #python"
        ),
        "comments": [("noah.williams", "The ordering one bit me twice last month.", [])],
        "reactions": 1,
        "mood": "insightful",
    },
    {
        "key": "k8s-recording",
        "author": "mia.green",
        "community": None,
        "kind": "post",
        "when": (3, "13:30"),
        "body": (
            "The recording of *Kubernetes for everyone* is online, with the slides. 42 of you attended, "
            "thank you @zoe.garcon! #lunchandlearn #kubernetes"
        ),
        "comments": [
            ("anais.blanc", "Watched it this morning, very clear. Thanks!", [("zoe.garcon", "Glad it helped!")]),
        ],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "release-web",
        "author": "oliver.smith",
        "community": None,
        "kind": "post",
        "when": (1, "10:50"),
        "body": (
            "**Release notes: web app 7.3**\n\n"
            "- New dashboard filters, saved per user\n"
            "- CSV export of every report\n"
            "- Accessibility: full keyboard navigation\n\n"
            "Tested by @lea.fournier, shipped with @chloe.bernard. #release"
        ),
        "comments": [
            (
                "ava.hall",
                "CSV export was the top request of my accounts, thank you!",
                [("oliver.smith", "It was fun to build, tell us what's next on their list.")],
            ),
        ],
        "reactions": 2,
        "mood": "celebrate",
    },
]
