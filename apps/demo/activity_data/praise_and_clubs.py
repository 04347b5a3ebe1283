"""The demo's praise between colleagues, and the Running Club. Plain data (see the package's
docstring for the format)."""

POSTS = [
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
]
