"""The brand's fixed reference data: products, places (from the cities seed), names, codes and lists.

A French cosmetics brand with a shop in Montpellier: three collections (Visage, Corps, Cheveux), about
sixty products, customers mostly in France and Belgium, a few abroad.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segment_warehouse.settings import PROJECT_DIR

COLLECTIONS = ("Visage", "Corps", "Cheveux")

#: (title, product_type, collection, price in euros)
PRODUCTS: tuple[tuple[str, str, str, float], ...] = (
    ("Sérum Éclat Vitamine C", "Sérum", "Visage", 39.90),
    ("Sérum Hydratant Acide Hyaluronique", "Sérum", "Visage", 34.90),
    ("Sérum Anti-âge Rétinol Végétal", "Sérum", "Visage", 44.90),
    ("Sérum Apaisant Centella", "Sérum", "Visage", 32.50),
    ("Sérum Purifiant Niacinamide", "Sérum", "Visage", 29.90),
    ("Crème Hydratante Légère", "Crème", "Visage", 27.90),
    ("Crème Riche Nourrissante", "Crème", "Visage", 32.90),
    ("Crème de Nuit Régénérante", "Crème", "Visage", 36.90),
    ("Crème Teintée SPF 30", "Crème", "Visage", 29.50),
    ("Crème Contour des Yeux", "Contour des yeux", "Visage", 24.90),
    ("Gel Nettoyant Doux", "Nettoyant", "Visage", 16.90),
    ("Huile Démaquillante", "Nettoyant", "Visage", 19.90),
    ("Eau Micellaire Florale", "Nettoyant", "Visage", 12.90),
    ("Mousse Nettoyante Purifiante", "Nettoyant", "Visage", 15.50),
    ("Masque Argile Verte", "Masque", "Visage", 18.90),
    ("Masque Hydratant de Nuit", "Masque", "Visage", 24.50),
    ("Masque Éclat au Miel", "Masque", "Visage", 21.90),
    ("Huile Précieuse Visage", "Huile", "Visage", 34.00),
    ("Lotion Tonique à la Rose", "Lotion", "Visage", 14.90),
    ("Gommage Visage Grains Fins", "Gommage", "Visage", 17.90),
    ("Baume Lèvres Karité", "Baume", "Visage", 7.90),
    ("Coffret Routine Visage", "Coffret", "Visage", 79.00),
    ("Lait Corps Fleur d'Oranger", "Lait corps", "Corps", 19.90),
    ("Lait Corps Amande Douce", "Lait corps", "Corps", 18.50),
    ("Lait Corps Monoï", "Lait corps", "Corps", 19.90),
    ("Crème Mains Réparatrice", "Crème", "Corps", 9.90),
    ("Crème Pieds Douceur", "Crème", "Corps", 11.90),
    ("Beurre Corporel Karité", "Crème", "Corps", 24.90),
    ("Gommage Corps Sucre et Figue", "Gommage", "Corps", 22.90),
    ("Gommage Corps Sel de Camargue", "Gommage", "Corps", 21.50),
    ("Huile Sèche Corps et Cheveux", "Huile", "Corps", 26.90),
    ("Huile de Massage Relaxante", "Huile", "Corps", 23.90),
    ("Huile Vergetures", "Huile", "Corps", 28.90),
    ("Gel Douche Verveine", "Gel douche", "Corps", 9.50),
    ("Gel Douche Lavande de Provence", "Gel douche", "Corps", 9.50),
    ("Savon Surgras Olive", "Savon", "Corps", 6.90),
    ("Savon Lait d'Ânesse", "Savon", "Corps", 7.50),
    ("Déodorant Minéral", "Déodorant", "Corps", 11.90),
    ("Brume Parfumée Figuier", "Parfum", "Corps", 29.00),
    ("Eau de Toilette Garrigue", "Parfum", "Corps", 49.00),
    ("Crème Solaire SPF 50", "Solaire", "Corps", 24.90),
    ("Lait Après-soleil", "Solaire", "Corps", 17.90),
    ("Coffret Bien-être Corps", "Coffret", "Corps", 65.00),
    ("Shampoing Doux Quotidien", "Shampoing", "Cheveux", 13.90),
    ("Shampoing Purifiant Ortie", "Shampoing", "Cheveux", 14.90),
    ("Shampoing Nutrition Karité", "Shampoing", "Cheveux", 15.90),
    ("Shampoing Solide Argile", "Shampoing", "Cheveux", 11.50),
    ("Après-shampoing Démêlant", "Après-shampoing", "Cheveux", 14.90),
    ("Après-shampoing Brillance", "Après-shampoing", "Cheveux", 15.50),
    ("Masque Cheveux Réparateur", "Masque", "Cheveux", 22.90),
    ("Masque Cheveux Bouclés", "Masque", "Cheveux", 23.90),
    ("Huile Capillaire Ricin", "Huile", "Cheveux", 18.90),
    ("Huile Pointes Sèches Argan", "Huile", "Cheveux", 21.90),
    ("Sérum Cheveux Anti-chute", "Sérum", "Cheveux", 36.90),
    ("Spray Démêlant Sans Rinçage", "Soin sans rinçage", "Cheveux", 16.90),
    ("Crème Coiffante Boucles", "Soin sans rinçage", "Cheveux", 17.50),
    ("Gommage Cuir Chevelu", "Gommage", "Cheveux", 19.90),
    ("Brosse en Bois de Hêtre", "Accessoire", "Cheveux", 14.00),
    ("Coffret Routine Cheveux", "Coffret", "Cheveux", 59.00),
    ("Trousse de Voyage Découverte", "Coffret", "Visage", 25.00),
)

#: (list_id, list_name): static lists of the e-mail/WhatsApp tool
LISTS: tuple[tuple[str, str], ...] = (
    ("lst_visage", "Intérêt Gamme Visage"),
    ("lst_corps", "Intérêt Gamme Corps"),
    ("lst_cheveux", "Intérêt Gamme Cheveux"),
    ("lst_vip", "Clientes VIP"),
    ("lst_ateliers", "Ateliers Montpellier"),
    ("lst_black_friday", "Liste d'attente Black Friday"),
)

#: (code, discount share): codes customers type at checkout
DISCOUNT_CODES: tuple[tuple[str, float], ...] = (
    ("BIENVENUE10", 0.10),
    ("PANIER5", 0.05),
    ("VIP15", 0.15),
    ("REVIENS15", 0.15),
    ("LIVRAISONOFFERTE", 0.0),
    ("BLACKFRIDAY25", 0.25),
    ("NOEL20", 0.20),
    ("SOLDES30", 0.30),
    ("ETE15", 0.15),
    ("FETEDESMERES", 0.10),
)

CURRENCIES = ("EUR", "USD", "GBP", "CHF")
#: price in a currency = price in euros x this (shop price lists, not exchange rates)
CURRENCY_PRICE_FACTOR = np.array([1.0, 1.09, 0.86, 0.95])
SOURCE_NAMES = ("web", "pos", "instagram", "whatsapp", "shopify_draft_order")

#: the Montpellier shop (dbt vars store_latitude / store_longitude)
STORE_LATITUDE, STORE_LONGITUDE = 43.6108, 3.8767

#: main postal code of the seed cities
_POSTAL_CODES = {
    "Paris": "75011", "Marseille": "13006", "Lyon": "69003", "Toulouse": "31000", "Nice": "06000",
    "Nantes": "44000", "Montpellier": "34000", "Strasbourg": "67000", "Bordeaux": "33000", "Lille": "59000",
    "Rennes": "35000", "Toulon": "83000", "Reims": "51100", "Saint-Étienne": "42000", "Le Havre": "76600",
    "Dijon": "21000", "Angers": "49000", "Grenoble": "38000", "Nîmes": "30000", "Clermont-Ferrand": "63000",
    "Aix-en-Provence": "13100", "Le Mans": "72000", "Brest": "29200", "Tours": "37000", "Amiens": "80000",
    "Annecy": "74000", "Limoges": "87000", "Perpignan": "66000", "Avignon": "84000", "Béziers": "34500",
    "La Rochelle": "17000", "Ajaccio": "20000", "Colmar": "68000", "Narbonne": "11100", "Vannes": "56000",
    "Bayonne": "64100", "Arles": "13200", "Sète": "34200", "Lunel": "34400", "Biarritz": "64200",
    "Castelnau-le-Lez": "34170", "Lattes": "34970", "Antwerpen": "2000", "Gent": "9000", "Charleroi": "6000",
    "Liège": "4000", "Bruxelles": "1000", "Brugge": "8000", "Namur": "5000", "Leuven": "3000", "Mons": "7000",
    "Hasselt": "3500", "Oostende": "8400", "Tournai": "7500", "Mouscron": "7700", "Arlon": "6700",
}  # fmt: skip

#: towns absent from the cities seed: (city, postal_code, country_code, latitude, longitude, weight)
_OTHER_TOWNS: tuple[tuple[str, str, str, float | None, float | None, float], ...] = (
    ("Pérols", "34470", "FR", 43.5650, 3.9530, 0.008),
    ("Saint-Gély-du-Fesc", "34980", "FR", 43.6933, 3.8058, 0.006),
    ("Grabels", "34790", "FR", 43.6486, 3.7989, 0.005),
    ("Pézenas", "34120", "FR", 43.4590, 3.4230, 0.003),
    ("Uzès", "30700", "FR", None, None, 0.003),
    ("Saint-Malo", "35400", "FR", 48.6493, -2.0257, 0.003),
    ("Dinant", "5500", "BE", 50.2606, 4.9122, 0.002),
    ("Waterloo", "1410", "BE", None, None, 0.002),
    ("Genève", "1201", "CH", 46.2044, 6.1432, 0.008),
    ("Lausanne", "1003", "CH", 46.5197, 6.6323, 0.005),
    ("London", "SW1A 1AA", "GB", 51.5072, -0.1276, 0.007),
    ("New York", "10001", "US", 40.7128, -74.0060, 0.005),
)

#: share of customers per seed country, spread over its cities by population
_COUNTRY_SHARE = {"FR": 0.66, "BE": 0.16}
#: extra share for the cities around the Montpellier shop (local customers)
_LOCAL_BOOST = {"Montpellier": 0.045, "Castelnau-le-Lez": 0.015, "Lattes": 0.012, "Sète": 0.006, "Lunel": 0.005}
#: share of customers with no city at all
NO_CITY_SHARE = 0.02

COUNTRY_CURRENCY = {"FR": 0, "BE": 0, "CH": 3, "GB": 2, "US": 1}
COUNTRY_TAX_RATE = {"FR": 0.20, "BE": 0.21, "CH": 0.0, "GB": 0.0, "US": 0.0}
COUNTRY_PHONE_PREFIX = {"FR": "+336", "BE": "+324", "CH": "+417", "GB": "+447", "US": "+1212"}

FEMALE_FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Laura", "Marie", "Pauline",
    "Clara", "Anaïs", "Océane", "Mathilde", "Lucie", "Élodie", "Charlotte", "Zoé", "Juliette", "Louise",
    "Alice", "Margaux", "Eva", "Jade", "Lina", "Nathalie", "Isabelle", "Sophie", "Céline", "Sandrine",
    "Valérie", "Hélène", "Christine", "Aurélie", "Émilie", "Noémie", "Fanny", "Agathe", "Élise",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Thomas", "Lucas", "Hugo", "Nicolas", "Julien", "Maxime", "Antoine", "Alexandre", "Romain", "Louis",
    "Mathieu", "Pierre", "Théo", "Gabriel", "Arthur", "Jules", "Nathan", "Benoît", "Olivier", "Stéphane",
    "Wout", "Pieter", "Mehdi", "Karim", "Jérôme",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
    "Dumont", "Lemaire", "Fontaine", "Chevalier", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel",
    "Benali", "Nguyen", "Da Silva", "Ferreira", "Haddad",
)  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "hotmail.fr", "orange.fr", "yahoo.fr", "free.fr", "outlook.com", "skynet.be",
                 "icloud.com", "laposte.net", "telenet.be")  # fmt: skip
TAGS = ("newsletter", "vip", "instagram", "atelier", "parrainage", "peau-sensible", "wholesale")
SKIN_TYPES = ("sèche", "grasse", "mixte", "sensible", "normale")
ACQUISITION = ("instagram", "google", "boutique", "bouche-à-oreille", "salon")


def ascii_slug(text: str, separator: str = "-") -> str:
    """'Sérum Éclat' -> 'serum-eclat' (for handles and e-mail addresses)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return separator.join(words)


