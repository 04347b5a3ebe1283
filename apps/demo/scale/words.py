"""The words a generated organisation is made of: names, departments, offices, skills,
communities, and the sentences its posts and comments are assembled from (plain data)."""

FIRST = [
    "Amélie", "Hélène", "Zoë", "Chloé", "Léa", "Inès", "Manon", "Camille", "Juliette", "Noémie", "Cécile", "Gaëlle",
    "Sarah", "Louise", "Lucie", "Thomas", "Lucas", "Gaël", "Jérôme", "François", "Baptiste", "Théo", "Raphaël",
    "Étienne", "Benoît", "Loïc", "Hervé", "Antoine", "Julien", "Hugo", "Oliver", "James", "Noah", "Ethan", "Harry",
    "George", "William", "Emily", "Grace", "Sophie", "Charlotte", "Olivia", "Amelia", "Daniel", "David", "Søren",
    "Björn", "Małgorzata", "Jürgen", "José",
]  # fmt: skip
LAST = [
    "Durand", "Garçon", "Lefèvre", "Müller", "Bernard", "Fournier", "Moreau", "Petit", "Rousseau", "Lambert", "Girard",
    "Faure", "Mercier", "Blanc", "Guérin", "Chevalier", "Roux", "Dubois", "Leroy", "Bonnet", "Martinez", "Legrand",
    "Dupré", "Bérard", "Lemaître", "Hébert", "Ménard", "Perrin", "Noël", "Barbier", "Smith", "Jones", "Williams",
    "Taylor", "Brown", "Davies", "Evans", "Wilson", "Johnson", "Walker", "Wright", "Robinson", "O'Connor", "McDonald",
    "Schäfer", "Nuñez", "Kowalczyk", "Nowak", "Szabó", "Dvořák",
]  # fmt: skip
# department: (weight, teams, titles)
DEPARTMENTS = {
    "Engineering": (30, ["Platform", "Mobile", "Web", "Data", "Security"], [
        "Backend Engineer", "Frontend Engineer", "Site Reliability Engineer", "Data Engineer", "QA Engineer",
        "Ingénieur logiciel"]),
    "Sales": (16, ["Enterprise", "Mid-market", "Partners"], [
        "Account Executive", "Sales Engineer", "Key Account Manager", "Responsable grands comptes"]),
    "Marketing": (8, ["Brand", "Growth", "Events"], [
        "Content Strategist", "Product Marketing Manager", "Events Manager", "Chargée de communication"]),
    "Finance": (7, ["Accounting", "Controlling", "Procurement"], [
        "Financial Controller", "Contrôleur de gestion", "Comptable", "Acheteur"]),
    "Ressources humaines": (6, ["Recrutement", "Paie", "Formation"], [
        "HR Business Partner", "Chargée de recrutement", "Gestionnaire de paie"]),
    "Customer Success": (14, ["Support", "Onboarding", "Renewals"], [
        "Customer Success Manager", "Support Engineer", "Chargé de clientèle"]),
    "Legal": (3, ["Corporate", "Compliance"], ["Legal Counsel", "Juriste", "Compliance Officer"]),
    "IT": (5, ["Workplace", "Infrastructure"], [
        "Administrateur systèmes", "IT Support Technician", "Network Engineer"]),
    "Opérations": (6, ["Logistique", "Qualité", "Facilities"], [
        "Responsable logistique", "Ingénieur qualité", "Operations Manager"]),
    "Product": (5, ["Discovery", "Design"], ["Product Manager", "Product Designer", "UX Researcher"]),
}  # fmt: skip
OFFICES = {"Paris": 30, "Lyon": 12, "London": 14, "Bordeaux": 5, "Nantes": 5, "Montréal": 6, "Berlin": 4, "Remote": 4}
SKILLS = [
    "Python", "Django", "PostgreSQL", "Kubernetes", "Terraform", "AWS", "Go", "TypeScript", "React", "Kafka",
    "Sécurité", "Observability", "Figma", "SQL", "Excel", "Salesforce", "Négociation", "Recrutement", "Paie",
    "Comptabilité", "Contrôle de gestion", "IFRS", "RGPD", "Compliance", "Logistique", "Lean", "Agile", "Scrum",
    "Anglais", "Allemand", "Espagnol", "Leadership", "Coaching", "Prise de parole", "Zendesk", "SEO", "Copywriting",
]  # fmt: skip
COMMUNITY_TOPICS = [
    "Engineering guild", "Python guild", "Frontend guild", "Data & analytics", "Security champions", "SRE on call",
    "Product reviews", "Design critique", "Sales wins", "Customer stories", "Marketing ideas", "Finance updates",
    "People & culture", "New joiners", "Managers' corner", "Women in tech", "Green team", "Running club", "Book club",
    "Photography", "Board games", "Cycling to work", "Parents at work", "Volunteering", "Music lovers",
    "Cooking corner", "Language exchange", "Mentoring", "Hackathon", "Learning & development", "Innovation lab",
    "Diversity & inclusion", "Wellbeing", "Travel tips", "Remote workers", "Open source", "AI & machine learning",
    "Accessibility", "Quality", "Procurement",
]  # fmt: skip
PROJECTS = [
    "Aurora", "Borealis", "Cassiopeia", "Dauphin", "Eole", "Falcon", "Galileo", "Hermes", "Iris", "Jupiter", "Kepler",
    "Lumière", "Mistral", "Neptune", "Orion", "Pégase", "Quasar", "Rhône", "Sirius", "Tethys",
]  # fmt: skip
COMMUNITY_TAGS = ["engineering", "culture", "sales", "sport", "learning", "project", "office", "support"]

