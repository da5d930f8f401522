"""Residents: finding them as the clerk types, adding them inline."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import DEFAULT, _, normalize
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.residents.contacts_text import (
    format_phone,
    looks_like_email,
    looks_like_phone,
    normalize_email,
    normalize_phone,
)
from desktop.models.staff import audit
from desktop.models.storage.schema import Contact, ContactMethod, StaffUser
from desktop.models.text_clean import as_typed

MAX_FIELD = 200
#: a phone number without its area code
LOCAL_DIGITS = 7


@dataclass(frozen=True)
class CallerDetails:
    """Who called, as typed at the counter. Empty fields are simply not known."""

    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    #: the language the resident reads ("" when not said: then nothing changes)
    language: str = ""

    def is_empty(self) -> bool:
        return not any((self.first_name, self.last_name, self.phone, self.email))


def check_caller(caller: CallerDetails) -> list[str]:
    """What is wrong with the caller's details, as sentences."""
    return [sentence for sentence, _field in caller_problems(caller)]


def caller_problems(caller: CallerDetails) -> list[tuple[str, str]]:
    """What is wrong with the caller's details: (sentence, field) pairs, the field being
    first_name, last_name, phone or email."""
    problems = []
    names = (
        (_("first name"), caller.first_name, "first_name"),
        (_("last name"), caller.last_name, "last_name"),
    )
    for label, value, field in names:
        if len(value) > MAX_FIELD:
            problems.append((_("The {field} is too long.").format(field=label), field))
    if caller.phone.strip():
        digits = normalize_phone(caller.phone)
        if not 7 <= len(digits) <= 15:
            problems.append(
                (
                    _("“{phone}” is not a phone number (7 to 15 digits).").format(
                        phone=caller.phone
                    ),
                    "phone",
                )
            )
    if caller.email.strip():
        email = caller.email.strip()
        local, _at, domain = email.partition("@")
        if not local or "." not in domain or " " in email or len(email) > 254:
            problems.append((_("“{email}” is not an email address.").format(email=email), "email"))
    return problems


def find_contacts(text: str, limit: int = 20) -> list[Contact]:
    """Residents matching what the clerk typed: a phone number (all of it, its start, or the
    seven local digits without the area code), an email, or a name."""
    text = " ".join(as_typed(text).split())[: MAX_FIELD * 2]  # no name, phone or email is longer
    if len(text) < 2:
        return []
    query = Contact.select().where(Contact.merged_into.is_null(), Contact.anonymized_at.is_null())
    if looks_like_email(text):
        ids = ContactMethod.select(ContactMethod.contact).where(
            ContactMethod.kind == "email",
            ContactMethod.normalized.startswith(normalize_email(text)),
        )
        query = query.where(Contact.id.in_(ids))
    elif looks_like_phone(text):
        digits = normalize_phone(text)
        number = ContactMethod.normalized.startswith(digits)
        if len(digits) == LOCAL_DIGITS:  # "010-2233": the area code left out, as locals do
            number |= ContactMethod.normalized.endswith(digits)
        ids = ContactMethod.select(ContactMethod.contact).where(
            ContactMethod.kind == "phone", number
        )
        query = query.where(Contact.id.in_(ids))
    else:
        last, comma, first = text.partition(",")
        words = text.replace(",", " ").split()
        condition = Contact.search_name.startswith(" ".join(words).lower())
        if len(words) == 1:  # a last name alone
            condition |= Contact.last_name.startswith(words[0])
        elif comma or len(words) == 2:  # "Lee, Ann", or "Lee Ann" as a list of names writes it
            surname, given = (last.strip(), first.strip()) if comma else (words[0], words[1])
            reversed_name = Contact.last_name.startswith(surname)
            if given:
                reversed_name &= Contact.first_name.startswith(given)
            condition |= reversed_name
        query = query.where(condition)
    return list(query.order_by(Contact.search_name).limit(limit))


