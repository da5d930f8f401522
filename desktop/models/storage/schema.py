"""The peewee models: the whole schema of a town's database.

The models map onto Open311 GeoReport v2 (see `open311.py`): ServiceType is a service, its
ServiceAttributes are the service definition, ServiceRequest is a request. Every editable record
carries `version` for optimistic locking (docs/RELIABILITY.md rule 5). Times are the town's local
time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from peewee import (
    SQL,
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from desktop.models import clock

#: the one database every model is bound to; `db.open_database` initialises it
database = DatabaseProxy()


class JSONField(TextField):
    """A JSON value kept as text (lists of choices, event data)."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    if TYPE_CHECKING:  # peewee adds these at run time; mypy is told here
        id: Any  # an int on a row, a field on the class

    class Meta:
        database = database
        legacy_table_names = False


class VersionedModel(BaseModel):
    """A record clerks edit: `version` goes up by one on every save (optimistic locking)."""

    version = IntegerField(default=1)
    created_at = DateTimeField(default=clock.now)
    updated_at = DateTimeField(default=clock.now)


class SchemaInfo(BaseModel):
    """Facts about the database itself: the schema version, when it was created."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()


class Setting(VersionedModel):
    """A town setting every workstation shares (town name, address, logo, retention...)."""

    key = CharField(primary_key=True, max_length=100)
    value = JSONField(null=True)
    blob = BlobField(null=True)


class StaffUser(VersionedModel):
    """A member of staff: clerk, crew lead, supervisor or administrator."""

    username = CharField(max_length=64, unique=True)
    full_name = CharField(max_length=200)
    role = CharField(max_length=20, default="clerk")
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=40, default="")
    active = BooleanField(default=True)
    password_hash = TextField(null=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)


class Department(VersionedModel):
    """A department or crew that requests are routed to (Open311's agency_responsible)."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=200)
    description = TextField(default="")
    phone = CharField(max_length=40, default="")
    email = CharField(max_length=254, default="")
    default_assignee = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    active = BooleanField(default=True)
    sort_order = IntegerField(default=0)
    #: this row's words in other languages (schema 12): {"es": {...}}, see catalog/translations.py
    translations = JSONField(default=dict, constraints=[SQL("DEFAULT '{}'")])

    if TYPE_CHECKING:
        default_assignee_id: int | None


class ServiceType(VersionedModel):
    """A kind of request a resident can make (an Open311 service)."""

    code = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    group_name = CharField(max_length=200, default="", index=True)
    department = ForeignKeyField(Department, backref="service_types", on_delete="RESTRICT")
    description = TextField(default="")
    keywords = TextField(default="")  # comma-separated, as Open311 sends them
    priority = CharField(max_length=10, default="normal")
    service_notice = TextField(default="")  # shown to residents: what happens next
    safety_notice = TextField(default="")  # shown to the clerk, must be acknowledged
    respond_amount = IntegerField(null=True)
    respond_unit = CharField(max_length=16, default="business_days")
    resolve_amount = IntegerField(null=True)
    resolve_unit = CharField(max_length=16, default="business_days")
    active = BooleanField(default=True)
    sort_order = IntegerField(default=0)
    #: the notices its residents are sent (schema 11; outbox/notices.py): a comma list of
    #: received, update, resolved, reopened; empty sends none
    notices = CharField(
        max_length=80,
        default="received,update,resolved,reopened",
        # the same default in the table as the migration gives it (schema 11's ALTER TABLE)
        constraints=[SQL("DEFAULT 'received,update,resolved,reopened'")],
    )
    #: this row's words in other languages (schema 12): {"es": {...}}, see catalog/translations.py
    translations = JSONField(default=dict, constraints=[SQL("DEFAULT '{}'")])

    if TYPE_CHECKING:
        department_id: int
        attributes: Any

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class ServiceAttribute(VersionedModel):
    """One of a type's own questions (an Open311 service-definition attribute)."""

    service_type = ForeignKeyField(ServiceType, backref="attributes", on_delete="CASCADE")
    code = CharField(max_length=64)
    label = TextField()
    datatype = CharField(max_length=20)
    required = BooleanField(default=False)
    variable = BooleanField(default=True)  # False: an informational line, not a question
    sort_order = IntegerField(default=0)
    help = TextField(default="")
    choices = JSONField(default=list)  # [{"key": ..., "name": ...}] for the list datatypes
    #: this row's words in other languages (schema 12): {"es": {...}}, see catalog/translations.py
    translations = JSONField(default=dict, constraints=[SQL("DEFAULT '{}'")])

    class Meta:
        indexes = ((("service_type", "code"), True),)


class Contact(VersionedModel):
    """A resident who called, wrote or came in."""

    first_name = CharField(max_length=100, default="")
    last_name = CharField(max_length=100, default="")
    organization = CharField(max_length=200, default="")
    search_name = CharField(max_length=300, default="", index=True)  # lower-case "first last"
    address = TextField(default="")
    city = CharField(max_length=100, default="")
    state = CharField(max_length=40, default="")
    zip = CharField(max_length=20, default="")
    preferred_contact = CharField(max_length=10, default="phone")
    notes = TextField(default="")
    anonymized_at = DateTimeField(null=True)
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL")
    #: the language the resident reads (schema 12): "" for the town's usual one (English)
    language = CharField(max_length=8, default="", constraints=[SQL("DEFAULT ''")])

    if TYPE_CHECKING:
        methods: Any
        requests: Any
        merged_into_id: int | None

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.organization


class ContactMethod(BaseModel):
    """A phone number or email address of a contact, with the form used to look it up."""

    contact = ForeignKeyField(Contact, backref="methods", on_delete="CASCADE")
    kind = CharField(max_length=10)  # phone | email
    value = CharField(max_length=254)
    normalized = CharField(max_length=254, index=True)
    label = CharField(max_length=20, default="")
    is_primary = BooleanField(default=False)


class ServiceRequest(VersionedModel):
    """A request for service, from intake to closure."""

    tracking_number = CharField(max_length=20, unique=True)
    # foreign keys whose lookups a composite index below already serves carry no index of their own
    service_type = ForeignKeyField(ServiceType, on_delete="RESTRICT", index=False)
    status = CharField(max_length=20, default="new")
    resolution = CharField(max_length=30, null=True)
    priority = CharField(max_length=10, default="normal")
    channel = CharField(max_length=12, default="phone")
    description = TextField(default="")
    address = TextField(default="")
    address_normalized = CharField(max_length=300, default="")
    street = CharField(max_length=200, default="")  # normalized street name, for "nearby"
    house_number = IntegerField(null=True)
    zip = CharField(max_length=20, default="")
    location_notes = TextField(default="")
    lat = DoubleField(null=True)
    long = DoubleField(null=True)
    contact = ForeignKeyField(
        Contact, null=True, backref="requests", on_delete="SET NULL", index=False
    )
    confidential = BooleanField(default=False)
    department = ForeignKeyField(Department, on_delete="RESTRICT", index=False)
    assignee = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    requested_at = DateTimeField(default=clock.now)
    acknowledged_at = DateTimeField(null=True)
    respond_due_at = DateTimeField(null=True)
    due_at = DateTimeField(null=True)
    paused_since = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    duplicate_of = ForeignKeyField("self", null=True, backref="duplicates", on_delete="SET NULL")
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    external_id = CharField(max_length=100, null=True)  # an id in another system (imports)
    status_notes = TextField(default="")  # the latest public update (Open311 status_notes)
    #: how its place was checked against the town's address register (schema version 10):
    #: "" not checked, point | range | intersection | place (found), unlisted (not there)
    address_status = CharField(max_length=12, default="", constraints=[SQL("DEFAULT ''")])

    if TYPE_CHECKING:
        answers: Any
        events: Any
        followers: Any
        pauses: Any
        attachments: Any
        duplicates: Any
        service_type_id: int
        department_id: int
        contact_id: int | None
        assignee_id: int | None
        duplicate_of_id: int | None
        created_by_id: int | None

    class Meta:
        indexes = (
            (("status", "due_at"), False),
            (("status", "requested_at"), False),
            (("service_type", "status"), False),
            (("department", "status"), False),
            (("assignee", "status"), False),
            (("requested_at",), False),
            # the dashboard's "resolved in the period" and "open at a moment", read from the
            # index alone (citistat.py)
            (
                (
                    "resolved_at",
                    "requested_at",
                    "due_at",
                    "service_type",
                    "department",
                    "resolution",
                ),
                False,
            ),
            (("address_normalized",), False),
            (("street", "house_number"), False),
            # an import finds what it brought in before by the source's id (schema version 9)
            (("external_id",), False),
            # a resident's other requests, newest first, without reading all of a frequent
            # caller's years of them (schema version 13; it replaced the index on contact alone)
            (("contact", "requested_at"), False),
        )


class RequestAnswer(BaseModel):
    """The answer to one of the type's questions, kept by the question's code."""

    request = ForeignKeyField(ServiceRequest, backref="answers", on_delete="CASCADE", index=False)
    attribute_code = CharField(max_length=64)
    value = JSONField()  # a string, a number, an ISO datetime, or a list of keys

    class Meta:
        indexes = ((("request", "attribute_code"), True),)


class RequestEvent(BaseModel):
    """One line in a request's history: a status change, a note, an assignment..."""

    request = ForeignKeyField(ServiceRequest, backref="events", on_delete="CASCADE", index=False)
    kind = CharField(max_length=20)
    at = DateTimeField(default=clock.now)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    public = BooleanField(default=False)
    body = TextField(default="")
    old_value = TextField(null=True)
    new_value = TextField(null=True)

    if TYPE_CHECKING:
        actor_id: int | None
        request_id: int

    class Meta:
        indexes = ((("request", "at"), False),)


class RequestFollower(BaseModel):
    """Another resident who reported the same problem: no new work, but they hear back too."""

    request = ForeignKeyField(ServiceRequest, backref="followers", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    channel = CharField(max_length=12, default="phone")
    description = TextField(default="")
    at = DateTimeField(default=clock.now)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    #: this caller asked not to be named (a neighbour complaint): only roles that may see
    #: confidential reporters see who they are (schema version 6)
    confidential = BooleanField(default=False)

    if TYPE_CHECKING:
        contact_id: int | None


class RequestPause(BaseModel):
    """A span when the request's clock stood still (waiting on the resident, parts, weather)."""

    request = ForeignKeyField(ServiceRequest, backref="pauses", on_delete="CASCADE")
    started_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    reason = CharField(max_length=200)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")


class Attachment(BaseModel):
    """A photo or document stored with a request (kept inside the database file)."""

    request = ForeignKeyField(ServiceRequest, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=255)
    media_type = CharField(max_length=100)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    data = BlobField()
    thumbnail = BlobField(null=True)
    description = TextField(default="")
    created_at = DateTimeField(default=clock.now)
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")


class FaqArticle(VersionedModel):
    """A question residents ask, with the answer the clerk gives."""

    title = TextField()
    body = TextField(default="")
    keywords = TextField(default="")
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    audience = CharField(max_length=10, default="public")  # public | staff
    active = BooleanField(default=True)  # False: archived, kept for its history
    # added in version 2 (migrations.V2_COLUMNS adds them to an older database)
    owner = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    review_by = DateField(null=True)
    source_request = ForeignKeyField(ServiceRequest, null=True, on_delete="SET NULL", backref="+")
    #: the language it is written in (schema 12): the Spanish starter articles say "es"
    language = CharField(max_length=8, default="en", constraints=[SQL("DEFAULT 'en'")])

    if TYPE_CHECKING:
        department_id: int | None
        owner_id: int | None
        source_request_id: int | None
        revisions: Any
        type_links: Any


class InfoContact(BaseModel):
    """A question answered without a request: it counts, even with nothing to follow up."""

    at = DateTimeField(default=clock.now, index=False)  # see Meta
    channel = CharField(max_length=12, default="phone")
    topic = TextField(default="")
    article = ForeignKeyField(FaqArticle, null=True, on_delete="SET NULL")
    service_type = ForeignKeyField(ServiceType, null=True, on_delete="SET NULL")
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    notes = TextField(default="")

    if TYPE_CHECKING:
        contact_id: int | None
        article_id: int | None

    class Meta:
        # by time, with the article: the dashboard counts a month's answers per article from
        # the index alone
        indexes = ((("at", "article"), False),)


class BusinessHours(BaseModel):
    """The office's open hours on one weekday (0 = Monday); minutes after midnight."""

    weekday = IntegerField()
    opens = IntegerField()
    closes = IntegerField()


class Holiday(BaseModel):
    """A day the office is closed."""

    day = DateField(unique=True)
    name = CharField(max_length=200)
    source = CharField(max_length=10, default="town")  # federal | town


class RoutingRule(VersionedModel):
    """A supervisor's rule that sends matching requests elsewhere than their type's department.

    Rules are tried in `position` order; the first whose every given condition matches wins.
    Empty conditions match anything; empty outcomes keep what the type would have given.
    """

    position = IntegerField(default=0, index=True)
    name = CharField(max_length=200, default="")
    active = BooleanField(default=True)
    service_type = ForeignKeyField(ServiceType, null=True, on_delete="CASCADE")
    street = CharField(max_length=200, default="")  # a normalized street name
    zip = CharField(max_length=20, default="")  # an area, by ZIP code
    words = TextField(default="")  # comma-separated; any of them in the description matches
    department = ForeignKeyField(Department, null=True, on_delete="CASCADE")
    assignee = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    priority = CharField(max_length=10, default="")

    if TYPE_CHECKING:
        service_type_id: int | None
        department_id: int | None
        assignee_id: int | None


class SavedView(VersionedModel):
    """A clerk's own view of the Requests list: a name and the filters behind it."""

    staff = ForeignKeyField(StaffUser, null=True, on_delete="CASCADE")
    name = CharField(max_length=100)
    filters = JSONField(default=dict)
    sort_key = CharField(max_length=32, default="requested_at")
    descending = BooleanField(default=True)

    if TYPE_CHECKING:
        staff_id: int | None


# -- knowledge base, call scripts and triage (issue 4) ----------------------------------------


class FaqRevision(BaseModel):
    """One saved version of a FAQ article: who changed it, when, and what it said then."""

    article = ForeignKeyField(FaqArticle, backref="revisions", on_delete="CASCADE", index=False)
    version = IntegerField()
    at = DateTimeField(default=clock.now)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    title = TextField()
    body = TextField(default="")
    keywords = TextField(default="")
    note = TextField(default="")  # what changed, in the editor's words

    if TYPE_CHECKING:
        actor_id: int | None

    class Meta:
        indexes = ((("article", "version"), True),)


class FaqArticleType(BaseModel):
    """A request type an article relates to: "if the caller needs this done, start one of these"."""

    article = ForeignKeyField(FaqArticle, backref="type_links", on_delete="CASCADE", index=False)
    service_type = ForeignKeyField(ServiceType, backref="article_links", on_delete="CASCADE")

    if TYPE_CHECKING:
        article_id: int
        service_type_id: int

    class Meta:
        indexes = ((("article", "service_type"), True),)


class SearchSynonym(VersionedModel):
    """Words residents use for the same thing (rats, rodent; garbage, trash, refuse): any one of
    them in a search also finds the others. The town edits these."""

    term = CharField(max_length=100, unique=True)  # lower-case
    synonyms = TextField(default="")  # comma-separated words or phrases


class CallScript(VersionedModel):
    """The steps a clerk follows for one request type: what to ask, in order, and when to divert
    the call for safety. `steps` is a list of {"ask": ..., "if_yes": ..., "urgent": bool}."""

    service_type = ForeignKeyField(
        ServiceType, backref="call_scripts", on_delete="CASCADE", unique=True
    )
    steps = JSONField(default=list)
    updated_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    #: the steps in other languages (schema 12): {"es": [{"ask": ..., "if_yes": ...}]}
    translations = JSONField(default=dict, constraints=[SQL("DEFAULT '{}'")])

    if TYPE_CHECKING:
        service_type_id: int


class TriageTerm(BaseModel):
    """How many saved requests of a type used a word (stemmed): what triage learned."""

    service_type = ForeignKeyField(ServiceType, on_delete="CASCADE", index=False)
    term = CharField(max_length=64)
    count = IntegerField(default=0)

    if TYPE_CHECKING:
        service_type_id: int

    class Meta:
        indexes = ((("term", "service_type"), True),)


class TriageTypeCount(BaseModel):
    """How many saved requests of a type triage has learned from."""

    service_type = ForeignKeyField(ServiceType, primary_key=True, on_delete="CASCADE")
    requests = IntegerField(default=0)


# -- who has the database open (sessions.py; docs/RELIABILITY.md rule 10) -----------------------


class DbSession(BaseModel):
    """A workstation that has the database open: written on open, refreshed, removed on exit."""

    token = CharField(max_length=40, unique=True)
    username = CharField(max_length=64, null=True)
    display_name = CharField(max_length=200, default="")
    workstation = CharField(max_length=200)
    pid = IntegerField()
    app_version = CharField(max_length=40, default="")
    since = DateTimeField()
    last_seen = DateTimeField(index=True)


# -- staff sign-in and the audit trail (signin.py, audit.py; issue 7) ----------------------------


class RememberToken(BaseModel):
    """ "Remember me on this PC": the token itself is only in that PC's keyring; here its hash."""

    staff = ForeignKeyField(StaffUser, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    workstation = CharField(max_length=200, default="")
    created_at = DateTimeField(default=clock.now)
    last_used = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    if TYPE_CHECKING:
        staff_id: int


class AuditRecord(BaseModel):
    """One change to a record, append-only: who, when, where, what, before and after.

    `hash` covers every other column and the previous record's hash, so an edited, deleted or
    reordered record breaks the chain (`audit.verify`)."""

    at = DateTimeField(default=clock.now, index=True)
    staff_id = IntegerField(null=True, index=True)  # not a foreign key: the record outlives users
    username = CharField(max_length=64, default="")
    workstation = CharField(max_length=200, default="")
    table_name = CharField(max_length=64)
    record_id = CharField(max_length=64, default="")
    action = CharField(max_length=40)
    before = TextField(null=True)  # JSON
    after = TextField(null=True)  # JSON
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64, unique=True)

    class Meta:
        indexes = ((("table_name", "record_id"), False),)


# -- the dashboard's goals (goals.py; issue 8) ------------------------------------------------


class ServiceGoal(VersionedModel):
    """A supervisor's target for a type: e.g. 95 % of potholes resolved within 3 business days."""

    service_type = ForeignKeyField(ServiceType, backref="+", on_delete="CASCADE", unique=True)
    share = DoubleField()  # 0.95
    within_amount = IntegerField()  # 3
    within_unit = CharField(max_length=20, default="business_days")  # or business_hours
    active = BooleanField(default=True)

    if TYPE_CHECKING:
        service_type_id: int


class TrackingCounter(BaseModel):
    """The last tracking number handed out in a year (2026-00042 is year 2026, number 42)."""

    year = IntegerField(primary_key=True)
    last = IntegerField(default=0)


class RequestLink(BaseModel):
    """Two requests about related problems (a water main break and the pothole it left), both
    kept open: unlike a duplicate, neither is closed by the link (schema version 7). Each pair
    is kept once, the lower id first."""

    request = ForeignKeyField(ServiceRequest, backref="+", on_delete="CASCADE")
    other = ForeignKeyField(ServiceRequest, backref="+", on_delete="CASCADE")
    at = DateTimeField(default=clock.now)
    actor = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("request", "other"), True), (("other",), False))

    if TYPE_CHECKING:
        request_id: int
        other_id: int


