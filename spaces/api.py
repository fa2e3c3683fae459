"""The REST API of the shared ground. Each endpoint parses input, fetches and authorises, calls
one function of spaces.services (or spaces.selectors for reads) and renders: the booking rules
live in the services only."""

from datetime import UTC, datetime, time, timedelta

from allauth.account import app_settings as account_settings
from allauth.account.utils import has_verified_email
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lixiong.api import InvalidCredentials, LocalDateTimeField, error_response
from lixiong.throttling import (
    ClientAddressThrottle,
    LoginLocked,
    login_attempt_allowed,
    login_attempt_succeeded,
)
from lixiong.timeutil import LOCAL_TZ, local_today
from lixiong.validators import validate_single_line

from . import selectors, services
from .forms import MAX_ATTENDEES, search_times
from .models import Booking, Compound, OpeningHours, Space

# --- serializers -------------------------------------------------------------------------


class CredentialsSerializer(serializers.Serializer):
    # Bounds no account reaches (usernames are at most 150 characters, emails 254), so a
    # megabyte of "username" is an input error, not a database lookup and a hash.
    username = serializers.CharField(max_length=254, help_text="The username or the email address.")
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>` with every request."
    )


class CompoundBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Compound
        fields = ["id", "name"]
        read_only_fields = fields


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.IntegerField(read_only=True, help_text="0 = Monday … 6 = Sunday.")
    opens = serializers.TimeField(
        format="%H:%M", read_only=True, help_text="Local (Asia/Shanghai) time."
    )
    closes = serializers.TimeField(
        format="%H:%M", read_only=True, help_text="Local (Asia/Shanghai) time."
    )

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class SpaceSerializer(serializers.ModelSerializer):
    compound = CompoundBriefSerializer(read_only=True)

    class Meta:
        model = Space
        fields = [
            "id",
            "compound",
            "name",
            "kind",
            "access_mode",
            "capacity",
            "slot_minutes",
            "min_minutes",
            "max_minutes",
            "bookable_days_ahead",
        ]
        read_only_fields = fields


class SpaceDetailSerializer(SpaceSerializer):
    equipment = serializers.ListField(
        child=serializers.CharField(), source="equipment_list", read_only=True
    )
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)

    class Meta(SpaceSerializer.Meta):
        fields = [*SpaceSerializer.Meta.fields, "description", "equipment", "opening_hours"]
        read_only_fields = fields


class AvailabilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="First local date (YYYY-MM-DD). Defaults to today."
    )
    days = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=selectors.MAX_DAYS,
        help_text=f"How many days from `date`, 1 to {selectors.MAX_DAYS}.",
    )

    def validate(self, attrs):
        first_day = attrs.get("date") or local_today()
        try:
            # The range has to be expressible in UTC, as the database stores it.
            for day in (first_day, first_day + timedelta(days=attrs["days"])):
                datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError({"date": [_("日期超出范围。")]}) from None
        return {"date": first_day, "days": attrs["days"]}


class SlotSerializer(serializers.Serializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    state = serializers.ChoiceField(
        choices=list(selectors.STATES),
        help_text=(
            "`free`: can be booked. `taken`: held by a pending or approved booking. "
            "`partner_window`: given to a partner agency's classes; residents cannot book it. "
            "`closed`: the room is closed (a closure), and also any slot that can no longer "
            "or not yet be booked (in the past, inside the minimum notice, or beyond the "
            "booking window)."
        ),
    )
    reason = serializers.ChoiceField(
        choices=list(selectors.REASONS),
        help_text=(
            "Why the slot is in its state. `free`; `mine`: your own booking; `taken`: someone "
            "else's; `activity`: an organiser's activity (`note` is its title); "
            "`partner_window` (`note` names the partner); `closure` (`note` is its reason); "
            "`past`; `too_soon`: inside the room's minimum notice; `beyond_window`: further "
            "ahead than the room's booking window."
        ),
    )
    note = serializers.CharField(
        help_text="The closure's reason, the partner's name or the activity's title; else empty."
    )
    why = serializers.CharField(help_text="What the slot says to a person, in their language.")

    def to_representation(self, slot):
        # The fields above describe the schema; writing a slot out through them costs DRF
        # about 24 µs a slot, most of a day of 300 rooms (3,780 slots). The shape is fixed,
        # so it is written directly, with the same local ISO 8601 times as LocalDateTimeField.
        return {
            "start": slot.start.astimezone(LOCAL_TZ).isoformat(),
            "end": slot.end.astimezone(LOCAL_TZ).isoformat(),
            "state": slot.state,
            "reason": slot.reason,
            "note": slot.note,
            "why": slot.why,
        }


class AvailabilitySerializer(serializers.Serializer):
    space = serializers.IntegerField()
    slots = SlotSerializer(many=True)


class CompoundParameterMixin:
    """A `compound` query parameter that must name an existing compound."""

    def validate_compound(self, value):
        if not Compound.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("没有这个小区。"))
        return value


class FreeRoomsQuerySerializer(CompoundParameterMixin, serializers.Serializer):
    date = serializers.DateField(help_text="Local date (YYYY-MM-DD), today or later.")
    start = serializers.TimeField(
        input_formats=["%H:%M"], help_text="Local (Asia/Shanghai) start time, HH:MM."
    )
    minutes = serializers.IntegerField(
        min_value=1, max_value=24 * 60, help_text="Length of the booking in minutes."
    )
    attendees = serializers.IntegerField(
        min_value=1, max_value=MAX_ATTENDEES, help_text="How many people will come."
    )
    kind = serializers.ChoiceField(
        choices=Space.Kind.choices, required=False, help_text="Only rooms of this kind."
    )
    compound = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Only rooms of this compound (a compound id).",
    )

    def validate(self, attrs):
        try:
            attrs["begins"], attrs["ends"] = search_times(
                attrs["date"], attrs["start"], attrs["minutes"]
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class FreeSpaceSerializer(SpaceSerializer):
    in_home_compound = serializers.BooleanField(
        read_only=True, help_text="In the signed-in resident's own compound (listed first)."
    )

    class Meta(SpaceSerializer.Meta):
        fields = [*SpaceSerializer.Meta.fields, "in_home_compound"]
        read_only_fields = fields


class FreeRoomsSerializer(serializers.Serializer):
    start = LocalDateTimeField(help_text="The time asked for: send it to POST /bookings/.")
    end = LocalDateTimeField()
    attendees = serializers.IntegerField()
    spaces = FreeSpaceSerializer(many=True)


class DayAvailabilityQuerySerializer(CompoundParameterMixin, serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="The local date (YYYY-MM-DD). Defaults to today."
    )
    compound = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this compound's rooms."
    )

    def validate_date(self, value):
        try:
            # The day has to be expressible in UTC, as the database stores it.
            for day in (value, value + timedelta(days=1)):
                datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError(_("日期超出范围。")) from None
        return value


class RoomSlotsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    compound = CompoundBriefSerializer()
    slots = SlotSerializer(many=True)


class SpaceInBookingSerializer(serializers.ModelSerializer):
    compound = CompoundBriefSerializer(read_only=True)

    class Meta:
        model = Space
        fields = ["id", "name", "compound"]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer):
    space = SpaceInBookingSerializer(read_only=True)
    start = LocalDateTimeField(read_only=True)
    end = LocalDateTimeField(read_only=True)
    created_at = LocalDateTimeField(read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "space",
            "booked_by",
            "start",
            "end",
            "purpose",
            "attendees",
            "status",
            "reason",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"booked_by": {"help_text": "The id of the user who booked."}}


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


class BookingCreateSerializer(serializers.Serializer):
    """Shape only: whether the booking is allowed is for services.booking_create to say."""

    # An id, not a related field: huge or fractional numbers are refused as input errors
    # here, and whether the room exists and takes bookings is the service's to say.
    space = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="A space id.")
    start = LocalDateTimeField(help_text="ISO 8601; without an offset it means Asia/Shanghai.")
    end = LocalDateTimeField(help_text="ISO 8601; without an offset it means Asia/Shanghai.")
    purpose = serializers.CharField(
        allow_blank=True,
        max_length=_max_length(Booking, "purpose"),
        validators=[validate_single_line],
    )
    attendees = serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=_max_length(Booking, "reason"),
        validators=[validate_single_line],
    )


class BookingListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    space = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="A space id."
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Staff: only this user's bookings (a user id).",
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Staff: only their own bookings."
    )


# --- views -------------------------------------------------------------------------------

BAD_REQUEST = error_response("Invalid input (`invalid`) or a booking rule refused it.")
UNAUTHENTICATED = error_response("Not signed in, or the token is wrong.")
FORBIDDEN = error_response("Not allowed (or a missing CSRF token with session auth).")
NOT_FOUND = error_response("No such object.")
NOT_FOUND_OR_NOT_YOURS = error_response("No such booking, or it is someone else's.")


class TokenView(APIView):
    # Credentials travel in the body: no session, so no CSRF to ask for.
    authentication_classes = []
    permission_classes = [AllowAny]
    # Passwords must not be guessable at line speed: per client address (as our proxies saw
    # it), and per login in _authenticate, whatever the address.
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        summary="Get an API token",
        description="`username` may also be the email address (case-insensitive).",
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            400: error_response("Missing fields, or `invalid_credentials`."),
            403: error_response("`email_unverified`: the email address is not confirmed yet."),
            429: error_response(
                "`throttled`: too many requests from this address; `login_locked`: too many "
                "failed logins for this username or email (even the right password is "
                "refused until the lock ends). Wait `Retry-After` seconds."
            ),
        },
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _authenticate(request, **serializer.validated_data)
        if user is None:
            raise InvalidCredentials()
        if not _email_verified_if_required(user):
            raise EmailUnverified()
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class EmailUnverified(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "email_unverified"
    default_detail = _("请先点击确认邮件中的链接验证您的邮箱，然后再获取令牌。")


def _email_verified_if_required(user) -> bool:
    """The HTML login lets nobody in before they confirm their email when verification is
    mandatory; a token must not be the way around it (someone signing up with another
    person's address)."""
    if account_settings.EMAIL_VERIFICATION != account_settings.EmailVerificationMethod.MANDATORY:
        return True
    return has_verified_email(user)


def _authenticate(request, *, username: str, password: str):
    """The user these credentials name, or None. Every attempt spends one of the login's
    failures (the budget the HTML login spends too); a right password gives it back, and a
    spent budget refuses even the right one (LoginLocked)."""
    if not login_attempt_allowed(username):
        raise LoginLocked()
    user = _check_password(request, username=username, password=password)
    if user is not None:
        login_attempt_succeeded(username)
    return user


def _check_password(request, *, username: str, password: str):
    if "@" in username:
        # Emails are matched case-insensitively, however they were stored: find the account
        # first (no password hashed), then check the password once, so a registered email
        # costs no more hashing than an unknown one (the difference would reveal accounts).
        user_model = get_user_model()
        named = (
            user_model.objects.filter(email__iexact=username)
            .order_by("pk")
            .values_list(user_model.USERNAME_FIELD, flat=True)
            .first()
        )
        username = named or username
    return authenticate(request, username=username, password=password)


@extend_schema_view(
    list=extend_schema(summary="Active spaces"),
    retrieve=extend_schema(
        summary="One active space", responses={200: SpaceDetailSerializer, 404: NOT_FOUND}
    ),
)
class SpaceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    queryset = Space.objects.filter(is_active=True).select_related("compound")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("opening_hours")
        return queryset

    def get_serializer_class(self):
        return SpaceDetailSerializer if self.action == "retrieve" else SpaceSerializer

    @extend_schema(
        summary="Slots of a space, day by day",
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def availability(self, request, pk=None):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        space = self.get_object()
        slots = selectors.space_slots(
            space=space,
            first_day=query.validated_data["date"],
            days=query.validated_data["days"],
            viewer=request.user,
        )
        return Response(AvailabilitySerializer({"space": space.pk, "slots": slots}).data)

    @extend_schema(
        summary="Rooms free for a time",
        description=(
            "Exactly the rooms where `POST /api/v1/bookings/` for this time and number of "
            "people, by the caller, would pass every booking rule right now: the same rule "
            "code decides (opening hours, slot grid, length, notice, booking window, "
            "closures, capacity, partner windows, other bookings). Signed in, the caller's "
            "own compound comes first. Anonymous callers get the rooms free by the rooms' "
            "rules, as a resident with no bookings would; the personal limit of active "
            "bookings applies to a signed-in resident only, and staff who decide on bookings "
            "are offered partner windows too, as they may book them. A room can still be "
            "taken between this answer and the booking (`slot_taken`, 409, on POST)."
        ),
        parameters=[FreeRoomsQuerySerializer],
        responses={
            200: FreeRoomsSerializer,
            400: error_response(
                "`invalid`: a parameter is missing or wrong (a past time, a bad date, "
                "0 people, a length that is not a number, an unknown compound), with the "
                "field's message; `booking_limit`: the signed-in resident already holds "
                "the most active bookings allowed, so no room can be booked."
            ),
        },
    )
    @action(detail=False, methods=["get"], url_path="free", pagination_class=None)
    def free(self, request):
        query = FreeRoomsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        spaces = selectors.free_rooms(
            user=request.user,
            start=params["begins"],
            end=params["ends"],
            attendees=params["attendees"],
            kind=params.get("kind"),
            compound=params.get("compound"),
        )
        body = {
            "start": params["begins"],
            "end": params["ends"],
            "attendees": params["attendees"],
            "spaces": spaces,
        }
        return Response(FreeRoomsSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="Bookings",
        description="A resident sees their own bookings; staff see everyone's and may filter "
        "by `user` or ask for only their own with `mine`. Newest first.",
        parameters=[BookingListQuerySerializer],
        responses={200: BookingSerializer(many=True), 400: BAD_REQUEST, 401: UNAUTHENTICATED},
    ),
    retrieve=extend_schema(
        summary="One booking",
        description="Only one's own (staff: any); other people's are not found.",
        responses={200: BookingSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND_OR_NOT_YOURS},
    ),
)
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer
    queryset = Booking.objects.select_related("space__compound")

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-start", "-pk")
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if not services.can_decide(self.request.user):
            queryset = queryset.filter(booked_by=self.request.user)
        return queryset

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = BookingListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "status" in params:
            queryset = queryset.filter(status=params["status"])
        if "space" in params:
            queryset = queryset.filter(space_id=params["space"])
        if "user" in params:
            queryset = queryset.filter(booked_by_id=params["user"])
        if params["mine"]:
            queryset = queryset.filter(booked_by=self.request.user)
        return queryset

    def _render(self, booking, code=status.HTTP_200_OK):
        return Response(BookingSerializer(booking).data, status=code)

    @extend_schema(
        summary="Request a booking",
        description="Pending until staff approve it (unless the room needs no approval). "
        "Refusals carry the rule's code, e.g. `outside_hours`, `too_soon`, `slot_taken` (409).",
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            409: error_response("`slot_taken`: the time overlaps another booking."),
        },
    )
    def create(self, request):
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        booking = services.booking_create(
            space=data["space"],
            booked_by=request.user,
            start=data["start"],
            end=data["end"],
            purpose=data["purpose"],
            attendees=data["attendees"],
            language=translation.get_language(),
        )
        return self._render(booking, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a booking",
        description="Staff cancelling someone else's booking must give a reason.",
        request=ReasonSerializer,
        responses={
            200: BookingSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            booking=self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._render(booking)

    @extend_schema(
        summary="Approve a pending booking (staff)",
        request=None,
        responses={
            200: BookingSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
            409: error_response("`slot_taken`: the time overlaps another booking."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        booking = services.booking_approve(booking=self.get_object(), by=request.user)
        return self._render(booking)

    @extend_schema(
        summary="Reject a pending booking (staff)",
        description="A reason is required (`reason_required`).",
        request=ReasonSerializer,
        responses={
            200: BookingSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_reject(
            booking=self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._render(booking)


class DayAvailabilityView(APIView):
    """Every bookable room's slots for one day: the staff's day board as data, and a
    resident's quick look across rooms. A constant number of queries however many rooms."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Slots of every bookable room for one day",
        description="Active bookable rooms (walk-in rooms have no slots), ordered by compound "
        "and name. A signed-in resident's own bookings show as `mine`.",
        parameters=[DayAvailabilityQuerySerializer],
        responses={200: RoomSlotsSerializer(many=True), 400: BAD_REQUEST},
    )
    def get(self, request):
        query = DayAvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rooms = Space.objects.filter(
            is_active=True, access_mode=Space.AccessMode.BOOKABLE
        ).select_related("compound")
        if "compound" in params:
            rooms = rooms.filter(compound_id=params["compound"])
        rooms = list(rooms)
        slots = selectors.rooms_slots(
            spaces=rooms, first_day=params.get("date") or local_today(), viewer=request.user
        )
        data = [
            {"id": room.pk, "name": room.name, "compound": room.compound, "slots": slots[room.pk]}
            for room in rooms
        ]
        return Response(RoomSlotsSerializer(data, many=True).data)
