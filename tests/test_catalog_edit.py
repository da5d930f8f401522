"""Editing the catalog after first run: request types, their questions and departments."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop.models.catalog import departments as depts
from desktop.models.catalog import questions, routing, types
from desktop.models.catalog.departments import DepartmentFields
from desktop.models.catalog.questions import QuestionFields
from desktop.models.catalog.types import TypeFields
from desktop.models.errors import ConflictError, InputError, NotFound, PermissionDenied
from desktop.models.knowledge.triage import suggest_service_types
from desktop.models.requests.detail import load_request_detail
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.requests.lookups import active_types, find_types
from desktop.models.residents.contacts import CallerDetails
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff import permissions
from desktop.models.staff.members import create_staff
from desktop.models.storage.schema import AuditRecord, ServiceRequest, StaffUser
from desktop.models.vocab import ROLES


def pothole_request(size: str = "large") -> ServiceRequest:
    draft = RequestDraft(
        service_type="pothole",
        description="Deep hole by the school",
        address="12 Elm St",
        answers={"size": size, "in_lane": "yes"},
        caller=CallerDetails("Ann", "Lee", "555 010 2233"),
    )
    return create_request(draft, actor=None)


def audited(table: str, record_id: str) -> list[str]:
    return [
        r.action
        for r in AuditRecord.select()
        .where(AuditRecord.table_name == table, AuditRecord.record_id == record_id)
        .order_by(AuditRecord.id)
    ]


# -- request types ------------------------------------------------------------------------------


def test_a_type_is_edited_field_by_field_and_audited(db):
    before = types.get_type("pothole")
    saved = types.change_type(
        "pothole",
        name="Pothole or sinkhole",
        department="PRK",
        resolve_amount=3,
        resolve_unit="business_days",
        keywords="pothole, sinkhole, Pothole, ",
        priority="high",
        safety_notice="Ask whether a car is stuck in it.",
        actor=None,
    )
    assert saved.version == before.version + 1
    assert (saved.name, saved.department.code, saved.resolve_amount) == (
        "Pothole or sinkhole",
        "PRK",
        3,
    )
    assert saved.keyword_list() == ["pothole", "sinkhole"]  # repeats and empties dropped
    assert saved.priority == "high"
    assert audited("service_type", "pothole") == ["update"]
    record = AuditRecord.get(AuditRecord.table_name == "service_type")
    assert "Pothole or sinkhole" in str(record.after) and '"Pothole"' in str(record.before)


def test_the_new_department_and_targets_apply_to_new_requests_only(db):
    old = pothole_request()
    types.change_type("pothole", department="PRK", resolve_amount=2, actor=None)
    new = pothole_request()
    assert ServiceRequest.get_by_id(old.id).department.code == "DPW"
    assert new.department.code == "PRK"
    old_due, new_due = ServiceRequest.get_by_id(old.id).due_at, new.due_at
    assert old_due is not None and new_due is not None and new_due < old_due


def test_a_stale_version_is_a_conflict_and_the_first_edit_is_kept(db):
    seen = types.get_type("pothole").version
    types.change_type("pothole", name="Pothole (Ana's edit)", version=seen, actor=None)
    with pytest.raises(ConflictError, match="Someone else changed the request type"):
        types.update_type(
            "pothole", replace(types.type_fields(types.get_type("pothole")), name="Mine"),
            version=seen,
            actor=None,
        )  # fmt: skip
    assert types.get_type("pothole").name == "Pothole (Ana's edit)"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"name": "  "}, "Give the request type a name"),
        ({"name": "x" * 201}, "too long"),
        ({"name": "Graffiti"}, "already called “Graffiti”"),
        ({"department": "NOPE"}, "no department with the code “NOPE”"),
        ({"department": ""}, "Choose the department"),
        ({"priority": "whenever"}, "not a priority"),
        ({"resolve_amount": 0}, "at least 1"),
        ({"resolve_amount": 5000, "resolve_unit": "business_hours"}, "at most"),
        ({"resolve_unit": "fortnights"}, "business hours or business days"),
        ({"respond_amount": 9, "resolve_amount": 2}, "longer than the resolve target"),
        ({"keywords": ",".join(f"w{i}" for i in range(70))}, "keywords at most"),
        ({"description": "x" * 5000}, "too long"),
    ],
)
def test_bad_type_fields_are_explained_and_nothing_is_saved(db, changes, complaint):
    before = types.get_type("pothole")
    with pytest.raises(InputError, match=complaint):
        types.change_type("pothole", actor=None, **changes)
    after = types.get_type("pothole")
    assert (after.version, after.name) == (before.version, before.name)


def test_every_problem_is_said_at_once(db):
    fields = replace(types.type_fields(types.get_type("pothole")), name="", priority="soon")
    with pytest.raises(InputError) as caught:
        types.update_type("pothole", fields, actor=None)
    assert "name" in str(caught.value) and "priority" in str(caught.value)


def test_a_new_type_needs_a_fresh_valid_code(db):
    fields = TypeFields(name="Leaf pickup request", department="SAN", resolve_amount=5)
    made = types.add_type("Leaf_Pickup_Request", fields, actor=None)
    assert made.code == "leaf_pickup_request" and made.active
    assert audited("service_type", "leaf_pickup_request") == ["create"]
    with pytest.raises(InputError, match="already the request type"):
        types.add_type("pothole", replace(fields, name="Another"), actor=None)
    with pytest.raises(InputError, match="cannot be a request type's code"):
        types.add_type("leaf pickup!", replace(fields, name="Another"), actor=None)
    assert any(t.code == "leaf_pickup_request" for t in find_types("leaf pickup"))


def test_a_retired_type_leaves_the_picker_and_triage_but_old_requests_keep_it(db):
    old = pothole_request()
    types.change_type("pothole", active=False, actor=None)
    assert "pothole" not in {t.code for t in active_types()}
    assert "pothole" not in {t.code for t in find_types("pothole")}
    assert "pothole" not in {t.code for t, _score in suggest_service_types("a pothole in the road")}
    with pytest.raises(InputError, match="no request type with the code"):
        pothole_request()
    detail = load_request_detail(old.id, actor=None)
    assert detail.service_type == "Pothole"
    assert {a.label for a in detail.answers} >= {"About how big is it?"}
    types.change_type("pothole", active=True, actor=None)
    assert pothole_request().service_type.code == "pothole"


def test_target_as_typed(db):
    assert types.parse_target("3 business days") == (3, "business_days")
    assert types.parse_target("16 business_hours") == (16, "business_hours")
    assert types.parse_target("2 days") == (2, "business_days")
    assert types.parse_target("4h") == (4, "business_hours")
    assert types.parse_target("none") == (None, "business_days")
    with pytest.raises(InputError, match="not a target"):
        types.parse_target("3 weeks")


def test_the_default_assignee_is_the_departments(db):
    pat = create_staff("Pat Crew", "crew_lead", actor=None)
    depts.change_department("DPW", default_assignee="pat.crew", actor=None)
    assert types.default_assignee(types.get_type("pothole")) == pat
    assert pothole_request().assignee_id == pat.id


# -- questions ----------------------------------------------------------------------------------


def test_a_question_is_added_edited_moved_and_asked_at_the_counter(db):
    added = questions.add_question(
        "pothole",
        "depth",
        QuestionFields(
            "How deep is it?", "singlevaluelist", True,
            choices=questions.parse_choices("Ankle deep\nknee = Knee deep"),
        ),
        position=1,
        actor=None,
    )  # fmt: skip
    assert added.choices == [
        {"key": "ankle_deep", "name": "Ankle deep"},
        {"key": "knee", "name": "Knee deep"},
    ]
    assert [q.code for q in questions.questions("pothole")] == ["depth", "size", "in_lane"]
    with pytest.raises(InputError, match="Answer the required question “How deep is it\\?”"):
        pothole_request()
    questions.change_question("pothole", "depth", required=False, label="How deep?", actor=None)
    questions.move_question("pothole", "depth", 3, actor=None)
    assert [q.code for q in questions.questions("pothole")] == ["size", "in_lane", "depth"]
    assert [q.sort_order for q in questions.questions("pothole")] == [0, 1, 2]
    pothole_request()
    assert audited("service_attribute", "pothole/depth") == ["create", "update", "move"]


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        (QuestionFields(""), "Write the question"),
        (QuestionFields("Which?", "singlevaluelist"), "needs its choices"),
        (QuestionFields("Which?", "colour"), "not a kind of answer"),
        (QuestionFields("Which?", "multivaluelist", choices=(("a", "A"), ("a", "B"))), "twice"),
        (QuestionFields("Which?", "singlevaluelist", choices=(("A B", "x"),)), "choice's key"),
    ],
)
def test_bad_questions_are_explained(db, fields, complaint):
    with pytest.raises(InputError, match=complaint):
        questions.add_question("pothole", "which", fields, actor=None)
    assert "which" not in {q.code for q in questions.questions("pothole")}


def test_question_codes_are_checked(db):
    with pytest.raises(InputError, match="already has a question “size”"):
        questions.add_question("pothole", "size", QuestionFields("Size?"), actor=None)
    with pytest.raises(InputError, match="cannot be a question's code"):
        questions.add_question("pothole", "9lives", QuestionFields("Lives?"), actor=None)


def test_an_unanswered_question_is_removed(db):
    questions.add_question("pothole", "depth", QuestionFields("How deep?"), actor=None)
    questions.remove_question("pothole", "depth", actor=None)
    assert [q.code for q in questions.questions("pothole")] == ["size", "in_lane"]
    assert audited("service_attribute", "pothole/depth") == ["create", "delete"]
    with pytest.raises(NotFound):
        questions.get_question("pothole", "depth")


def test_an_answered_question_stays_and_keeps_its_kind_and_used_choices(db):
    pothole_request("large")
    size = questions.get_question("pothole", "size")
    with pytest.raises(InputError, match="answered on 1 request, so it stays"):
        questions.remove_question("pothole", "size", actor=None)
    with pytest.raises(InputError, match="its kind of answer stays “Pick one”"):
        questions.change_question("pothole", "size", datatype="number", actor=None)
    with pytest.raises(InputError, match="“Larger than a car tire” was picked"):
        questions.change_question(
            "pothole", "size", choices=(("small", "Small"), ("medium", "Medium")), actor=None
        )
    # renaming a picked choice, dropping one nobody picked, making it optional: all fine
    saved = questions.change_question(
        "pothole",
        "size",
        required=False,
        choices=(("small", "Small"), ("large", "Larger than a tire")),
        actor=None,
    )
    assert saved.version == size.version + 1 and not saved.required
    assert questions.answer_count(saved) == 1
    assert questions.get_question("pothole", "size").code == "size"


def test_short_and_long_text_read_the_same(db):
    questions.add_question(
        "pothole", "note", QuestionFields("Anything else?", "string"), actor=None
    )
    draft = RequestDraft(
        service_type="pothole",
        description="Hole",
        address="1 Elm St",
        answers={"size": "small", "in_lane": "no", "note": "by the school"},
    )
    create_request(draft, actor=None)
    assert (
        questions.change_question("pothole", "note", datatype="text", actor=None).datatype == "text"
    )


def test_a_stale_question_is_a_conflict(db):
    seen = questions.get_question("pothole", "size").version
    questions.change_question("pothole", "size", label="Size?", version=seen, actor=None)
    with pytest.raises(ConflictError, match="the question “Size\\?”"):
        questions.change_question("pothole", "size", label="How big?", version=seen, actor=None)
    with pytest.raises(ConflictError):
        questions.remove_question("pothole", "in_lane", version=0, actor=None)
    assert questions.get_question("pothole", "in_lane")


# -- departments --------------------------------------------------------------------------------


def test_a_department_is_added_and_edited(db):
    made = depts.add_department(
        "fire", DepartmentFields("Fire Department", "(555) 010-9000", "fire@alder.gov"), actor=None
    )
    assert made.code == "FIRE"
    with pytest.raises(InputError, match="already the department"):
        depts.add_department("FIRE", DepartmentFields("Fire again"), actor=None)
    pat = create_staff("Pat Crew", "crew_lead", actor=None)
    saved = depts.change_department(
        "FIRE", default_assignee="Pat.Crew", phone="555 010 9001", actor=None
    )
    assert saved.default_assignee_id == pat.id and saved.version == made.version + 1
    assert audited("department", "FIRE") == ["create", "update"]


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"name": ""}, "Give the department a name"),
        ({"name": "Parks, Recreation & Trees"}, "already called"),
        ({"phone": "call us"}, "not a phone number"),
        ({"email": "dpw at town"}, "not an email address"),
        ({"default_assignee": "nobody.here"}, "no staff member"),
    ],
)
def test_bad_department_fields_are_explained(db, changes, complaint):
    with pytest.raises(InputError, match=complaint):
        depts.change_department("DPW", actor=None, **changes)


def test_a_department_that_left_staff_cannot_be_made_default(db):
    pat = create_staff("Pat Crew", "crew_lead", actor=None)
    StaffUser.update(active=False).where(StaffUser.id == pat.id).execute()
    with pytest.raises(InputError, match="no longer works here"):
        depts.change_department("DPW", default_assignee="pat.crew", actor=None)


def test_a_department_is_retired_only_when_nothing_sends_work_to_it(db):
    with pytest.raises(InputError, match=r"Public Works still has \d+ active request types"):
        depts.change_department("DPW", active=False, actor=None)
    for kind in types.list_types():
        if kind.department.code == "ANI":
            types.change_type(kind.code, department="PD", actor=None)
    rule = routing.add_rule(
        routing.RuleFields("Dogs at the park", words="dog", department="ANI"), actor=None
    )
    with pytest.raises(InputError, match="routing rule “Dogs at the park” sends requests"):
        depts.change_department("ANI", active=False, actor=None)
    routing.update_rule_fields(rule.id, active=False, actor=None)
    assert not depts.change_department("ANI", active=False, actor=None).active
    with pytest.raises(InputError, match="Animal Control is retired"):
        types.change_type("loose_dog", department="ANI", actor=None)
    assert types.type_counts_by_department()[depts.get_department("ANI").id] == 0


# -- who may ------------------------------------------------------------------------------------


@pytest.fixture
def people(db) -> dict[str, StaffUser]:
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    staff = {"admin": admin}
    for role in ROLES:
        if role != "admin":
            staff[role] = create_staff(f"{role.title()} Person", role, actor=admin)
    return staff


CHANGES = {
    "type": lambda a: types.change_type("pothole", name="Pothole!", actor=a),
    "add type": lambda a: types.add_type("x1", TypeFields("X one", "DPW"), actor=a),
    "question": lambda a: questions.add_question(
        "pothole", "depth", QuestionFields("Deep?"), actor=a
    ),
    "department": lambda a: depts.change_department("DPW", phone="555 0101", actor=a),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("role", list(ROLES))
def test_supervisors_and_administrators_edit_the_catalog(people, role, change):
    if permissions.role_allows(role, permissions.CATALOG_EDIT):
        CHANGES[change](people[role])
        assert AuditRecord.select().where(AuditRecord.staff_id == people[role].id).exists()
        return
    before = AuditRecord.select().count()
    with pytest.raises(PermissionDenied, match="may not change the request types"):
        CHANGES[change](people[role])
    assert AuditRecord.select().count() == before
    assert "depth" not in {q.code for q in questions.questions("pothole")}
    assert types.get_type("pothole").name == "Pothole"


def test_nobody_signed_in_changes_nothing(people):
    with pytest.raises(PermissionDenied, match="Sign in first"):
        types.change_type("pothole", name="Hole", actor=None)