class PartnerKey(BaseModel):
    """A key that lets a partner's system (the town's website form, a neighbouring town, an
    app) post requests through the Open311 endpoint (schema version 8). Only a hash of the key
    is kept: the key itself is shown once, when it is made."""

    name = CharField(max_length=100, unique=True)
    key_hash = CharField(max_length=64, unique=True)
    #: the key's first characters, so an administrator can tell keys apart
    key_start = CharField(max_length=12)
    #: the request types it may post (codes); None: every active type
    service_codes = JSONField(null=True)
    #: posts it may make in a minute
    per_minute = IntegerField(default=60)
    created_at = DateTimeField(default=clock.now)
    created_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    revoked_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)

    if TYPE_CHECKING:
        created_by_id: int | None


class WebSubmission(BaseModel):
    """A request posted through the Open311 endpoint, waiting for a clerk when the town reviews
    web requests first (schema version 8): accepted, merged into another, or rejected."""

    token = CharField(max_length=40, unique=True)
    partner = CharField(max_length=100)
    received_at = DateTimeField(default=clock.now)
    #: the checked post: type, description, place, answers, the resident's details
    fields = JSONField()
    state = CharField(max_length=12, default="waiting", index=True)
    request = ForeignKeyField(ServiceRequest, null=True, on_delete="SET NULL", backref="+")
    reason = TextField(default="")
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")

    if TYPE_CHECKING:
        request_id: int | None


