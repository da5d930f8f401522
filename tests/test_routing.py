"""Routing rules: matching, fall-backs, the supervisor's edits, order, conflicts, hostile text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.models.catalog import routing
from desktop.models.catalog.routing import RuleFields, route, words_match
from desktop.models.errors import ConflictError, InputError, NotFound
from desktop.models.requests.intake import RequestDraft, create_request, service_type_by_code
from desktop.models.residents.contacts import CallerDetails
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import write
from desktop.models.storage.schema import Department, RequestEvent, RoutingRule, StaffUser


def pothole(**changes: Any) -> RequestDraft:
    values: dict[str, Any] = {
        "service_type": "pothole",
        "description": "Deep hole near the bus stop",
        "address": "12 elm st.",
        "answers": {"size": "small", "in_lane": "no"},
        "caller": CallerDetails("Ann", "Lee"),
    }
    return RequestDraft(**(values | changes))


@pytest.fixture
def parks_lead(db):
    lead = create_staff("Pia Parks", "crew_lead", actor=None)
    write(
        lambda: (
            Department.update(default_assignee=lead.id).where(Department.code == "PRK").execute()
        )
    )
    return lead


def test_no_rules_means_the_types_own_department_and_priority(db):
    request = create_request(pothole(), actor=None)
    assert request.department.code == "DPW" and request.priority == "normal"
    created = RequestEvent.get(RequestEvent.request == request.id)
    assert "rule" not in created.body


def test_a_street_rule_routes_and_is_named_in_the_history(db, parks_lead):
    rule = routing.add_rule(
        RuleFields("Elm Street to Parks", street="Elm Street", department="prk", priority="high"),
        actor=None,
    )
    assert rule.street == "ELM ST" and rule.position == 1 and rule.version == 1
    request = create_request(pothole(address="40 Elm Street"), actor=None)
    assert request.department.code == "PRK"
    assert request.assignee_id == parks_lead.id  # the rule's department's default assignee
    assert request.priority == "high"
    created = RequestEvent.get(RequestEvent.request == request.id)
    assert created.body.endswith("Routed by rule “Elm Street to Parks”.")
    other = create_request(pothole(address="40 Oak Street"), actor=None)
    assert other.department.code == "DPW" and other.priority == "normal"


def test_the_clerks_own_priority_wins_over_a_rule(db):
    routing.add_rule(RuleFields("Urgent elms", street="elm st", priority="urgent"), actor=None)
    assert create_request(pothole(priority="low"), actor=None).priority == "low"
    assert create_request(pothole(), actor=None).priority == "urgent"


def test_every_given_condition_must_hold_and_the_first_rule_wins(db):
    boss = create_staff("Bo Boss", "supervisor", actor=None)
    routing.add_rule(
        RuleFields("Tree potholes", service_type="pothole", words="tree, root", department="PRK"),
        actor=None,
    )
    routing.add_rule(
        RuleFields("Roots anywhere", words="roots", assignee=boss.username), actor=None
    )
    routing.add_rule(RuleFields("ZIP 01234", zip="01234", priority="low"), actor=None)
    kind = service_type_by_code("pothole")
    light = service_type_by_code("street_light_out")

    by_tree = route(kind, "A TREE root lifted the road")
    assert by_tree.rule is not None and by_tree.rule.name == "Tree potholes"
    assert by_tree.department.code == "PRK" and by_tree.priority == "normal"
    # "treehouse" is not the word "tree"; the second rule wants "roots"
    assert route(kind, "behind the treehouse").rule is None
    roots = route(light, "Roots broke the light's base")
    assert roots.rule is not None and roots.rule.name == "Roots anywhere"
    assert roots.department.code == "DPW" and roots.assignee_id == boss.id
    assert route(kind, "hole", zip_code="01234-5678").priority == "low"
    assert route(kind, "hole", zip_code="012345").rule is None

    routing.move_rule(routing.list_rules()[2].id, 1, actor=None)
    assert [r.name for r in routing.list_rules()] == [
        "ZIP 01234",
        "Tree potholes",
        "Roots anywhere",
    ]
    tree_in_zip = route(kind, "tree", zip_code="01234")
    assert tree_in_zip.rule is not None and tree_in_zip.rule.name == "ZIP 01234"


def test_inactive_rules_and_departed_assignees_are_skipped(db):
    leaver = create_staff("Lee Leaving", "clerk", actor=None)
    rule = routing.add_rule(
        RuleFields("Leaver", words="hole", assignee=leaver.username), actor=None
    )
    write(lambda: StaffUser.update(active=False).where(StaffUser.id == leaver.id).execute())
    kind = service_type_by_code("pothole")
    decision = route(kind, "hole")
    assert decision.rule is not None and decision.assignee_id is None  # DPW has no default
    with pytest.raises(InputError, match="no longer works here"):
        routing.add_rule(
            RuleFields("Leaver again", words="hole", assignee=leaver.username), actor=None
        )
    routing.update_rule_fields(rule.id, active=False, actor=None)
    assert route(kind, "hole").rule is None


def test_rules_are_read_once_for_many_requests(db):
    routing.add_rule(RuleFields("Oak", street="Oak Street", department="PRK"), actor=None)
    rules = routing.active_rules()
    kind = service_type_by_code("pothole")
    decisions = [route(kind, "x", street, rules=rules) for street in ("OAK ST", "ELM ST")]
    assert [d.department.code for d in decisions] == ["PRK", "DPW"]


def test_validation_speaks_the_clerks_words_and_saves_nothing(db):
    with pytest.raises(InputError) as caught:
        routing.add_rule(RuleFields(" ", department="NOPE", service_type="unicorn"), actor=None)
    message = str(caught.value)
    assert "name" in message
    assert "no department with the code “NOPE”" in message
    assert "no request type with the code “unicorn”" in message
    with pytest.raises(InputError, match="at least one condition"):
        routing.add_rule(RuleFields("Everything to Parks", department="PRK"), actor=None)
    with pytest.raises(InputError, match="at least one outcome"):
        routing.add_rule(RuleFields("Does nothing", street="Elm Street"), actor=None)
    with pytest.raises(InputError, match="not a priority"):
        routing.add_rule(RuleFields("Odd", street="Elm Street", priority="asap"), actor=None)
    with pytest.raises(InputError, match="no staff member"):
        routing.add_rule(RuleFields("Odd", street="Elm Street", assignee="ghost"), actor=None)
    with pytest.raises(InputError, match="no letters or digits"):
        routing.add_rule(RuleFields("Odd", words="!!!, ", department="PRK"), actor=None)
    with pytest.raises(InputError, match="not a ZIP code"):
        routing.add_rule(RuleFields("Odd", zip="<script>", department="PRK"), actor=None)
    with pytest.raises(InputError, match="too long"):
        routing.add_rule(RuleFields("x" * 201, words="y" * 101, department="PRK"), actor=None)
    assert RoutingRule.select().count() == 0


def test_a_stale_edit_is_a_conflict_and_keeps_the_first_edit(db):
    rule = routing.add_rule(RuleFields("Elm", street="Elm Street", department="PRK"), actor=None)
    seen = rule.version
    routing.update_rule(
        rule.id,
        RuleFields("Elm to DPW", street="Elm St", department="DPW"),
        version=seen,
        actor=None,
    )
    with pytest.raises(ConflictError, match="Someone else changed the routing rule"):
        routing.update_rule(
            rule.id,
            RuleFields("Elm to Parks", street="Elm St", department="PRK"),
            version=seen,
            actor=None,
        )
    with pytest.raises(ConflictError):
        routing.remove_rule(rule.id, version=seen, actor=None)
    with pytest.raises(ConflictError):
        routing.move_rule(rule.id, 1, version=seen, actor=None)
    kept = routing.get_rule(rule.id)
    assert kept.name == "Elm to DPW" and kept.version == seen + 1


def test_add_at_a_position_move_and_remove_keep_the_order_dense(db):
    for name in ("A", "B", "C"):
        routing.add_rule(RuleFields(name, words=name.lower() + "word", priority="high"), actor=None)
    routing.add_rule(RuleFields("First", words="first", priority="low"), position=1, actor=None)
    assert [(r.position, r.name) for r in routing.list_rules()] == [
        (1, "First"),
        (2, "A"),
        (3, "B"),
        (4, "C"),
    ]
    first = routing.list_rules()[0]
    untouched = routing.list_rules()[1].version
    routing.move_rule(first.id, 99, actor=None)
    assert [r.name for r in routing.list_rules()] == ["A", "B", "C", "First"]
    assert routing.list_rules()[0].version == untouched  # others keep their versions
    routing.remove_rule(routing.list_rules()[1].id, actor=None)
    assert [(r.position, r.name) for r in routing.list_rules()] == [
        (1, "A"),
        (2, "C"),
        (3, "First"),
    ]
    with pytest.raises(NotFound):
        routing.remove_rule(9999, actor=None)


def test_rule_fields_round_trip(db):
    boss = create_staff("Bo Boss", "supervisor", actor=None)
    rule = routing.add_rule(
        RuleFields(
            "All",
            service_type="pothole",
            street="north main street",
            zip="01234",
            words="tree,  Root , tree",
            department="PRK",
            assignee=boss.username,
            priority="urgent",
        ),
        actor=None,
    )
    fields = routing.rule_fields(rule)
    assert fields.street == "N MAIN ST" and fields.words == "tree, Root"
    assert routing.update_rule(rule.id, fields, actor=None).version == 2
    assert "department PRK" in routing.describe_rule(rule)


HOSTILE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=60
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=HOSTILE, description=HOSTILE)
def test_hostile_words_never_break_matching(words, description):
    """Regex metacharacters, markup, control and right-to-left characters are plain text."""
    result = words_match(words, description)
    assert isinstance(result, bool)
    parts = routing.split_words(words)
    if not parts:
        assert result is False
    for part in parts:
        assert words_match(part, f"({part})")


@pytest.mark.parametrize(
    ("words", "description", "expected"),
    [
        ("c++", "my c++ book", True),
        ("a.b", "axb", False),
        (".*", "anything", False),
        ("(", "(", True),
        ("<img src=x>", "see <IMG SRC=x> here", True),
        ("fallen   tree", "a Fallen\ntree on the road", True),
        ("árbol", "ÁRBOL caído", True),
        ("tree", "street", False),
        ("\u202etree", "tree", True),
    ],
)
def test_words_are_literal_whole_words(words, description, expected):
    assert words_match(words, description) is expected


def test_a_hostile_rule_is_saved_literally_and_matches_only_itself(db):
    nasty = "<b>x</b>, ' OR 1=1 --, (a|b)*"
    rule = routing.add_rule(RuleFields("Nasty", words=nasty, department="PRK"), actor=None)
    assert rule.words == nasty
    kind = service_type_by_code("pothole")
    assert route(kind, "a or b").rule is None
    assert route(kind, "He typed ' OR 1=1 -- in the form").rule is not None


@pytest.mark.parametrize(
    ("line", "zip_code"),
    [
        ("12 Elm St, 01234", "01234"),
        ("12 Elm St, Alder Falls, CT 01234-5678", "01234"),
        ("12 Elm St., Alder Falls CT 01234", "01234"),
        ("12 Elm St", ""),
        ("01234 Elm St", ""),  # a house number, not a ZIP code
        ("12 Elm St, Apt 01234", ""),
    ],
)
def test_a_zip_code_at_the_end_of_the_address_line_is_found(line, zip_code):
    from desktop.models.town.addresses import zip_in

    assert zip_in(line) == zip_code


def test_an_area_rule_routes_a_request_whose_zip_is_on_the_address_line(db):
    routing.add_rule(
        RuleFields("North end", zip="01234", department="PRK", priority="high"), actor=None
    )
    request = create_request(pothole(address="12 Elm St, Alder Falls, CT 01234"), actor=None)
    assert request.zip == "01234" and request.address_normalized == "12 ELM ST"
    assert request.department.code == "PRK" and request.priority == "high"
    other = create_request(pothole(address="12 Elm St, 09999"), actor=None)
    assert other.zip == "09999" and other.department.code != "PRK"
