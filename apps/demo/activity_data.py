"""Three weeks of the demo company's activity, as plain data (no Django imports).

People are named by the part of their e-mail address before the @ (see
`apps.demo.organisation_data.demo_email`), which is also how they are @mentioned. Communities
are named as in `apps.demo.organisation_data.COMMUNITIES`; None is the company-wide stream.

Each post: `key` (for shares), `author`, `community`, `kind`, `when` (working days ago,
"HH:MM" in Paris), `body`, and optionally `comments` [(author, body, [(author, reply)])],
`best` (index of the best answer among the top-level comments), `poll`, `badge` and
`recipients` (praise), `pinned`, `share` (key of an earlier post), `image` (drawn locally),
`reactions` (how many), `mood` (the most common reaction), `bookmarks` (who saved it).
A mention in a private community's post names only its members."""

TIME_ZONE = "Europe/Paris"

# Who follows which hashtags: each person follows one of their department's list.
HASHTAG_FOLLOWS = {
    "Executive": ["allhands", "kudos", "wins"],
    "Engineering": ["release", "python", "security", "architecture", "kubernetes"],
    "Sales": ["wins", "customers", "kudos"],
    "Marketing": ["brand", "events", "release"],
    "Finance": ["compliance", "kudos", "allhands"],
    "People": ["welcome", "hiring", "lunchandlearn"],
    "Customer Success": ["release", "supporttips", "customers"],
    "Legal": ["compliance", "security"],
    "IT": ["itmaintenance", "security"],
}

