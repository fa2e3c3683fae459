"""Two partners with their agreements, for the portal and price-cap tests (import the
fixtures by name). 青少宫 holds the dance room on Wednesday evenings (conftest's window)."""

from datetime import date, time

import pytest

from conftest import at, make_user
from partners.models import Agreement, Partner
from programs.models import Organiser
from spaces.models import PartnerWindow

__all__ = [
    "agreement",
    "category_art",
    "make_partner",
    "partner",
    "partner_member",
    "post_class",
    "second_partner",
]


def make_partner(name: str, member_username: str, credit_code: str) -> Partner:
    organiser = Organiser.objects.create(name=name, kind=Organiser.Kind.PARTNER)
    organiser.members.add(make_user(member_username))
    return Partner.objects.create(
        organiser=organiser,
        name=name,
        credit_code=credit_code,
        legal_representative="林某",
        contact_name="陈老师",
        contact_phone="13800138000",
    )


@pytest.fixture
def partner(db):
    return make_partner("青少宫培训机构", "partner_qsg", "91350100M000100Y43")


@pytest.fixture
def partner_member(partner):
    return partner.organiser.members.get()


@pytest.fixture
def agreement(partner, dance_room):
    agreement = Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        valid_to=date(2027, 12, 31),
    )
    agreement.rooms.add(dance_room)
    agreement.windows.add(*dance_room.partner_windows.all())
    return agreement


@pytest.fixture
def second_partner(db, meeting_room):
    partner = make_partner("第二培训机构", "partner_second", "911100007109288314")
    agreement = Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        valid_to=date(2027, 12, 31),
    )
    agreement.rooms.add(meeting_room)
    agreement.windows.add(
        PartnerWindow.objects.create(
            space=meeting_room, weekday=2, opens=time(18), closes=time(21), holder=partner.name
        )
    )
    return partner


@pytest.fixture
def category_art(db):
    from programs.models import ServiceCategory

    return ServiceCategory.objects.create(name="书法")


@pytest.fixture
def post_class(partner, partner_member, agreement, dance_room, category_art):
    """Post a class as 青少宫 on Wednesday (day 1) 18:00-19:30 in the dance room."""
    from programs.services import activity_create

    def post(price_fen=4000, market_price_fen=8000, **fields):
        fields.setdefault("title", "少儿书法")
        fields.setdefault("category", category_art)
        fields.setdefault("capacity", 10)
        fields.setdefault("is_public_welfare", False)
        return activity_create(
            organiser=partner.organiser,
            by=partner_member,
            space=fields.pop("space", dance_room),
            start=fields.pop("start", at(1, 18)),
            end=fields.pop("end", at(1, 19, 30)),
            price_fen=price_fen,
            market_price_fen=market_price_fen,
            **fields,
        )

    return post