def product_ids() -> list[str]:
    return [f"prd_{i + 1:03d}" for i in range(len(PRODUCTS))]


def product_handles() -> list[str]:
    return [ascii_slug(title) for title, *_ in PRODUCTS]


def product_price_cents() -> np.ndarray:
    return np.array([round(price * 100) for *_, price in PRODUCTS], dtype=np.int64)


def product_choice_cdfs() -> np.ndarray:
    """Cumulative product choice per preferred collection (3 x products): popular first, favourite collection x4."""
    popularity = 1.0 / np.arange(1, len(PRODUCTS) + 1) ** 0.35
    popularity = popularity[np.random.default_rng(7).permutation(len(PRODUCTS))]
    collections = np.array([COLLECTIONS.index(p[2]) for p in PRODUCTS])
    serum_boost = np.array([1.6 if p[1] == "Sérum" else 1.0 for p in PRODUCTS])
    cdfs = []
    for favourite in range(len(COLLECTIONS)):
        weights = popularity * serum_boost * np.where(collections == favourite, 4.0, 1.0)
        cdfs.append(np.cumsum(weights) / weights.sum())
    return np.vstack(cdfs)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Places:
    """Where customers live: one entry per town, with its choice weight."""

    city: list[str]
    postal_code: list[str]
    country_code: list[str]
    latitude: np.ndarray  # nan when unknown
    longitude: np.ndarray
    cdf: np.ndarray
    near_store: np.ndarray  # within 20 km of the shop
    currency: np.ndarray  # index into CURRENCIES
    tax_rate: np.ndarray
    phone_prefix: list[str]