POST_OPENERS = [
    "Quick update from the team:", "Great news today.", "A short recap of this week.", "Sharing a lesson learned.",
    "Heads up, everyone.", "Bonjour à tous !", "Thanks for a great quarter.", "Here is where we stand.",
    "We just shipped the new release.", "Retour sur notre atelier de jeudi.", "Small win worth sharing.",
    "Following up on Monday's meeting.", "A reminder before the long weekend.", "Some numbers from the dashboard.",
]  # fmt: skip
POST_MIDDLES = [
    "The migration finished two days ahead of plan.", "Customer satisfaction went up by four points.",
    "We closed the last open incident of the month.", "The onboarding guide now has a section on security.",
    "L'équipe a réduit le temps de réponse de moitié.", "Our pilot with the Lyon office went really well.",
    "Three new colleagues joined the team this week.", "The budget review is done and approved.",
    "We moved the weekly sync to Thursday mornings.", "Les inscriptions pour la formation sont ouvertes.",
    "The new coffee machine on the third floor works.", "We cut the build time from twelve to four minutes.",
    "The survey results are in the shared folder.", "Nous avons signé avec un nouveau partenaire.",
]  # fmt: skip
POST_CLOSERS = [
    "Questions welcome in the comments.", "Thanks to everyone involved.", "More next week.",
    "Merci à toutes et à tous.", "Feedback is very welcome.", "Let us know what you think.",
    "Details in the wiki.", "Bravo l'équipe !", "See you at the all hands.", "Keep them coming.",
]  # fmt: skip
QUESTIONS = [
    "Does anyone know who owns the expense tool?", "What is the best way to book a meeting room in Lyon?",
    "Quelqu'un a-t-il un modèle de compte rendu ?", "Which dashboard do you use for weekly numbers?",
    "How do I get access to the staging environment?", "Any tips for a first presentation to the board?",
    "Who can help with a contract review this week?", "Où trouver la politique de télétravail ?",
    "Is there a guide for onboarding interns?", "What do you recommend for learning SQL?",
]  # fmt: skip
POLLS = [
    ("When should we hold the next all hands?", ["Tuesday morning", "Thursday afternoon", "Friday lunch"]),
    ("Quel thème pour le prochain séminaire ?", ["Innovation", "Clients", "Bien-être", "Sobriété"]),
    ("Which format do you prefer for team updates?", ["Written post", "Short video"]),
    ("Where should the summer party be?", ["Rooftop", "Park", "Boat", "Office garden"]),
    ("How often should we run retrospectives?", ["Every sprint", "Every month", "Every quarter"]),
    ("Which training would help you most this year?", ["Leadership", "Data literacy", "Public speaking"]),
    ("Café ou thé pour la réunion de lundi ?", ["Café", "Thé"]),
    ("What should the next hackathon focus on?", ["Customer experience", "Internal tools", "Sustainability"]),
]
PRAISE = [
    "Huge thanks for stepping in during the outage.", "Merci pour ton aide précieuse sur le dossier client.",
    "You made the launch look easy.", "Thank you for mentoring the new joiners.",
    "Bravo pour la présentation au comité.", "Thanks for going the extra mile on the audit.",
    "Your patience with the customer saved the deal.", "Thank you for the brilliant workshop.",
]  # fmt: skip
ANNOUNCEMENTS = [
    "The offices will be closed on Monday for the public holiday.", "Open enrolment for benefits starts today.",
    "Nous accueillons notre nouvelle directrice financière.", "The annual security training is now available.",
    "The new travel policy applies from next month.", "Our quarterly results will be shared on Thursday.",
    "Le déménagement de l'agence de Lyon est confirmé.", "Please update your emergency contact details.",
]  # fmt: skip
COMMENTS = [
    "Great work!", "Thanks for sharing.", "Merci !", "Very helpful, thank you.", "Congrats to the team!",
    "Could you share the slides?", "Agreed.", "Bravo !", "I can help with that.", "Interesting, tell us more.",
    "See my message.", "Count me in.", "Well deserved.", "Super nouvelle.", "Looking forward to it.",
    "Same question here.", "Let's discuss on Thursday.", "Nice one!", "Thank you for the update.", "Top !",
]  # fmt: skip
HASHTAGS = [
    "Kudos", "OKR", "Q3Planning", "Onboarding", "Security", "Sustainability", "AllHands", "Release", "Hiring",
    "Wellbeing", "Innovation", "CustomerFirst", "Lyon", "Paris", "London", "Hackathon", "Learning", "Diversity",
    "Quality", "Support", "Roadmap", "Design", "DataDriven", "Remote", "TeamSpirit", "Sales", "Finance", "RGPD",
    "Mentoring", "Volunteering",
]  # fmt: skip
