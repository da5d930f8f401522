"""The triage quality bar: the right type in the top 3 for 90 % of request calls, the right
article in the top 3 for 90 % of question calls, on a fresh database (starter catalog and
knowledge base only). Our own sentences live in tests/fixtures/triage_eval.json; real 311
descriptions and category names are read from ../shared/data/real311 at test time (never
copied into the repository) and skipped when that folder is absent.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from desktop.models.knowledge import triage
from desktop.models.storage.schema import FaqArticle

FIXTURE = Path(__file__).parent / "fixtures" / "triage_eval.json"
REAL311 = Path(__file__).resolve().parents[2] / "shared" / "data" / "real311"
BAR = 0.90

#: a real city's category (or category and descriptor) -> the starter types that are right for it
TREES = {"tree_trimming", "dead_tree", "tree_down_limb", "tree_planting"}
HOBOKEN = {
    "Pothole": {"pothole", "catch_basin"},
    "Broken Sidewalk": {"broken_sidewalk"},
    "Street Light or Lamp": {"street_light_out"},
    "Trees on Sidewalks": TREES,
    "Landscaping and Trees in Parks": TREES | {"park_maintenance", "tall_grass_weeds"},
    "Benches - Parks": {"park_maintenance"},
    "Street Cleaning": {"street_sweeping"},
}
BOSTON = {
    "Pothole Repair (Internal)": {"pothole"},
    "Schedule a Bulk Item Pickup SS": {"bulk_item_pickup"},
    "Sign Repair": {"sign_damaged_missing"},
    "Sidewalk Repair (Make Safe)": {"broken_sidewalk"},
    "Sidewalk Repair": {"broken_sidewalk"},
    "Tree Maintenance Requests": TREES,
    "Graffiti Removal": {"graffiti"},
    "PWD Graffiti": {"graffiti"},
    "Request for Recycling Cart": {"cart_repair_replacement"},
    "Recycling Cart Return": {"cart_repair_replacement"},
    "Empty Litter Basket": {"overflowing_litter_basket"},
    "Abandoned Vehicles": {"abandoned_vehicle"},
    "Unsatisfactory Living Conditions": {"housing_code"},
    "Pick up Dead Animal": {"dead_animal"},
    "Rodent Activity": {"rodents"},
    "Mice Infestation - Residential": {"rodents"},
    "Street Light Outages": {"street_light_out"},
    "Traffic Signal Repair": {"traffic_signal"},
    "Traffic Signal Inspection": {"traffic_signal"},
    "Heat - Excessive  Insufficient": {"no_heat_hot_water"},
    "Missing Sign": {"sign_damaged_missing"},
    "New Sign  Crosswalk or Pavement Marking": {"sign_request", "pavement_markings"},
    "Misc. Snow Complaint": {"snow_and_ice", "sidewalk_snow"},
    "Request for Snow Plowing (Emergency Responder)": {"snow_and_ice"},
    "New Tree Requests": {"tree_planting"},
    "Tree Emergencies": {"tree_down_limb"},
    "Pavement Marking Maintenance": {"pavement_markings"},
    "Catchbasin": {"catch_basin"},
    "Fire Hydrant": {"hydrant"},
    "Trash on Vacant Lot": {"junk_trash_on_property", "illegal_dumping"},
}
NYC = {
    "HEAT/HOT WATER": {"no_heat_hot_water"},
    "Noise - Residential": {"noise"},
    "Noise - Commercial": {"noise"},
    "Noise - Street/Sidewalk": {"noise"},
    "Noise - Vehicle": {"noise", "speeding_traffic_calming"},
    "Request Large Bulky Item Collection": {"bulk_item_pickup"},
    "Blocked Driveway": {"parking_complaint"},
    "Illegal Parking": {"parking_complaint"},
    "Damaged Tree": TREES,
    "Overgrown Tree/Branches": TREES,
    "Dead/Dying Tree": {"dead_tree"},
    "New Tree Request": {"tree_planting"},
    "Rodent": {"rodents"},
    "Derelict Vehicle": {"abandoned_vehicle"},
    "Derelict Vehicles": {"abandoned_vehicle"},
    "Traffic Signal Condition": {"traffic_signal"},
    "Street Light Condition": {"street_light_out"},
    "Sidewalk Condition": {"broken_sidewalk"},
    "Graffiti": {"graffiti"},
    "Animal Abuse": {"animal_welfare"},
    "Street Sign - Damaged": {"sign_damaged_missing"},
    "Missed Collection (All Materials)": {"missed_trash", "missed_recycling"},
}
LA = {
    "Bulky Items": {"bulk_item_pickup"},
    "Graffiti Removal": {"graffiti"},
    "Illegal Dumping Pickup": {"illegal_dumping"},
    "Metal/Household Appliances": {"bulk_item_pickup"},
    "Dead Animal Removal": {"dead_animal"},
    "Single Streetlight Issue": {"street_light_out"},
    "Multiple Streetlight Issue": {"street_light_out"},
}


def _own_sentences() -> list[dict[str, str]]:
    sentences: list[dict[str, str]] = json.loads(FIXTURE.read_text(encoding="utf-8"))["sentences"]
    return sentences


def _real_sentences() -> list[tuple[str, set[str]]]:
    """(what a resident or a city wrote, the right types), from the real 311 exports."""
    found: list[tuple[str, set[str]]] = []
    hoboken = REAL311 / "hoboken" / "Hoboken_20190521_publicstuff.csv"
    with hoboken.open(encoding="utf-8", newline="") as handle:
        rows = {row["ID"]: row for row in csv.DictReader(handle)}  # the export repeats records
    for row in rows.values():
        if row["Title"] in HOBOKEN and row["Description"] not in ("", "NA"):
            found.append((row["Description"], HOBOKEN[row["Title"]]))
    with (REAL311 / "nyc" / "nyc_311_2018-10-21_all_requests.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        pairs = {(r["Complaint Type"], r["Descriptor"]) for r in csv.DictReader(handle)}
    for complaint, descriptor in sorted(pairs):
        if complaint in NYC:
            found.append((f"{complaint}: {descriptor}", NYC[complaint]))
    with (REAL311 / "la" / "MyLA311_Service_Request_Data_2017_Subset.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        kinds = {r["RequestType"] for r in csv.DictReader(handle)}
    found += [(kind, LA[kind]) for kind in sorted(kinds) if kind in LA]
    boston = REAL311 / "boston" / "boston_311_2015_combined_from_per-type_files.csv"
    with boston.open(encoding="utf-8", newline="") as handle:
        kinds = {r["TYPE"] for r in csv.DictReader(handle)}
    found += [(kind, BOSTON[kind]) for kind in sorted(kinds) if kind in BOSTON]
    return found


def _hits(ranked: list[str], right: set[str]) -> tuple[bool, bool]:
    return bool(ranked[:1]) and ranked[0] in right, bool(set(ranked[:3]) & right)


def test_own_sentences_meet_the_bar(db, capsys):
    sentences = _own_sentences()
    assert len(sentences) >= 150
    titles = {a.title: a.id for a in FaqArticle.select()}
    type_hits = [0, 0, 0]
    article_hits = [0, 0, 0]
    misses = []
    for item in sentences:
        result = triage.triage(item["text"], 5)
        if "type" in item:
            first, top3 = _hits([t.code for t in result.types], {item["type"]})
            counts = type_hits
        else:
            assert item["article"] in titles, item["article"]
            ids = [str(a.id) for a in result.articles]
            first, top3 = _hits(ids, {str(titles[item["article"]])})
            counts = article_hits
        counts[0] += first
        counts[1] += top3
        counts[2] += 1
        if not top3:
            misses.append(item["text"])
    with capsys.disabled():
        print(
            f"\ntriage, own set: types hit@1 {type_hits[0] / type_hits[2]:.3f} "
            f"hit@3 {type_hits[1] / type_hits[2]:.3f} (n={type_hits[2]}); articles hit@1 "
            f"{article_hits[0] / article_hits[2]:.3f} hit@3 {article_hits[1] / article_hits[2]:.3f}"
            f" (n={article_hits[2]})"
        )
    assert type_hits[1] / type_hits[2] >= BAR, misses
    assert article_hits[1] / article_hits[2] >= BAR, misses


@pytest.mark.skipif(not REAL311.is_dir(), reason="../shared/data/real311 is not here")
def test_real_311_descriptions_meet_the_bar(db, capsys):
    sentences = _real_sentences()
    assert len(sentences) >= 100
    first = top3 = 0
    misses = []
    for text, right in sentences:
        hit1, hit3 = _hits([t.code for t in triage.triage(text, 5).types], right)
        first += hit1
        top3 += hit3
        if not hit3:
            misses.append(text[:80])
    with capsys.disabled():
        print(
            f"\ntriage, real 311: types hit@1 {first / len(sentences):.3f} "
            f"hit@3 {top3 / len(sentences):.3f} (n={len(sentences)})"
        )
    assert top3 / len(sentences) >= BAR, misses


SPANISH_FIXTURE = Path(__file__).parent / "fixtures" / "triage_eval_es.json"


def test_spanish_sentences_meet_the_bar(db, capsys):
    """Spanish callers, as they talk (regional words, no accents, typos, "el trash"): the right
    type first for 3 in 4, in the top three for 9 in 10. The sentences were written apart from
    the Spanish keywords they are measured against."""
    items = json.loads(SPANISH_FIXTURE.read_text(encoding="utf-8"))["sentences"]
    first = top3 = 0
    misses = []
    for item in items:
        ranked = [t.code for t in triage.triage(item["text"], 5).types]
        hit1, hit3 = _hits(ranked, {item["type"]})
        first += hit1
        top3 += hit3
        if not hit3:
            misses.append((item["text"], item["type"], ranked[:3]))
    with capsys.disabled():
        print(
            f"\ntriage, Spanish set: types hit@1 {first / len(items):.3f} "
            f"hit@3 {top3 / len(items):.3f} (n={len(items)})"
        )
    assert len(items) >= 150
    assert first / len(items) >= 0.75, misses
    assert top3 / len(items) >= BAR, misses


def test_a_spanish_caller_finds_the_spanish_article_and_an_english_one_the_english():
    from desktop.models.knowledge import search as kb_search
    from desktop.models.storage.schema import FaqArticle

    spanish = kb_search.search_articles("que dia pasa el camion de la vasura por mi casa", 3)
    assert spanish, "a Spanish question found nothing"
    first = FaqArticle.get_by_id(spanish[0].id)
    assert first.language == "es"
    english = kb_search.search_articles("what day is my trash picked up", 5)
    assert english and all(FaqArticle.get_by_id(h.id).language == "en" for h in english)


def test_history_teaches_triage_spanish_words_too(db):
    """A word the catalog does not know, said in Spanish requests the town saved under one
    type, leads triage to that type afterwards (learning works in both languages)."""
    from desktop.models.requests.intake import RequestDraft, create_request

    before = [t.code for t in triage.triage("me pintarrajearon el portón otra vez", 5).types]
    for n in range(6):
        draft = RequestDraft(
            "graffiti",
            f"me pintarrajearon el portón de la casa {n}",
            address=f"{n} Oak Ave",
            answers={"surface": "private", "offensive": "no"},
            safety_acknowledged=True,
        )
        create_request(draft, actor=None)
    after = triage.triage("me pintarrajearon el portón otra vez", 5).types
    assert after and after[0].code == "graffiti", (before, [t.code for t in after])
    assert any(word.startswith("pintarraj") for word, _n in after[0].learned)


def test_english_words_are_not_respelled_the_spanish_way():
    from desktop.models.knowledge import text as kb_text

    vocabulary = kb_text.Vocabulary.of(["bent rim, basura, arm"])
    assert kb_text.mend(["vent"], vocabulary) == [("vent", 1.0)]
    assert kb_text.mend(["vasura"], vocabulary, spanish=True) == [("basura", 0.85)]


def test_a_short_english_search_finds_english_articles_only(db):
    from desktop.models.knowledge import search as kb_search
    from desktop.models.storage.schema import FaqArticle

    for words in ("trash", "pothole", "dog license"):
        hits = kb_search.search_articles(words, 10)
        assert hits and all(FaqArticle.get_by_id(h.id).language == "en" for h in hits), words
    assert kb_search.read_query("bache").language == "es"
