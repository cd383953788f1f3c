"""Word lists and name helpers: real Dutch cities, trades, departments, name shapes."""

from __future__ import annotations

import re

from relgraph.text import fold

__all__ = [
    "AREA_CODES",
    "BAD_POSTCODE_PAIRS",
    "BUSINESS_STREETS",
    "CITIES",
    "CITY_NAMES",
    "CITY_WEIGHTS",
    "DEPARTMENTS",
    "DEPARTMENT_NAMES",
    "DEPARTMENT_WEIGHTS",
    "DESCRIPTIONS",
    "DIGRAPH_INITIALS",
    "DIVISIONS",
    "DIVISION_INDUSTRY",
    "FREE_MAIL",
    "GROUP_ROOTS",
    "HOUSE_NUMBER_ADDITIONS",
    "INDUSTRIES",
    "INFIXES",
    "LEGAL_FORMS",
    "NONPROFIT_INDUSTRIES",
    "NONPROFIT_NAMES",
    "NOT_IN_DOMAIN",
    "POSTCODE_LETTERS",
    "PREFIX_TRADES",
    "REGIONS",
    "ROLES",
    "STAFF_FIRST_NAMES",
    "STAFF_SURNAMES",
    "STEMS",
    "TAGS",
    "TITLES",
    "TRADES",
    "USUAL_ROLE",
    "initial",
    "mailbox_name",
    "name_key",
    "split_infix",
    "split_legal_form",
]

# The roles and tags of memberships; public, so that callers can check against them.
ROLES = ("Beslisser", "Contactpersoon", "Financieel contact", "Technisch contact", "Gebruiker")
TAGS = ("nieuwsbrief", "kerstpakket", "event", "vip", "beurs", "webinar", "klantenpanel")

# Real cities with their real postcode ranges and area codes, so that addresses look right;
# the weights favour the big cities. Cities outside this list come from Faker.
CITIES = {
    "Amsterdam": ((1011, 1109), "020", 9),
    "Rotterdam": ((3011, 3089), "010", 7),
    "Den Haag": ((2491, 2597), "070", 6),
    "Utrecht": ((3511, 3585), "030", 6),
    "Eindhoven": ((5611, 5658), "040", 4),
    "Groningen": ((9711, 9747), "050", 4),
    "Tilburg": ((5011, 5049), "013", 3),
    "Almere": ((1311, 1363), "036", 3),
    "Breda": ((4811, 4839), "076", 3),
    "Nijmegen": ((6511, 6546), "024", 3),
    "Arnhem": ((6811, 6846), "026", 3),
    "Haarlem": ((2011, 2037), "023", 3),
    "Enschede": ((7511, 7548), "053", 2),
    "Zwolle": ((8011, 8046), "038", 2),
    "Leeuwarden": ((8911, 8939), "058", 2),
    "Maastricht": ((6211, 6229), "043", 2),
    "Amersfoort": ((3811, 3829), "033", 2),
    "'s-Hertogenbosch": ((5211, 5237), "073", 2),
    "Apeldoorn": ((7311, 7339), "055", 2),
    "Leiden": ((2311, 2334), "071", 2),
    "Delft": ((2611, 2629), "015", 2),
    "Dordrecht": ((3311, 3329), "078", 2),
    "Zoetermeer": ((2711, 2729), "079", 1),
    "Alkmaar": ((1811, 1826), "072", 1),
    "Deventer": ((7411, 7429), "0570", 1),
    "Venlo": ((5911, 5928), "077", 1),
    "Hilversum": ((1211, 1223), "035", 1),
    "Assen": ((9401, 9409), "0592", 1),
    "Emmen": ((7811, 7833), "0591", 1),
    "Heerenveen": ((8441, 8449), "0513", 1),
    "Drachten": ((9201, 9206), "0512", 1),
    "Helmond": ((5701, 5709), "0492", 1),
    "Ede": ((6711, 6718), "0318", 1),
}
CITY_NAMES = list(CITIES)
CITY_WEIGHTS = [w for _, _, w in CITIES.values()]
AREA_CODES = sorted({code for _, code, _ in CITIES.values()})
# Dutch postcodes never use F, I, O, Q, U or Y, nor the combinations SA, SD and SS.
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
BAD_POSTCODE_PAIRS = frozenset({"SA", "SD", "SS"})

