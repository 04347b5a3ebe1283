"""The demo's everyday company life: new colleagues, hiring, the offices, and questions to
Legal and Finance. Plain data (see the package's docstring for the format)."""

POSTS = [
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