def one_on_file(caller: CallerDetails) -> Contact | None:
    """The one resident on file with this caller's phone number or email (None: nobody, or
    more than one, when the clerk must choose): a caller logged twice stays one resident."""
    wanted = []
    if caller.phone.strip() and len(normalize_phone(caller.phone)) >= 10:
        wanted.append(
            (ContactMethod.kind == "phone")
            & (ContactMethod.normalized == normalize_phone(caller.phone))
        )
    if caller.email.strip():
        wanted.append(
            (ContactMethod.kind == "email")
            & (ContactMethod.normalized == normalize_email(caller.email))
        )
    if not wanted:
        return None
    condition = wanted[0]
    for other in wanted[1:]:
        condition |= other
    ids = ContactMethod.select(ContactMethod.contact).where(condition)
    found = list(
        Contact.select()
        .where(Contact.id.in_(ids), Contact.merged_into.is_null(), Contact.anonymized_at.is_null())
        .limit(2)
    )
    return found[0] if len(found) == 1 else None


def get_contact(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFound(_("There is no resident with number {id}.").format(id=contact_id))
    return contact


def primary_phone(contact: Contact) -> str:
    method = _first_method(contact, "phone")
    return method.value if method else ""


def primary_email(contact: Contact) -> str:
    method = _first_method(contact, "email")
    return method.value if method else ""


def postal_lines(contact: Contact) -> list[str]:
    """The resident's name and postal address as an envelope has them (none: no address, or
    an anonymised resident)."""
    if contact.anonymized_at is not None:
        return []
    street = [line.strip() for line in contact.address.splitlines() if line.strip()]
    if not street:
        return []
    city_state = ", ".join(p.strip() for p in (contact.city, contact.state) if p.strip())
    place = " ".join(p for p in (city_state, contact.zip.strip()) if p)
    lines = [contact.display_name] if contact.display_name else []
    return lines + street + ([place] if place and place not in street else [])


def _first_method(contact: Contact, kind: str) -> ContactMethod | None:
    method: ContactMethod | None = (
        ContactMethod.select()
        .where(ContactMethod.contact == contact, ContactMethod.kind == kind)
        .order_by(ContactMethod.is_primary.desc(), ContactMethod.id)
        .first()
    )
    return method


def create_contact(caller: CallerDetails, *, actor: StaffUser | None) -> Contact:
    """Add a resident from the counter form. Call inside a write transaction."""
    problems = check_caller(caller)
    if problems:
        raise InputError(" ".join(problems))
    first, last = caller.first_name.strip(), caller.last_name.strip()
    stamp = clock.now()
    contact = Contact.create(
        first_name=first,
        last_name=last,
        search_name=f"{first} {last}".strip().lower(),
        address=caller.address.strip(),
        preferred_contact="email" if caller.email.strip() and not caller.phone.strip() else "phone",
        language=normalize(caller.language) or "",
        created_at=stamp,
        updated_at=stamp,
    )

    audit.record("contact", contact.id, "create", None, audit.snapshot(contact), actor)
    add_methods(contact, caller, actor=actor)
    return contact


def resident_language(contact: Contact | None) -> str:
    """The language a resident is written to in: theirs, else the town's usual one."""
    return (normalize(contact.language) if contact is not None else None) or DEFAULT


def remember_language(contact: Contact, language: str, *, actor: StaffUser | None) -> None:
    """Keep the language a resident reads, when the clerk said one and it is new. Call inside
    a write transaction."""
    code = normalize(language)
    if not code or code == contact.language:
        return
    before = audit.snapshot(contact)
    contact.language = code
    Contact.update(language=code, version=Contact.version + 1, updated_at=clock.now()).where(
        Contact.id == contact.id
    ).execute()
    audit.record("contact", contact.id, "update", before, audit.snapshot(contact), actor)


def add_methods(contact: Contact, caller: CallerDetails, *, actor: StaffUser | None) -> None:
    """Record a phone number or email the contact does not have yet."""
    existing = {(m.kind, m.normalized) for m in contact.methods}
    wanted = []
    if caller.phone.strip():
        wanted.append(("phone", format_phone(caller.phone), normalize_phone(caller.phone)))
    if caller.email.strip():
        wanted.append(("email", caller.email.strip(), normalize_email(caller.email)))
    for kind, value, normalized in wanted:
        if (kind, normalized) not in existing:
            method = ContactMethod.create(
                contact=contact,
                kind=kind,
                value=value,
                normalized=normalized,
                is_primary=not any(k == kind for k, _n in existing),
            )

            audit.record("contact", contact.id, "add_method", None, audit.snapshot(method), actor)
