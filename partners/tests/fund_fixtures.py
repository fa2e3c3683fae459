"""Fixtures of the revenue and fund tests: two partners, each an organiser with a member and
an agreement, and classes with paid registrations written straight to the database (the
registration rules are programs' tests' business)."""

from datetime import date, datetime, timedelta

import pytest

from conftest import make_user
from lixiong.timeutil import LOCAL_TZ
from partners.credit_code import check_character
from partners.models import Agreement, Partner
from programs.models import Activity, Organiser, Registration


def valid_code(first17: str) -> str:
    """A credit code that passes GB 32100-2015: the 17 characters and their check character."""
    return first17 + check_character(first17)


def new_partner(name: str, code: str, member: str) -> Partner:
    organiser = Organiser.objects.create(name=name, kind=Organiser.Kind.PARTNER)
    organiser.members.add(make_user(member))
    partner = Partner.objects.create(
        organiser=organiser,
        name=name,
        credit_code=code,
        legal_representative="张三",
        contact_name="李四",
        contact_phone="13800000000",
    )
    Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        valid_to=date(2028, 12, 31),
    )
    return partner


@pytest.fixture
def partner(db):
    return new_partner("青少宫培训机构", valid_code("91440605MA4W9K2L0"), "partner_qsg")


@pytest.fixture
def other_partner(db):
    return new_partner("第二培训机构", valid_code("91440605MA4W7R3N0"), "partner_second")


def member_of(partner: Partner):
    return partner.organiser.members.get()


@pytest.fixture
def make_class(category, dance_room):
    """A priced class of `partner` starting at a community time."""

    def make(partner, start: datetime, *, price_fen=4000, title="书法课", **fields):
        start = start.replace(tzinfo=LOCAL_TZ) if start.tzinfo is None else start
        return Activity.objects.create(
            organiser=partner.organiser,
            title=title,
            category=category,
            space=dance_room,
            start=start,
            end=start + timedelta(hours=1),
            capacity=20,
            price_fen=price_fen,
            market_price_fen=price_fen * 2,
            is_public_welfare=False,
            max_party_size=3,
            status=fields.pop("status", Activity.Status.PUBLISHED),
            created_by=partner.organiser.members.get(),
            **fields,
        )

    return make


_positions = iter(range(1, 10**6))


def register(activity, *, party_size=1, paid=True, status=Registration.Status.CONFIRMED):
    resident = make_user(f"resident{next(_positions)}")
    return Registration.objects.create(
        activity=activity,
        resident=resident,
        party_size=party_size,
        status=status,
        position=next(_positions),
        paid_at=activity.start if paid else None,
    )