POSTS = [
    {
        "key": "welcome",
        "author": "admin",
        "community": None,
        "kind": "announcement",
        "pinned": True,
        "when": (15, "09:05"),
        "body": (
            "**Welcome to Enterprise Social** 👋\n\n"
            "This is our new home for company news, questions and a bit of fun. A few ground rules:\n\n"
            "1. Post company-wide for everyone, or in a **community** for your team or interest.\n"
            "2. Ask questions as a *Question*: the author marks the best answer.\n"
            "3. Say thank you with a *Praise*: it shows on your colleague's profile.\n"
            "4. Private communities stay private: nothing leaves them.\n\n"
            "Questions about the tool? Ask me or anyone in IT. #welcome #guidelines"
        ),
        "comments": [
            (
                "helene.lefevre",
                "Thank you @admin and the whole IT team. Let's make this the place where we share what we learn.",
                [("thomas.muller", "Engineering is in. We'll post our release notes here from now on.")],
            ),
            (
                "isabelle.dupont",
                "Great start! The People team will post onboarding news and Lunch & Learn sessions here.",
                [],
            ),
            ("charlie.baker", "Is there a mobile app?", [("admin", "Not yet: the web version works well on phones.")]),
        ],
        "reactions": 6,
        "mood": "celebrate",
        "bookmarks": ["helene.lefevre", "jerome.guerin"],
    },
    {
        "key": "ceo-launch",
        "author": "helene.lefevre",
        "community": None,
        "kind": "post",
        "when": (15, "11:30"),
        "body": (
            "A few words as we open this space. We are 50 people in three offices and we still learn most things "
            "by chance, at the coffee machine. I'd like that to change: **write down what you know**, share what "
            "worked and what didn't, and thank people in public.\n\n"
            "I'll post here every couple of weeks, and I'll read the comments. #allhands"
        ),
        "comments": [
            (
                "charlotte.davies",
                "The sales team will share customer wins here, so everyone sees the impact of their work.",
                [("helene.lefevre", "That's exactly the spirit, thank you Charlotte.")],
            ),
        ],
        "reactions": 4,
        "mood": "like",
    },
    {
        "key": "welcome-hires-1",
        "author": "isabelle.dupont",
        "community": None,
        "kind": "post",
        "when": (14, "09:40"),
        "body": (
            "Please welcome our new colleagues who joined this month 🎉\n\n"
            "- @isla.clarke, Support Engineer in London\n"
            "- @lucas.petit, Backend Engineer in Lyon\n"
            "- @solene.barbier, Paralegal in Paris\n\n"
            "Say hello and invite them for a coffee! #welcome #newjoiners"
        ),
        "comments": [
            (
                "camille.leroy",
                "Welcome @isla.clarke! Looking forward to working with you on the support queue.",
                [("isla.clarke", "Thanks Camille, and thanks everyone for the warm welcome!")],
            ),
            ("amelie.durand", "Welcome to the team @lucas.petit 👋", [("lucas.petit", "Happy to be here!")]),
        ],
        "reactions": 4,
        "mood": "celebrate",
    },
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
        "key": "it-maintenance",
        "author": "admin",
        "community": None,
        "kind": "announcement",
        "when": (13, "10:00"),
        "body": (
            "**Planned IT maintenance this Saturday, 08:00 to 12:00 (Paris time)**\n\n"
            "- VPN: unavailable for about 30 minutes\n"
            "- E-mail: delayed, nothing is lost\n"
            "- File server: read-only\n\n"
            "Nothing to do on your side. Contact IT if something looks wrong on Monday. #itmaintenance"
        ),
        "comments": [
            (
                "manon.girard",
                "Will e-mail on our phones keep working?",
                [("admin", "Yes, mobile e-mail syncs as usual; messages may arrive a few minutes late.")],
            ),
        ],
        "reactions": 1,
        "mood": "like",
        "bookmarks": ["manon.girard"],
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
        "key": "retail-win",
        "author": "charlotte.davies",
        "community": "Clients grands comptes",
        "kind": "post",
        "when": (12, "09:30"),
        "body": (
            "**Big win:** a large retail group signed a 3-year renewal, with two more countries. 🎉\n\n"
            "It took nine months. Thank you @manon.girard for leading it, @mael.lambert for the technical "
            "workshops and @clemence.riviere for the migration plan. #wins #customers"
        ),
        "comments": [
            ("daniel.hughes", "Brilliant teamwork between Sales and CS. Well done all!", []),
        ],
        "reactions": 3,
        "mood": "celebrate",
    },
    {
        "key": "run-thames",
        "author": "emily.taylor",
        "community": "Running Club",
        "kind": "post",
        "when": (12, "11:00"),
        "body": (
            "Thursday lunchtime run in London 🏃: 5 km along the Thames, easy pace, back by 13:15. "
            "Meet at reception at 12:20. Paris and Lyon, post your runs too! #running"
        ),
        "comments": [
            ("amelia.wright", "I'm in!", []),
        ],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "conference-name",
        "author": "baptiste.mercier",
        "community": None,
        "kind": "poll",
        "when": (12, "14:10"),
        "body": "Help us name our first customer conference! Voting closes in three days. #events",
        "poll": {"options": ["Horizon", "Summit", "Connect"], "weights": [5, 2, 3], "votes": 5, "closes_days": 3},
        "comments": [("grace.johnson", "Horizon would make a great visual identity.", [])],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "praise-outage",
        "author": "daniel.hughes",
        "community": None,
        "kind": "praise",
        "badge": "customer_hero",
        "recipients": ["camille.leroy", "theo.dubois"],
        "when": (12, "16:30"),
        "body": (
            "During Sunday's outage at our payment provider, @camille.leroy and @theo.dubois answered 140 "
            "tickets and called our five largest customers before they even noticed. Thank you! #kudos"
        ),
        "comments": [("helene.lefevre", "This is what makes customers stay. Thank you both.", [])],
        "reactions": 3,
        "mood": "celebrate",
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
        "key": "comex-agenda",
        "author": "helene.lefevre",
        "community": "Comité de direction",
        "kind": "post",
        "when": (11, "10:45"),
        "body": (
            "Agenda for Monday's executive committee:\n\n"
            "1. Quarterly forecast (@francois.chevalier)\n"
            "2. Hiring plan for next semester (@isabelle.dupont)\n"
            "3. Customer conference budget (@elodie.faure)\n\n"
            "Pre-reads in the shared folder by Friday noon please."
        ),
        "comments": [
            ("francois.chevalier", "The forecast will be in the folder Thursday evening.", []),
            (
                "victoria.scott",
                "Could we add 10 minutes on the new data protection contract clauses?",
                [("helene.lefevre", "Yes, added as item 4.")],
            ),
        ],
        "reactions": 1,
        "mood": "like",
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
        "key": "office-move",
        "author": "benoit.lemaitre",
        "community": None,
        "kind": "post",
        "when": (11, "15:30"),
        "body": (
            "**Office move: Paris teams move to the 4th floor** 📦\n\n"
            "Engineering and Marketing move next Friday. Crates will be at your desk on Wednesday; label them "
            "with your name and new desk number (see the plan). IT reconnects screens on Monday morning. "
            "#officemove #paris"
        ),
        "image": {"name": "floor-plan.png", "style": "floorplan", "title": "4th floor: new desk plan"},
        "comments": [
            (
                "ines.moreau",
                "Will there be standing desks?",
                [("benoit.lemaitre", "Yes, eight of them near the windows, first come first served 😉")],
            ),
        ],
        "reactions": 2,
        "mood": "like",
        "bookmarks": ["ines.moreau"],
    },
    {
        "key": "phishing",
        "author": "noah.williams",
        "community": None,
        "kind": "post",
        "when": (10, "09:00"),
        "body": (
            "**Phishing simulation results** 🎣\n\n"
            "Last month 12% of us clicked the fake link, down from 21%. The best reflex: use the *Report "
            "phishing* button, even when unsure.\n\n"
            "Figures of the last campaigns below. Next simulation: sometime soon 😉 #security"
        ),
        "image": {
            "name": "phishing-results.png",
            "style": "bars",
            "title": "Clicked the phishing link (%), last six campaigns",
            "labels": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "values": [27, 24, 21, 18, 15, 12],
            "colors": [(200, 70, 60)],
        },
        "comments": [
            (
                "harry.evans",
                "I admit I clicked the first time. Never again!",
                [("noah.williams", "That's the spirit 😄")],
            ),
        ],
        "reactions": 2,
        "mood": "insightful",
    },
    {
        "key": "hiring",
        "author": "raphael.gauthier",
        "community": None,
        "kind": "post",
        "when": (10, "11:20"),
        "body": (
            "**We're hiring!** Open positions:\n\n"
            "- 3 Backend Engineers (Paris, Lyon)\n"
            "- 1 Account Executive (London)\n"
            "- 1 Customer Success Manager (Paris)\n\n"
            "Referral bonus for every hire. Send me CVs or questions. #hiring #referral"
        ),
        "comments": [("amelie.durand", "Shared with my network. We really need the backend folks!", [])],
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
        "key": "brand-templates",
        "author": "grace.johnson",
        "community": None,
        "kind": "post",
        "when": (10, "16:00"),
        "body": (
            "New **brand templates** are in the shared drive: slides, letterhead, e-mail signatures. "
            "Please use them for anything that goes to customers from now on. #brand"
        ),
        "comments": [("charlotte.davies", "Thank you, the new slides look great.", [])],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "compliance-training",
        "author": "victoria.scott",
        "community": None,
        "kind": "post",
        "when": (9, "09:30"),
        "body": (
            "Reminder: the annual **compliance training** is due by the end of the month. It takes about "
            "25 minutes. Questions go to @aurelien.marchand. #compliance"
        ),
        "comments": [
            ("charlie.baker", "Done! The new anti-bribery module is actually interesting.", []),
        ],
        "reactions": 1,
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
        "key": "nda-question",
        "author": "harry.evans",
        "community": None,
        "kind": "question",
        "when": (9, "15:10"),
        "body": "How do I get an NDA signed quickly for a prospect who wants to see our roadmap? #legal",
        "comments": [
            (
                "solene.barbier",
                "Use our standard mutual NDA in the contract tool: if the prospect accepts it unchanged, "
                "you can send it for e-signature yourself, no legal review needed.",
                [("harry.evans", "Done in 10 minutes, thank you Solène!")],
            ),
            ("charlie.baker", "If they send their own template, forward it to legal and we'll review in 48 h.", []),
        ],
        "best": 0,
        "reactions": 1,
        "mood": "insightful",
        "bookmarks": ["harry.evans", "gael.rousseau", "emily.taylor"],
    },
    {
        "key": "marketing-recap",
        "author": "elodie.faure",
        "community": None,
        "kind": "post",
        "when": (8, "09:45"),
        "body": (
            "**Quarterly marketing recap**\n\n"
            "- 1,240 webinar registrations (+35%)\n"
            "- 3 customer case studies published\n"
            "- Website leads up 18%\n\n"
            "Thanks @sophie.wilson, @grace.johnson and @anais.blanc. #marketing"
        ),
        "reactions": 2,
        "mood": "celebrate",
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
        "key": "praise-chloe",
        "author": "amelie.durand",
        "community": "Python Guild",
        "kind": "praise",
        "badge": "mentor",
        "recipients": ["chloe.bernard"],
        "when": (8, "14:00"),
        "body": (
            "@chloe.bernard ran three pairing sessions with our new joiners this week and wrote the "
            "*first week* guide for the backend. Thank you for making onboarding so much smoother! #kudos"
        ),
        "comments": [("lucas.petit", "Can confirm, the guide saved me days.", [])],
        "reactions": 2,
        "mood": "celebrate",
    },
    {
        "key": "support-tip",
        "author": "theo.dubois",
        "community": None,
        "kind": "post",
        "when": (8, "16:20"),
        "body": (
            "**Support tip of the week** 💡\n\n"
            "When a customer says *it's slow*, ask three things: which page, since when, and from where. "
            "Half of our performance tickets were a VPN on the customer side. #supporttips"
        ),
        "comments": [("isla.clarke", "Adding this to our macro, thanks Théo.", [])],
        "reactions": 1,
        "mood": "insightful",
    },
    {
        "key": "all-hands",
        "author": "helene.lefevre",
        "community": None,
        "kind": "post",
        "when": (7, "09:10"),
        "body": (
            "**All-hands on Thursday at 16:00** (Paris room *Seine* and livestream).\n\n"
            "On the agenda: the quarter's results, the customer conference, and the office plans. "
            "Leave your questions in the comments, anonymous ones go to @isabelle.dupont. #allhands"
        ),
        "comments": [
            (
                "oliver.smith",
                "Will London get its own office party this year?",
                [("helene.lefevre", "Yes! Details at the all-hands 🙂")],
            ),
            (
                "ines.moreau",
                "Can we hear about the data platform roadmap?",
                [("thomas.muller", "I'll cover it in five minutes.")],
            ),
        ],
        "reactions": 3,
        "mood": "like",
    },
    {
        "key": "lyon-coffee",
        "author": "oceane.perrin",
        "community": None,
        "kind": "post",
        "when": (7, "13:50"),
        "body": "Lyon office news: the coffee machine is fixed ☕ and the new bike shelter is open! #lyon",
        "comments": [
            ("lea.fournier", "Productivity +200% 😄", []),
        ],
        "reactions": 3,
        "mood": "funny",
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
        "key": "sso-live",
        "author": "admin",
        "community": None,
        "kind": "announcement",
        "when": (6, "09:20"),
        "body": (
            "**Single sign-on is live** 🔐\n\n"
            "You can now sign in with your company Microsoft account. Two-factor authentication becomes "
            "mandatory for administrators next week. #security #itmaintenance"
        ),
        "comments": [("noah.williams", "Great step, thanks @admin!", [])],
        "reactions": 2,
        "mood": "like",
    },
    {
        "key": "praise-move",
        "author": "isabelle.dupont",
        "community": None,
        "kind": "praise",
        "badge": "above_and_beyond",
        "recipients": ["benoit.lemaitre", "oceane.perrin"],
        "when": (6, "11:00"),
        "body": (
            "The Paris move went flawlessly and Lyon got its bike shelter in the same week. "
            "@benoit.lemaitre and @oceane.perrin, thank you! #kudos"
        ),
        "reactions": 3,
        "mood": "celebrate",
    },
    {
        "key": "relay-poll",
        "author": "emily.taylor",
        "community": "Running Club",
        "kind": "poll",
        "when": (6, "14:30"),
        "body": "Which day works best for the relay training? #running",
        "poll": {"options": ["Tuesday", "Wednesday", "Thursday"], "weights": [2, 3, 4], "votes": 3},
        "reactions": 0,
        "mood": "like",
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
        "key": "praise-sso",
        "author": "ava.hall",
        "community": None,
        "kind": "praise",
        "badge": "team_player",
        "recipients": ["mael.lambert"],
        "when": (5, "10:40"),
        "body": (
            "@mael.lambert spent his evening on a call with a customer's IT team to debug their SSO "
            "integration. Go-live is on track. #kudos"
        ),
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
        "key": "offsite",
        "author": "anais.blanc",
        "community": None,
        "kind": "post",
        "when": (5, "15:00"),
        "body": (
            "**Save the date: company offsite** 🎉\n\n"
            "All three offices together for two days near Lyon. Agenda and registration next week. "
            "Dietary needs? Tell @anais.blanc. #offsite #events"
        ),
        "image": {
            "name": "offsite.png",
            "style": "banner",
            "title": "Company offsite",
            "subtitle": "Two days · Three offices · One team",
            "colors": [(230, 120, 40), (240, 190, 60)],
        },
        "comments": [("gael.rousseau", "Can't wait!", [])],
        "reactions": 4,
        "mood": "celebrate",
    },
    {
        "key": "customer-visit",
        "author": "gael.rousseau",
        "community": "Clients grands comptes",
        "kind": "post",
        "when": (4, "09:30"),
        "body": (
            "Customer visit recap (energy sector): they love the reporting module but need higher API rate "
            "limits for their night batches. @clemence.riviere is preparing options. #customers"
        ),
        "comments": [
            (
                "clemence.riviere",
                "Options by Thursday: a dedicated batch window, or a higher tier.",
                [("gael.rousseau", "Thanks, I'll book the follow-up call.")],
            ),
        ],
        "reactions": 1,
        "mood": "like",
    },
    {
        "key": "expenses-question",
        "author": "william.roberts",
        "community": None,
        "kind": "question",
        "when": (4, "11:45"),
        "body": "Quick one: should train tickets paid by a customer appear in our expense reports? #finance",
        "comments": [
            (
                "margaux.roux",
                "No: only what you paid yourself. Mention the trip in the report's comment so we can match "
                "the customer invoice.",
                [],
            ),
        ],
        "best": 0,
        "reactions": 0,
        "mood": "insightful",
    },
    {
        "key": "comex-hiring",
        "author": "helene.lefevre",
        "community": "Comité de direction",
        "kind": "post",
        "when": (4, "14:20"),
        "body": (
            "Decision from Monday: the hiring freeze is lifted for Engineering and Customer Success. "
            "@isabelle.dupont and @thomas.muller, please share the revised plan by Friday."
        ),
        "comments": [
            ("isabelle.dupont", "Will do. Raphaël is ready to open the roles as soon as the plan is signed off.", [])
        ],
        "reactions": 1,
        "mood": "support",
    },
    {
        "key": "share-support-tip",
        "author": "daniel.hughes",
        "community": "Clients grands comptes",
        "kind": "share",
        "share": "support-tip",
        "when": (3, "11:00"),
        "body": "Useful for account teams too, before escalating a *slowness* complaint.",
        "reactions": 0,
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
        "key": "praise-outbound",
        "author": "charlotte.davies",
        "community": None,
        "kind": "praise",
        "badge": "above_and_beyond",
        "recipients": ["harry.evans", "jack.thomas"],
        "when": (2, "09:40"),
        "body": (
            "Record month for outbound: 48 qualified meetings. @harry.evans and @jack.thomas rebuilt the "
            "sequences from scratch. Bravo! #kudos #wins"
        ),
        "comments": [("emily.taylor", "Well deserved, both of you!", [])],
        "reactions": 3,
        "mood": "celebrate",
    },
    {
        "key": "welcome-hires-2",
        "author": "raphael.gauthier",
        "community": None,
        "kind": "post",
        "when": (2, "11:10"),
        "body": (
            "More new faces this week 👋\n\n"
            "- @jerome.guerin, Growth Analyst in Paris\n"
            "- @henry.walker, Procurement Officer in London\n\n"
            "Welcome aboard! #welcome #newjoiners"
        ),
        "comments": [("elodie.faure", "Welcome Jérôme, happy to have you in Marketing!", [])],
        "reactions": 3,
        "mood": "celebrate",
    },
    {
        "key": "ceo-thanks",
        "author": "helene.lefevre",
        "community": None,
        "kind": "post",
        "when": (1, "09:20"),
        "body": (
            "Thank you all for a strong quarter: revenue up 14%, our best customer satisfaction score ever, and "
            "seven new colleagues. The slides of the all-hands are on the intranet. #allhands"
        ),
        "comments": [("francois.chevalier", "And we did it within budget 🙂", [])],
        "reactions": 4,
        "mood": "celebrate",
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
    {
        "key": "webinar-slot",
        "author": "baptiste.mercier",
        "community": None,
        "kind": "poll",
        "when": (1, "14:15"),
        "body": "Which slot works best for our next customer webinar? #events",
        "poll": {
            "options": ["Tuesday 10:00", "Wednesday 14:00", "Thursday 16:00"],
            "weights": [4, 3, 1],
            "votes": 4,
            "closes_days": 8,
        },
        "reactions": 0,
        "mood": "like",
    },
    {
        "key": "hello-jerome",
        "author": "jerome.guerin",
        "community": None,
        "kind": "post",
        "when": (1, "16:30"),
        "body": (
            "Hello everyone! I joined the Growth team last week. I'll be looking at our website funnel: "
            "if you have ideas or frustrations with the sign-up flow, I'd love to hear them. #hello"
        ),
        "comments": [
            (
                "baptiste.mercier",
                "Welcome! Let's grab a coffee on Monday.",
                [("jerome.guerin", "With pleasure, thanks Baptiste!")],
            ),
        ],
        "reactions": 3,
        "mood": "celebrate",
    },
]
