"""The demo organisation's people, as plain data (no Django imports: `make run` prints the sign-ins)."""

DEMO_PASSWORD = "demo-Passw0rd!"
DEMO_DOMAIN = "example.com"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

CEO = ("Hélène", "Lefèvre", "Chief Executive Officer", "Executive", "Paris")

# department: (head, [employees]); each is (first, last, title, office)
DEPARTMENTS = {
    "Engineering": (
        ("Thomas", "Müller", "VP Engineering", "Paris"),
        [
            ("Amélie", "Durand", "Engineering Manager", "Paris"),
            ("James", "O'Connor", "Staff Engineer", "London"),
            ("Chloé", "Bernard", "Backend Engineer", "Paris"),
            ("Oliver", "Smith", "Frontend Engineer", "London"),
            ("Zoë", "Garçon", "Site Reliability Engineer", "Lyon"),
            ("Noah", "Williams", "Security Engineer", "London"),
            ("Léa", "Fournier", "QA Engineer", "Lyon"),
            ("Ethan", "Brown", "Mobile Engineer", "Paris"),
            ("Inès", "Moreau", "Data Engineer", "Paris"),
            ("Lucas", "Petit", "Backend Engineer", "Lyon"),
        ],
    ),
    "Sales": (
        ("Charlotte", "Davies", "VP Sales", "London"),
        [
            ("Gaël", "Rousseau", "Account Executive", "Paris"),
            ("Emily", "Taylor", "Account Executive", "London"),
            ("Maël", "Lambert", "Sales Engineer", "Lyon"),
            ("Harry", "Evans", "Sales Development Representative", "London"),
            ("Manon", "Girard", "Key Account Manager", "Paris"),
            ("Jack", "Thomas", "Sales Operations Analyst", "London"),
        ],
    ),
    "Marketing": (
        ("Élodie", "Faure", "Chief Marketing Officer", "Paris"),
        [
            ("Sophie", "Wilson", "Content Strategist", "London"),
            ("Baptiste", "Mercier", "Product Marketing Manager", "Paris"),
            ("Grace", "Johnson", "Brand Designer", "London"),
            ("Anaïs", "Blanc", "Events Manager", "Lyon"),
            ("Jérôme", "Guérin", "Growth Analyst", "Paris"),
        ],
    ),
    "Finance": (
        ("François", "Chevalier", "Chief Financial Officer", "Paris"),
        [
            ("Margaux", "Roux", "Financial Controller", "Paris"),
            ("William", "Roberts", "Accountant", "London"),
            ("Céline", "Bonnet", "Treasury Analyst", "Paris"),
            ("Henry", "Walker", "Procurement Officer", "London"),
            ("Loïc", "François", "Payroll Specialist", "Lyon"),
        ],
    ),
    "People": (
        ("Isabelle", "Dupont", "Chief People Officer", "Paris"),
        [
            ("Amelia", "Wright", "HR Business Partner", "London"),
            ("Raphaël", "Gauthier", "Talent Acquisition Lead", "Paris"),
            ("Mia", "Green", "Learning & Development Manager", "London"),
            ("Océane", "Perrin", "HR Generalist", "Lyon"),
            ("Benoît", "Lemaître", "Workplace Manager", "Paris"),
        ],
    ),
    "Customer Success": (
        ("Daniel", "Hughes", "VP Customer Success", "London"),
        [
            ("Camille", "Leroy", "Support Team Lead", "Lyon"),
            ("Ava", "Hall", "Customer Success Manager", "London"),
            ("Théo", "Dubois", "Support Engineer", "Lyon"),
            ("Isla", "Clarke", "Support Engineer", "London"),
            ("Mathéo", "Fontaine", "Onboarding Specialist", "Paris"),
            ("Poppy", "Lewis", "Customer Success Manager", "London"),
            ("Clémence", "Rivière", "Technical Account Manager", "Paris"),
        ],
    ),
    "Legal": (
        ("Victoria", "Scott", "General Counsel", "London"),
        [
            ("Aurélien", "Marchand", "Compliance Officer", "Paris"),
            ("Charlie", "Baker", "Corporate Lawyer", "London"),
            ("Solène", "Barbier", "Paralegal", "Paris"),
        ],
    ),
}

ASCII = str.maketrans("éèêëàâäîïôöùûüçñÉÈÊÀÂÎÔÛÇ", "eeeeaaaiioouuucnEEEAAIOUC")


def demo_email(first: str, last: str) -> str:
    local = f"{first}.{last}".lower().translate(ASCII).replace("'", "").replace(" ", "")
    return f"{local}@{DEMO_DOMAIN}"


SKILLS = {
    "Executive": ["Stratégie", "Leadership", "Fundraising"],
    "Engineering": [
        "Python",
        "Django",
        "PostgreSQL",
        "Kubernetes",
        "Sécurité",
        "Observability",
        "React",
        "Data engineering",
    ],
    "Sales": ["Négociation", "Salesforce", "Enterprise sales", "Public sector"],
    "Marketing": ["Content strategy", "SEO", "Événementiel", "Brand design", "Analytics"],
    "Finance": ["Contrôle de gestion", "IFRS", "Trésorerie", "Payroll", "SAP"],
    "People": ["Recrutement", "Formation", "Droit du travail", "Onboarding"],
    "Customer Success": ["Support", "Zendesk", "Onboarding", "Technical writing"],
    "Legal": ["Compliance", "RGPD", "Contracts", "Corporate law"],
    "IT": ["Active Directory", "Linux", "Réseaux"],
}
TIME_ZONES = {"Paris": "Europe/Paris", "Lyon": "Europe/Paris", "London": "Europe/London"}
LANGUAGES = {"Paris": ["Français", "English"], "Lyon": ["Français", "English"], "London": ["English", "Français"]}
PHONE_PREFIX = {"Paris": "+33 1 70 ", "Lyon": "+33 4 72 ", "London": "+44 20 7946 "}
ABOUT = (
    "I work in **{department}** as {title}.\n\n"
    "Ask me about:\n\n- {skill_a}\n- {skill_b}\n\n"
    "> Happy to help: drop me a message."
)

# name, visibility, owner (first, last), description, tags, members: department names or "all"
COMMUNITIES = [
    (
        "Python Guild",
        "public",
        ("Amélie", "Durand"),
        "Everything **Python** at the company: code reviews, libraries, talks.",
        ["python", "engineering"],
        ["Engineering"],
    ),
    (
        "Running Club",
        "public",
        ("Emily", "Taylor"),
        "Lunchtime runs in Paris, Lyon and London. All paces welcome.",
        ["sport"],
        ["Sales", "People"],
    ),
    (
        "Architecture Review Board",
        "moderated",
        ("Thomas", "Müller"),
        "Proposals for significant technical changes. Ask to join if you present one.",
        ["architecture"],
        ["Engineering"],
    ),
    (
        "Clients grands comptes",
        "moderated",
        ("Charlotte", "Davies"),
        "Partage d'expérience sur nos plus grands clients.",
        ["ventes", "clients"],
        ["Sales", "Customer Success"],
    ),
    (
        "Comité de direction",
        "private",
        ("Hélène", "Lefèvre"),
        "Executive committee: agendas, minutes and decisions.",
        ["direction"],
        ["heads"],
    ),
    (
        "Projet Atlas",
        "private",
        ("François", "Chevalier"),
        "Confidential: the finance systems migration.",
        ["finance", "confidentiel"],
        ["Finance"],
    ),
]