class ImportProfile(VersionedModel):
    """How one source system's files are read (schema version 9): which column holds which
    field, and what its request types and statuses are here. Saved by name, so the next file
    from the same system comes in the same way."""

    name = CharField(max_length=60, unique=True)
    #: {"fields": {field: column}, "types": {source type: code}, "statuses": {word: status}}
    mapping = JSONField(default=dict)


class ImportBatch(BaseModel):
    """One import of a file of requests (schema version 9): what it read, what it brought in,
    and whether it was undone. Its rows (`ImportedRow`) say which requests it made or changed,
    so an undo takes back exactly those nobody has touched since."""

    source = CharField(max_length=40)  # the system's name, the prefix of its external ids
    file_name = CharField(max_length=260)
    file_hash = CharField(max_length=64, index=True)
    #: running (or stopped by a crash) | done | cancelled | undone
    state = CharField(max_length=12, default="running")
    #: the fields, types and statuses it used, and the request types it had to make
    mapping = JSONField(default=dict)
    rows = IntegerField(default=0)
    #: rows read and saved so far: where a stopped import carries on
    rows_done = IntegerField(default=0)
    imported = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    #: [{"row": n, "reason": text}]: rows not imported, and rows imported with a doubt
    rejected = JSONField(default=list)
    flagged = JSONField(default=list)
    started_at = DateTimeField(default=clock.now)
    finished_at = DateTimeField(null=True)
    undone_at = DateTimeField(null=True)
    started_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")

    if TYPE_CHECKING:
        started_by_id: int | None