BUSINESS_STREETS = (
    "Industrieweg",
    "Edisonweg",
    "Marconistraat",
    "Kanaalweg",
    "Stationsplein",
    "Handelsweg",
    "Nijverheidsweg",
    "Havenstraat",
    "Zuiderzeestraat",
    "Ambachtsweg",
    "Energieweg",
    "Transportweg",
    "Keizersgracht",
    "Herengracht",
    "Parallelweg",
    "Kerkstraat",
    "Dorpsstraat",
    "Hoofdstraat",
    "Molenweg",
    "Schoolstraat",
    "Laan van Vollenhove",
    "Europaweg",
)
HOUSE_NUMBER_ADDITIONS = ("A", "B", "C", "1", "2", "-3", "bis", "hs", "II", "rood")

INDUSTRIES = (
    "Bouw",
    "Groothandel",
    "Detailhandel",
    "ICT",
    "Zakelijke dienstverlening",
    "Transport en logistiek",
    "Industrie",
    "Horeca",
    "Financiële dienstverlening",
    "Energie",
    "Landbouw",
    "Vastgoed",
    "Media en communicatie",
    "Installatietechniek",
    "Accountancy",
    "Advocatuur",
    "Voedingsmiddelen",
    "Automotive",
)
NONPROFIT_INDUSTRIES = ("Zorg", "Onderwijs", "Cultuur", "Sport en recreatie", "Welzijn")
# Trade words per industry, for names like "Jansen Installatietechniek B.V.".
TRADES = {
    "Bouw": ("Bouw", "Aannemersbedrijf", "Bouwbedrijf", "Timmerfabriek"),
    "Groothandel": ("Groothandel", "Trading", "Import"),
    "Detailhandel": ("Wonen", "Mode", "Fietsen", "Tuincentrum"),
    "ICT": ("Software", "IT Services", "Automatisering", "Digital"),
    "Zakelijke dienstverlening": ("Consultancy", "Advies", "Interim", "Projectmanagement"),
    "Transport en logistiek": ("Transport", "Logistiek", "Koeriers", "Expeditie"),
    "Industrie": ("Metaal", "Kunststoffen", "Machinebouw", "Verpakkingen"),
    "Horeca": ("Catering", "Hotels", "Horeca"),
    "Financiële dienstverlening": ("Assurantiën", "Hypotheken", "Financieel Advies"),
    "Energie": ("Energie", "Zonnepanelen", "Duurzaam"),
    "Landbouw": ("Agro", "Kwekerij", "Loonbedrijf"),
    "Vastgoed": ("Vastgoed", "Makelaardij", "Beheer"),
    "Media en communicatie": ("Media", "Communicatie", "Drukkerij", "Reclame"),
    "Installatietechniek": ("Installatietechniek", "Elektrotechniek", "Klimaattechniek"),
    "Accountancy": ("Accountants", "Administratiekantoor", "Belastingadvies"),
    "Advocatuur": ("Advocaten", "Juristen", "Notarissen"),
    "Voedingsmiddelen": ("Bakkerij", "Zuivel", "Food", "Slagerij"),
    "Automotive": ("Autobedrijf", "Garage", "Autoschade", "Bandenservice"),
}
# Trades that read as a prefix in Dutch ("Bakkerij Jansen", not "Jansen Bakkerij").
PREFIX_TRADES = frozenset(
    {
        "Aannemersbedrijf",
        "Bouwbedrijf",
        "Timmerfabriek",
        "Tuincentrum",
        "Kwekerij",
        "Loonbedrijf",
        "Makelaardij",
        "Drukkerij",
        "Administratiekantoor",
        "Bakkerij",
        "Slagerij",
        "Autobedrijf",
        "Garage",
        "Autoschade",
        "Bandenservice",
    }
)
NONPROFIT_NAMES = {
    "Zorg": ("Zorggroep", "Thuiszorg", "Zorgcentrum"),
    "Onderwijs": ("Openbaar Onderwijs", "Scholengroep", "Kinderopvang"),
    "Cultuur": ("Schouwburg", "Muziekschool", "Museum"),
    "Sport en recreatie": ("Sportpark", "Zwembad", "Recreatie"),
    "Welzijn": ("Welzijn", "Buurtwerk", "Vrijwilligerscentrale"),
}
# Fantasy stems for group and company names; "Noorderlicht" is the flagship's alone.
STEMS = (
    "Polder",
    "Delta",
    "Zuiderzee",
    "Wadden",
    "Veluwe",
    "Kempen",
    "Horizon",
    "Zonnestraal",
    "Molenwaard",
    "Duinzicht",
    "Eemland",
    "Oranje",
    "Rijnmond",
    "Maasland",
    "IJsselstreek",
    "Lindeboom",
    "Eikenhof",
    "Vlinder",
    "Tulp",
    "Meerzicht",
    "Heuvelrug",
    "Dijkgraaf",
    "Schelde",
    "Brabantia",
    "Friesland",
    "Twentse",
    "Biesbosch",
    "Hollandia",
    "Zeeland",
)
GROUP_ROOTS = ("Holding B.V.", "Groep B.V.", "Beheer B.V.", "Groep N.V.")
DIVISIONS = (
    "Bouw",
    "Logistiek",
    "Techniek",
    "Energie",
    "Vastgoed",
    "Installaties",
    "Services",
    "Retail",
    "Food",
    "ICT",
    "Consultancy",
    "Transport",
    "Facilitair",
    "Groothandel",
    "Productie",
    "Onderhoud",
    "Finance",
    "Projecten",
)
# The industry of a group company follows its division.
DIVISION_INDUSTRY = {
    "Bouw": "Bouw",
    "Logistiek": "Transport en logistiek",
    "Techniek": "Installatietechniek",
    "Energie": "Energie",
    "Vastgoed": "Vastgoed",
    "Installaties": "Installatietechniek",
    "Retail": "Detailhandel",
    "Food": "Voedingsmiddelen",
    "ICT": "ICT",
    "Transport": "Transport en logistiek",
    "Groothandel": "Groothandel",
    "Productie": "Industrie",
    "Onderhoud": "Installatietechniek",
    "Finance": "Financiële dienstverlening",
}
LEGAL_FORMS = ("Holding B.V.", "Groep B.V.", "Beheer B.V.", "Groep N.V.", "B.V.", "N.V.", "V.O.F.")
REGIONS = (
    "Noord",
    "Zuid",
    "Oost",
    "West",
    "Randstad",
    "Brabant",
    "Limburg",
    "Twente",
    "Gelderland",
    "Zeeland",
    "Holland",
    "Benelux",
    "Nederland",
)
DESCRIPTIONS = (
    "{industry} in de regio {city}.",
    "Familiebedrijf in {industry_lower}, opgericht in {year}.",
    "Specialist in {industry_lower} voor de zakelijke markt.",
    "Actief in {industry_lower} sinds {year}; hoofdkantoor in {city}.",
    "Landelijk werkende partij in {industry_lower}.",
)

