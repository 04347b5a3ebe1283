"""The demo's company-wide news: the administrator's announcements, the CEO, the executive
committee, the all-hands and the offsite, security and compliance. Plain data (see the package's
docstring for the format)."""

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
]