class ImportedRow(BaseModel):
    """A request an import made or changed (schema version 9), with its version just after."""

    batch = ForeignKeyField(ImportBatch, backref="+", on_delete="CASCADE")
    request = ForeignKeyField(ServiceRequest, null=True, on_delete="SET NULL", backref="+")
    row = IntegerField()
    action = CharField(max_length=10)  # created | updated
    version = IntegerField()
    #: an update's earlier values, put back by an undo
    before = JSONField(null=True)
    #: the resident it added (taken back by an undo when no other request names them)
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("batch", "row"), False),)

    if TYPE_CHECKING:
        batch_id: int
        request_id: int | None
        contact_id: int | None


class AddressPoint(BaseModel):
    """One address of the town's register (schema version 10): an E911 site point, an
    assessor's point, a line of OpenAddresses. The register is replaced whole by an import."""

    number = IntegerField(null=True)  # 755
    number_text = CharField(max_length=20, default="")  # as the county writes it: 755, 12A
    street = CharField(max_length=200, index=True)  # canonical: W DRY CREEK RD
    unit = CharField(max_length=40, default="")
    city = CharField(max_length=100, default="")
    zip = CharField(max_length=20, default="")
    #: the whole address, canonical (town/addresses.normalize_address): 755 W DRY CREEK RD # 3
    normalized = CharField(max_length=300, index=True)
    lat = DoubleField()
    long = DoubleField()
    source_id = CharField(max_length=60, default="")