DEPARTMENTS = {
    "Directie": ("Directeur", "Algemeen directeur", "Managing director", "Operationeel directeur"),
    "Sales": ("Accountmanager", "Salesmanager", "Commercieel medewerker", "Binnendienstmedewerker"),
    "Inkoop": ("Inkoper", "Hoofd inkoop", "Category manager"),
    "Financiën": ("Controller", "Financieel directeur", "Boekhouder", "Crediteurenadministrateur"),
    "ICT": ("ICT-manager", "Systeembeheerder", "Applicatiebeheerder", "Software-ontwikkelaar"),
    "HR": ("HR-adviseur", "HR-manager", "Salarisadministrateur"),
    "Marketing": ("Marketingmanager", "Communicatieadviseur", "Marketeer"),
    "Logistiek": ("Logistiek manager", "Planner", "Magazijnchef"),
    "Secretariaat": ("Office manager", "Managementassistent", "Receptionist"),
}
DEPARTMENT_NAMES = list(DEPARTMENTS)
DEPARTMENT_WEIGHTS = [3, 4, 2, 2, 2, 1, 1, 1, 2]
# The role a department's people usually have; the others are drawn at random.
USUAL_ROLE = {
    "Directie": "Beslisser",
    "Financiën": "Financieel contact",
    "ICT": "Technisch contact",
    "Inkoop": "Beslisser",
}

