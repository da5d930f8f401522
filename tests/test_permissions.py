"""Every role against every action: in the core, and through the command line's --user."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.app import main
from desktop.models.admin import privacy
from desktop.models.admin.maintenance import vacuum
from desktop.models.catalog import routing
from desktop.models.catalog.loading import import_catalog
from desktop.models.documents import gather as documents
from desktop.models.errors import KnownError, PermissionDenied
from desktop.models.knowledge.articles import save_synonyms
from desktop.models.reports import citistat, goals
from desktop.models.requests import lifecycle
from desktop.models.requests.intake import RequestDraft, create_request
from desktop.models.residents.contacts import CallerDetails
from desktop.models.residents.merge import merge_contacts
from desktop.models.setup.first_run import complete_first_run
from desktop.models.staff import audit, permissions
from desktop.models.staff.members import create_staff
from desktop.models.storage.db import write
from desktop.models.storage.schema import StaffUser
from desktop.models.town.settings import set_settings
from desktop.models.vocab import ROLES

ROLE_NAMES = list(ROLES)


def pothole(actor: StaffUser | None = None, name: str = "Ann") -> int:
    draft = RequestDraft(
        service_type="pothole",
        description="Deep hole",
        address="12 Elm St",
        answers={"size": "small", "in_lane": "no"},
        caller=CallerDetails(name, "Lee", "555 010 2233"),
    )
    if actor is None:  # the setting of the scene, not what is tested
        with permissions.as_system():
            return int(create_request(draft, actor=None).id)
    return int(create_request(draft, actor).id)


def _resolved(_actor: StaffUser) -> int:
    rid = pothole()
    with permissions.as_system():
        lifecycle.resolve(rid, "fixed", actor=None)
    return rid


def _merge(actor: StaffUser) -> object:
    one = lifecycle.find_request(pothole(name="Ann")).contact_id
    two = lifecycle.find_request(pothole(name="Anne")).contact_id
    assert one is not None and two is not None
    return merge_contacts(one, two, actor=actor)


def _attach(actor: StaffUser) -> object:
    from desktop.models.requests.attachments import add_attachment

    return add_attachment(pothole(), "note.txt", b"hello", actor=actor)


#: action -> how the core is asked to do it (by a staff member)
CORE: dict[str, Callable[[StaffUser], object]] = {
    permissions.REQUEST_CREATE: lambda a: pothole(a),
    permissions.REQUEST_NOTE: lambda a: lifecycle.add_note(pothole(), "Cones placed", actor=a),
    permissions.REQUEST_STATUS: lambda a: lifecycle.set_priority(pothole(), "high", actor=a),
    permissions.CONTACT_EDIT: _merge,
    permissions.ATTACHMENT_EDIT: _attach,
    permissions.REQUEST_CLOSEOUT: lambda a: lifecycle.resolve(pothole(), "fixed", actor=a),
    permissions.REQUEST_ASSIGN: lambda a: lifecycle.assign(pothole(), a, actor=a),
    permissions.REQUEST_REOPEN: lambda a: lifecycle.reopen(_resolved(a), "came back", actor=a),
    permissions.ROUTING_EDIT: lambda a: routing.add_rule(routing.RuleFields("R"), actor=a),
    permissions.CATALOG_EDIT: lambda a: write(lambda: import_catalog({}, actor=a)),
    permissions.KNOWLEDGE_EDIT: lambda a: save_synonyms("rats", ["rodent"], actor=a),
    permissions.STAFF_MANAGE: lambda a: create_staff("New Person", "clerk", actor=a),
    permissions.SETTINGS_EDIT: lambda a: set_settings({"town.phone": "555"}, actor=a),
    permissions.PRIVACY_MANAGE: lambda a: privacy.anonymise(5, actor=a),
    permissions.AUDIT_VIEW: lambda a: audit.history(actor=a),
    permissions.GOALS_EDIT: lambda a: goals.set_goal("pothole", 95, 3, actor=a),
    permissions.REPORTS_VIEW: lambda a: citistat.dashboard(
        citistat.Period.month("2026-10"), actor=a
    ),
    permissions.BACKUP_MANAGE: lambda a: vacuum(a),
    permissions.REQUEST_PRINT: lambda a: documents.work_orders([pothole()], actor=a),
}
#: who sees confidential reporters is checked where they would be shown (their own tests)
ELSEWHERE = {
    permissions.CONFIDENTIAL_VIEW,
}


def test_every_action_is_covered():
    assert set(CORE) | ELSEWHERE == set(permissions.ACTIONS)


def test_the_matrix_is_the_issues():
    assert permissions.MATRIX["clerk"] == {
        "request.create",
        "request.note",
        "request.status",
        "request.print",
        "contact.edit",
        "attachment.edit",
    }
    assert permissions.MATRIX["crew_lead"] - permissions.MATRIX["clerk"] == {"request.closeout"}
    assert not permissions.role_allows("clerk", permissions.CONFIDENTIAL_VIEW)
    assert permissions.MATRIX["admin"] == set(permissions.ACTIONS)


@pytest.fixture
def people(db) -> dict[str, StaffUser]:
    admin = complete_first_run("Alder Falls", "Ada Admin", password="admin password 1")
    staff = {"admin": admin}
    for role in ROLE_NAMES:
        if role != "admin":
            staff[role] = create_staff(f"{role.title()} Person", role, actor=admin)
    return staff


@pytest.mark.parametrize("action", sorted(CORE))
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_core_enforces_every_role_on_every_action(people, role, action):
    allowed = permissions.role_allows(role, action)
    try:
        CORE[action](people[role])
    except PermissionDenied as exc:
        assert not allowed, f"{role} was refused {action}: {exc}"
        assert "may not" in str(exc)
        return
    except KnownError:
        pass  # allowed: refused for another reason (an empty catalog, say), not the role
    assert allowed, f"{role} was allowed {action}"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_confidential_reporters_only_for_roles_that_need_them(people, role):
    assert permissions.may_see_confidential(people[role]) == (role in ("supervisor", "admin"))
    assert not permissions.may_see_confidential(None)


def test_nobody_signed_in_may_change_nothing_once_sign_in_is_on(people):
    with pytest.raises(PermissionDenied, match="Sign in first"):
        documents.work_orders([1], actor=None)  # nor print a resident's details
    draft = RequestDraft(service_type="pothole", description="Hole", address="1 Elm St")
    with pytest.raises(PermissionDenied, match="Sign in first"):
        create_request(draft, actor=None)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        set_settings({"town.phone": "555"}, actor=None)
    with permissions.as_system():
        set_settings(
            {"town.phone": "555"}, actor=None
        )  # first-run setup, the scheduled anonymisation


@pytest.mark.sqlite_only
def test_backups_asked_for_and_restores_are_an_administrators(people, db, tmp_path):
    from desktop.models.admin import backups

    town, folder = Path(db.location), tmp_path / "backups"
    for role in ("clerk", "supervisor"):
        with pytest.raises(PermissionDenied, match="may not make or restore backups"):
            backups.take_backup(town, folder, actor=people[role])
    made = backups.take_backup(town, folder, actor=people["admin"])
    backups.take_backup(
        town, folder, automatic=True, actor=None
    )  # the daily one is nobody's action
    with pytest.raises(PermissionDenied, match="may not make or restore backups"):
        backups.restore(made.path, town, folder, actor=people["supervisor"])
    with pytest.raises(PermissionDenied, match="Sign in first"):
        backups.restore(made.path, town, folder, actor=None)


def test_a_role_change_takes_effect_at_once(people):
    clerk = people["clerk"]
    StaffUser.update(role="supervisor").where(StaffUser.id == clerk.id).execute()
    lifecycle.assign(pothole(), clerk, actor=clerk)  # the stale object's role is not trusted


# -- the command line ---------------------------------------------------------------------------

#: action -> the command that does it (after `request add` made 2026-00001)
CLI: dict[str, list[str]] = {
    permissions.REQUEST_CREATE: ["request", "add", "pothole", "Hole", "--address", "1 Elm St",
                                 "--attr", "size=large", "--attr", "in_lane=yes"],
    permissions.REQUEST_NOTE: ["request", "note", "2026-1", "Cones placed"],
    permissions.REQUEST_STATUS: ["request", "acknowledge", "2026-1"],
    permissions.REQUEST_CLOSEOUT: ["request", "resolve", "2026-1", "fixed"],
    permissions.REQUEST_ASSIGN: ["request", "assign", "2026-1", "nobody"],
    permissions.STAFF_MANAGE: ["users", "list"],
    permissions.AUDIT_VIEW: ["audit", "list"],
    permissions.PRIVACY_MANAGE: ["privacy", "anonymise", "--older-than", "5"],
    permissions.BACKUP_MANAGE: ["backup"],
}  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path, capsys, monkeypatch):
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    monkeypatch.setenv("FRONTCOUNTER_ADMIN_PASSWORD", "admin password 1")
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    monkeypatch.setenv("FRONTCOUNTER_PASSWORD", "admin password 1")
    for role in ROLE_NAMES:
        if role != "admin":
            monkeypatch.setenv("FRONTCOUNTER_NEW_PASSWORD", f"{role} password 1")
            argv = ["--user", "ada.admin", "users", "add", f"{role} person", "--role", role]
            assert main([*base, *argv, "--username", role]) == 0
    assert main([*base, "--user", "ada.admin", *CLI[permissions.REQUEST_CREATE]]) == 0
    capsys.readouterr()

    def run(user: str | None, password: str, *argv: str) -> tuple[int, str]:
        monkeypatch.setenv("FRONTCOUNTER_PASSWORD", password)
        code = main([*base, *(["--user", user] if user else []), *argv])
        return code, capsys.readouterr().err

    return run


@pytest.mark.parametrize("action", sorted(CLI))
@pytest.mark.parametrize("role", ROLE_NAMES)
def test_cli_enforces_every_role_on_every_action(cli, role, action):
    user = "ada.admin" if role == "admin" else role
    password = "admin password 1" if role == "admin" else f"{role} password 1"
    code, err = cli(user, password, *CLI[action])
    if permissions.role_allows(role, action):
        assert code == 0, err
    else:
        assert code == 1 and "may not" in err


def test_cli_changes_need_a_signed_in_user(cli):
    code, err = cli(None, "", "request", "note", "2026-1", "hi")
    assert code == 1 and "--user" in err
    code, err = cli("clerk", "wrong password", "request", "note", "2026-1", "hi")
    assert code == 1 and "do not match" in err
    code, _err = cli(None, "", "request", "show", "2026-1")  # reading needs nobody
    assert code == 0
    assert cli(None, "", "audit", "verify")[0] == 0


def test_cli_contact_show_leaves_a_confidential_report_to_supervisors(cli, tmp_path, capsys):
    add = ["request", "add", "noise", "Music all night", "--address", "3 Oak St"]
    add += ["--attr", "source=music_party", "--attr", "happening_now=yes"]
    who = ["--first-name", "Nell", "--last-name", "Nabors", "--phone", "555 010 4444"]
    assert cli("ada.admin", "admin password 1", *add, *who, "--confidential")[0] == 0
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]

    def shown(user: str, password: str, *argv: str) -> Any:
        os.environ["FRONTCOUNTER_PASSWORD"] = password  # (the fixture's monkeypatch undoes it)
        assert main([*base, "--user", user, *argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    (nell,) = shown("ada.admin", "admin password 1", "contact", "find", "Nabors")
    as_supervisor = shown("supervisor", "supervisor password 1", "contact", "show", str(nell["id"]))
    (report,) = as_supervisor["requests"]
    as_clerk = shown("clerk", "clerk password 1", "contact", "show", str(nell["id"]))
    assert as_clerk["requests"] == [] and as_clerk["confidential_hidden"] == 1
    assert report["tracking_number"] not in json.dumps(as_clerk)