class StreetSegment(BaseModel):
    """A piece of a street's centerline with the house numbers along each side (schema 10):
    an address with no point of its own is placed along it."""

    street = CharField(max_length=200, index=True)  # canonical, as AddressPoint.street
    left_from = IntegerField(null=True)
    left_to = IntegerField(null=True)
    right_from = IntegerField(null=True)
    right_to = IntegerField(null=True)
    zip_left = CharField(max_length=20, default="")
    zip_right = CharField(max_length=20, default="")
    #: the line, [[lat, long], ...] from its "from" end to its "to" end
    points = JSONField()
    min_lat = DoubleField()
    max_lat = DoubleField()
    min_long = DoubleField()
    max_long = DoubleField()
    source_id = CharField(max_length=60, default="")


class NamedPlace(VersionedModel):
    """A place the town calls by name (schema 10): the library, Memorial Park."""

    name = CharField(max_length=200, unique=True)
    #: other names it goes by, comma-separated ("town library, public library")
    aliases = TextField(default="")
    address = CharField(max_length=300, default="")
    lat = DoubleField()
    long = DoubleField()


class OutboxMessage(BaseModel):
    """A notice to a resident (schema version 11): an email to send or a letter to print,
    queued in the same transaction as the change it tells of, and shared by every workstation.
    Sending claims it with a lease (outbox/delivery.py), so two workstations never send one."""

    request = ForeignKeyField(ServiceRequest, null=True, on_delete="CASCADE", backref="+")
    contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL", backref="+")
    kind = CharField(max_length=20)  # received | update | resolved | reopened | test
    channel = CharField(max_length=10)  # email | letter
    language = CharField(max_length=10, default="en")
    #: the email address, or the letter's address lines (one a line)
    to_address = TextField(default="")
    subject = TextField(default="")
    body = TextField(default="")
    #: the email's Message-ID, made when it is queued: the same on every try
    message_id = CharField(max_length=200, unique=True)
    #: queued | sending | handed (the message was handed over; the server's answer not yet
    #: recorded) | sent | failed | cancelled | printed
    state = CharField(max_length=12, default="queued")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    lease_owner = CharField(max_length=80, default="")
    lease_until = DateTimeField(null=True)
    #: why the last try failed, in the clerk's words
    last_error = TextField(default="")
    #: what the server said when it took the message (or printed: when it was printed)
    server_answer = TextField(default="")
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("state", "next_attempt_at"), False), (("request",), False))

    if TYPE_CHECKING:
        request_id: int | None
        contact_id: int | None


