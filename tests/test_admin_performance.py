"""The admin's lists at community size (300 rooms, 200,000 bookings): a query count that does
not grow with rooms or rows, and the overlap check answered by the exclusion constraint's
GiST index. `make bench` times them at full size; these pin what makes them fast."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import NOW, at, make_user
from spaces.models import Booking, Compound, Space, Visit

# Session, user, the compound filter, the room filter, one COUNT, the page of rows: six,
# however many rooms, compounds and bookings there are; the visit list adds its date
# hierarchy's two.
ADMIN_LIST_QUERIES = {
    "/admin/spaces/booking/": 6,
    "/admin/spaces/pendingbooking/": 6,
    "/admin/spaces/visit/": 8,
}


def add_rooms(count: int, booker) -> list[Space]:
    """`count` rooms over three compounds, each with a pending request, an approved booking,
    a past booking and a visit."""
    compounds = [Compound.objects.get_or_create(name=f"小区{i}")[0] for i in range(3)]
    first = Space.objects.count()
    rooms = Space.objects.bulk_create(
        Space(
            compound=compounds[i % 3],
            name=f"活动室{first + i}",
            kind=Space.Kind.ACTIVITY_ROOM,
            capacity=20,
        )
        for i in range(count)
    )
    bookings = []
    for room in rooms:
        for day, status in [(2, "pending"), (3, "approved"), (-2, "approved")]:
            bookings.append(
                Booking(
                    space=room,
                    booked_by=booker,
                    purpose="排练",
                    attendees=5,
                    start=at(day, 10),
                    end=at(day, 11),
                    status=status,
                )
            )
    Booking.objects.bulk_create(bookings)
    Visit.objects.bulk_create(Visit(space=room, visited_at=NOW) for room in rooms)
    return rooms


@pytest.fixture
def chief(db):
    return make_user("chief", staff=True)


@pytest.mark.parametrize("rooms", [3, 30])
@pytest.mark.parametrize("url", ADMIN_LIST_QUERIES)
def test_an_admin_list_runs_as_many_queries_for_30_rooms_as_for_3(
    client, chief, resident, frozen, django_assert_max_num_queries, rooms, url
):
    add_rooms(rooms, resident)
    client.force_login(chief)
    with django_assert_max_num_queries(ADMIN_LIST_QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200


def test_the_booking_list_costs_the_same_queries_with_ten_times_the_rooms_and_rows(
    client, chief, resident, frozen
):
    client.force_login(chief)
    counts = []
    for more in (3, 27):
        add_rooms(more, resident)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/spaces/booking/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_room_filter_names_every_room_with_its_compound(client, chief, resident, frozen):
    rooms = add_rooms(4, resident)
    client.force_login(chief)
    page = client.get("/admin/spaces/booking/").content.decode()
    for room in rooms:
        assert f"?space__id__exact={room.pk}" in page
        assert f"{room.compound.name} · {room.name}" in page
    chosen = client.get(f"/admin/spaces/booking/?space__id__exact={rooms[0].pk}")
    assert list(chosen.context["cl"].result_list) == list(
        Booking.objects.filter(space=rooms[0]).order_by("-start")
    )


def test_the_booking_list_checkboxes_still_select_bookings_for_the_actions(
    client, chief, resident, frozen
):
    add_rooms(1, resident)
    pending = Booking.objects.get(status="pending")
    client.force_login(chief)
    page = client.get("/admin/spaces/pendingbooking/").content.decode()
    assert (
        f'<input type="checkbox" name="_selected_action" value="{pending.pk}" '
        'class="action-select" aria-label="选择此对象执行操作 - ' in page
    )
    response = client.post(
        "/admin/spaces/pendingbooking/",
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Booking.Status.APPROVED


# --- the overlap check ------------------------------------------------------------------------


@pytest.fixture
def busy_room(dance_room, resident):
    """A year of the room's past bookings, as at community size, and fresh statistics, so
    the planner chooses as it would there."""
    Booking.objects.bulk_create(
        Booking(
            space=dance_room,
            booked_by=resident,
            purpose="排练",
            attendees=5,
            start=at(-day, 10),
            end=at(-day, 11),
            status="approved",
        )
        for day in range(1, 366)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Booking._meta.db_table}")
    return dance_room


def test_the_overlap_check_is_answered_by_the_exclusion_constraints_gist_index(busy_room):
    clash = Booking.objects.active().overlapping(at(3, 10), at(3, 11), space=busy_room)
    plan = clash.explain()
    # The room and the time both searched in the index, not a walk of the room's year.
    index_scan = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "booking_no_overlap" in plan
    assert "space_id" in index_scan and "&&" in index_scan, plan


def test_overlapping_counts_half_open_ranges_in_the_given_room_only(busy_room, compound, resident):
    other_room = Space.objects.create(
        compound=compound, name="会议室", kind=Space.Kind.MEETING_ROOM, capacity=10
    )
    mine, theirs = (
        Booking.objects.create(
            space=room,
            booked_by=resident,
            purpose="排练",
            attendees=5,
            start=at(3, 10),
            end=at(3, 12),
        )
        for room in (busy_room, other_room)
    )

    def clashes(start, end, space=busy_room):
        return set(Booking.objects.active().overlapping(start, end, space=space))

    assert clashes(at(3, 9), at(3, 10)) == set()  # ends as mine starts
    assert clashes(at(3, 12), at(3, 13)) == set()  # starts as mine ends
    assert clashes(at(3, 11), at(3, 13)) == {mine}
    assert clashes(at(3, 10, 30), at(3, 11)) == {mine}
    assert clashes(at(3, 8), at(3, 20)) == {mine}
    assert clashes(at(3, 11), at(3, 11)) == set()  # an empty range
    assert clashes(at(3, 11), at(3, 13), space=other_room.pk) == {theirs}
    assert set(Booking.objects.active().overlapping(at(3, 11), at(3, 13))) == {mine, theirs}
    mine.status = Booking.Status.CANCELLED
    mine.save()
    assert clashes(at(3, 11), at(3, 13)) == set()


# --- indexes for the orderings people read -----------------------------------------------------


def index_on(model, *fields: str) -> str:
    return next(index.name for index in model._meta.indexes if tuple(index.fields) == fields)


@pytest.mark.parametrize(
    "reading",
    ["booking list", "pending list", "a resident's bookings", "registration list"],
)
def test_each_admin_and_resident_list_reads_its_order_from_an_index(db, resident, frozen, reading):
    from programs.models import Registration

    lists = {
        # The admin appends "-pk" to make its order total.
        "booking list": (
            Booking.objects.order_by("-start", "-pk"),
            index_on(Booking, "start"),
        ),
        "pending list": (
            Booking.objects.filter(status="pending", start__gt=NOW).order_by("start", "pk"),
            index_on(Booking, "status", "start"),
        ),
        "a resident's bookings": (
            Booking.objects.filter(booked_by=resident).order_by("-start", "-pk"),
            index_on(Booking, "booked_by", "start"),
        ),
        "registration list": (
            Registration.objects.order_by("-created_at", "-pk"),
            index_on(Registration, "created_at"),
        ),
    }
    queryset, index = lists[reading]
    with connection.cursor() as cursor:
        # The test tables are tiny; at community size a scan and sort is what an index
        # spares, so rule the scan out and see which index the planner reaches for.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset[:100].explain()
    assert index in plan, plan


def test_the_bookings_foreign_keys_add_no_index_of_their_own(db):
    # (space, start) and (booked_by, start) lead with them; a second index on the key alone
    # would only slow every insert.
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Booking._meta.db_table)
    single_column = [
        spec["columns"] for spec in indexes.values() if spec["index"] and len(spec["columns"]) == 1
    ]
    assert ["space_id"] not in single_column
    assert ["booked_by_id"] not in single_column