INFIXES = frozenset({"van", "de", "van der", "van den", "van de", "ter", "den", "te", "van 't", "in 't"})
TITLES = ("dr.", "drs.", "ir.", "ing.", "mr.", "prof. dr.", "bc.")
FREE_MAIL = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "ziggo.nl",
    "kpnmail.nl",
    "live.nl",
    "xs4all.nl",
    "planet.nl",
)
# Staff names: common Dutch names only, so that colleagues look like colleagues.
STAFF_FIRST_NAMES = (
    "Sanne",
    "Daan",
    "Lotte",
    "Bram",
    "Eva",
    "Thijs",
    "Femke",
    "Jeroen",
    "Anouk",
    "Martijn",
    "Iris",
    "Ruben",
    "Marloes",
    "Sander",
    "Esther",
    "Niels",
    "Ingrid",
    "Kees",
    "Hanneke",
    "Wouter",
    "Fleur",
    "Joost",
    "Mirjam",
    "Pieter",
)
STAFF_SURNAMES = (
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Vermeulen",
    "van Dijk",
    "Postma",
    "Hoekstra",
)
# Words a company's web domain leaves out: "Jansen Holding B.V." is at jansen.nl.
NOT_IN_DOMAIN = frozenset({"b.v.", "n.v.", "v.o.f.", "holding", "groep", "beheer", "stichting"})
# Given names whose initial is conventionally written with two letters ("Th. de Vries").
DIGRAPH_INITIALS = ("Chr", "Th", "Ph", "IJ")


def split_infix(surname: str) -> tuple[str | None, str]:
    """Split "van der Berg" into ("van der", "Berg"): the infix is the lower-case lead."""
    words = surname.split()
    lead = 0
    while lead < len(words) - 1 and (words[lead][0].islower() or words[lead][0] == "'"):
        lead += 1
    return (" ".join(words[:lead]) or None), " ".join(words[lead:])


def name_key(name: str) -> str:
    """What makes two names the same company: "X Oost" and "X Oost B.V." are one."""
    return fold(split_legal_form(name)[0])


def split_legal_form(name: str) -> tuple[str, str]:
    """Split "Polder Bouw B.V." into ("Polder Bouw", "B.V.")."""
    for form in LEGAL_FORMS:
        if name.endswith(f" {form}"):
            return name.removesuffix(f" {form}"), form
    return name, ""


def initial(first_name: str) -> str:
    for digraph in DIGRAPH_INITIALS:
        if first_name.startswith(digraph) and len(first_name) > len(digraph):
            return digraph
    return first_name[0].upper()


def mailbox_name(value: str) -> str:
    """The mailbox form of a name: folded, letters and digits only ("Ruud d'Hondt" -> "ruuddhondt")."""
    return re.sub(r"[^a-z0-9]", "", fold(value)) or "x"