MODELS: tuple[type[BaseModel], ...] = (
    SchemaInfo,
    Setting,
    StaffUser,
    Department,
    ServiceType,
    ServiceAttribute,
    Contact,
    ContactMethod,
    ServiceRequest,
    RequestAnswer,
    RequestEvent,
    RequestFollower,
    RequestPause,
    Attachment,
    FaqArticle,
    InfoContact,
    BusinessHours,
    Holiday,
    TrackingCounter,
    RoutingRule,
    SavedView,
    FaqRevision,
    FaqArticleType,
    SearchSynonym,
    CallScript,
    TriageTerm,
    TriageTypeCount,
    DbSession,
    RememberToken,
    AuditRecord,
    ServiceGoal,
    RequestLink,
    PartnerKey,
    WebSubmission,
    ImportProfile,
    ImportBatch,
    ImportedRow,
    AddressPoint,
    StreetSegment,
    NamedPlace,
    OutboxMessage,
)

#: the tables schema version 2 added (migration step 2 creates them in an older database)
ADDED_IN_V2: tuple[type[BaseModel], ...] = (
    RoutingRule,
    SavedView,
    FaqRevision,
    FaqArticleType,
    SearchSynonym,
    CallScript,
    TriageTerm,
    TriageTypeCount,
)

#: the tables schema version 3 added: who has the file open, sign-in, the audit trail
ADDED_IN_V3: tuple[type[BaseModel], ...] = (
    DbSession,
    RememberToken,
    AuditRecord,
    ServiceGoal,
)


def rows_of(query: Any) -> list[tuple[Any, ...]]:
    """A query's rows as plain tuples (peewee's stubs type `.tuples()` rows as models)."""
    return [tuple(row) for row in query.tuples()]