def cities_seed_path() -> Path:
    return PROJECT_DIR / "seeds" / "cities.csv"


def load_places(path: Path | None = None) -> Places:
    """The towns customers live in: every city of the cities seed, plus a few towns it does not know."""
    path = path or cities_seed_path()
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise FileNotFoundError(f"cannot read the cities seed {path}: {exc}; it ships with the project") from exc
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["country_code"]] = totals.get(row["country_code"], 0.0) + float(row["population"])
    entries: list[tuple[str, str, str, float, float, float]] = []
    for row in rows:
        country = row["country_code"]
        weight = _COUNTRY_SHARE.get(country, 0.0) * float(row["population"]) / totals[country]
        weight += _LOCAL_BOOST.get(row["city"], 0.0)
        postal = _POSTAL_CODES.get(row["city"], "")
        entries.append((row["city"], postal, country, float(row["latitude"]), float(row["longitude"]), weight))
    for city, postal, country, lat, lon, weight in _OTHER_TOWNS:
        entries.append((city, postal, country, math.nan if lat is None else lat, math.nan if lon is None else lon,
                        weight))  # fmt: skip
    weights = np.array([e[5] for e in entries])
    weights = weights / weights.sum() * (1 - NO_CITY_SHARE)
    lat = np.array([e[3] for e in entries])
    lon = np.array([e[4] for e in entries])
    near = np.array(
        [not math.isnan(e[3]) and _haversine_km(e[3], e[4], STORE_LATITUDE, STORE_LONGITUDE) <= 20 for e in entries]
    )
    countries = [e[2] for e in entries]
    return Places(
        city=[e[0] for e in entries],
        postal_code=[e[1] for e in entries],
        country_code=countries,
        latitude=lat,
        longitude=lon,
        cdf=np.cumsum(weights),
        near_store=near,
        currency=np.array([COUNTRY_CURRENCY[c] for c in countries]),
        tax_rate=np.array([COUNTRY_TAX_RATE[c] for c in countries]),
        phone_prefix=[COUNTRY_PHONE_PREFIX[c] for c in countries],
    )
