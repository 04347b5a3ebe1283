"""The demo's customer-facing posts: sales wins and visits, marketing, events and support tips.
Plain data (see the package's docstring for the format)."""

POSTS = [
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
]
