"""The REST API of activities and their registration lists. Each endpoint parses input, fetches
and authorises, calls one function of programs.services (or programs.selectors for reads) and
renders: the seat and waitlist rules live in the services only."""

from datetime import UTC, datetime, time

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from lixiong.api import LocalDateTimeField, error_response
from lixiong.timeutil import LOCAL_TZ
from spaces.api import SpaceInBookingSerializer

from . import selectors, services
from .models import Activity, Organiser, Program, Registration, ServiceCategory

WAITLIST_PLACE_HELP = (
    "Place in the waitlist: 1 for the next person to get a seat. Only for `waitlisted`; "
    "null otherwise."
)

# --- reads -------------------------------------------------------------------------------


# --- serializers -------------------------------------------------------------------------


class OrganiserBriefSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: a second `kind` enum beside the spaces' one would need an
    # ENUM_NAME_OVERRIDES entry to keep the schema free of naming warnings.
    kind = serializers.CharField(
        read_only=True, help_text="`department`, `partner` (agency) or `association` (residents')."
    )

    class Meta:
        model = Organiser
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class ProgramBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "title"]
        read_only_fields = fields


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["id", "name"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    organiser = OrganiserBriefSerializer(read_only=True)
    program = ProgramBriefSerializer(read_only=True, allow_null=True)
    category = CategoryBriefSerializer(read_only=True)
    space = SpaceInBookingSerializer(read_only=True)
    start = LocalDateTimeField(read_only=True)
    end = LocalDateTimeField(read_only=True)
    seats_left = serializers.SerializerMethodField(
        help_text="Seats neither confirmed nor held by an open offer."
    )
    waitlist_length = serializers.IntegerField(
        read_only=True, help_text="How many registrations are waitlisted."
    )
    is_free = serializers.BooleanField(read_only=True)
    registration_opens = LocalDateTimeField(read_only=True, allow_null=True)
    registration_closes = LocalDateTimeField(read_only=True, allow_null=True)
    # The public list shows only these two; the detail may show any status.
    status = serializers.ChoiceField(
        choices=[Activity.Status.PUBLISHED, Activity.Status.FINISHED], read_only=True
    )
    share_url = serializers.SerializerMethodField(
        help_text="A short, stable link to the activity's page, for sharing in chat groups."
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "organiser",
            "program",
            "category",
            "space",
            "start",
            "end",
            "capacity",
            "seats_left",
            "waitlist_length",
            "price_fen",
            "market_price_fen",
            "is_free",
            "is_public_welfare",
            "min_age",
            "max_age",
            "audience",
            "registration_opens",
            "registration_closes",
            "max_party_size",
            "waitlist_policy",
            "status",
            "share_url",
        ]
        read_only_fields = fields

    def get_seats_left(self, activity) -> int:
        return selectors.seats_left(activity)

    @extend_schema_field(OpenApiTypes.URI)
    def get_share_url(self, activity) -> str:
        path = reverse("activity_short", args=[activity.share_code])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ActivityDetailSerializer(ActivitySerializer):
    status = serializers.ChoiceField(
        choices=Activity.Status.choices,
        read_only=True,
        help_text="`draft` is seen by the organiser only; `cancelled` stays visible.",
    )

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "description"]
        read_only_fields = fields


MAX_ID = 2**31 - 1  # the largest id an integer primary key column holds


class ActivityListQuerySerializer(serializers.Serializer):
    compound = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A compound id."
    )
    category = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A service category id."
    )
    organiser = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="An organiser id (a department, for now).",
    )
    # A missing boolean in a query string would otherwise read as False, i.e. "paid only".
    free = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="`true`: free activities only; `false`: paid ones only.",
    )

    def get_fields(self):
        # `from` is a Python keyword, so these two cannot be declared as class attributes.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False,
            source="date_from",
            help_text="Local date (YYYY-MM-DD): activities ending on or after this day.",
        )
        fields["to"] = serializers.DateField(
            required=False,
            source="date_to",
            help_text="Local date (YYYY-MM-DD): activities starting on or before this day.",
        )
        return fields

    def validate(self, attrs):
        for name, day, moment in (
            ("from", attrs.get("date_from"), time.min),
            ("to", attrs.get("date_to"), time.max),
        ):
            try:
                # The bound has to be expressible in UTC, as the database stores it.
                if day is not None:
                    datetime.combine(day, moment, tzinfo=LOCAL_TZ).astimezone(UTC)
            except OverflowError:
                raise serializers.ValidationError({name: [_("日期超出范围。")]}) from None
        return attrs


class RegisterSerializer(serializers.Serializer):
    party_size = serializers.IntegerField(
        required=False,
        default=1,
        help_text="People in the party (a parent with children signs up as one party), "
        "1 to the activity's `max_party_size`.",
    )


class RegistrationCreatedSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED], read_only=True
    )
    position = serializers.IntegerField(
        source="waitlist_place", read_only=True, allow_null=True, help_text=WAITLIST_PLACE_HELP
    )

    class Meta:
        model = Registration
        fields = ["id", "status", "position"]
        read_only_fields = fields


class ActivityBriefSerializer(serializers.ModelSerializer):
    start = LocalDateTimeField(read_only=True)
    end = LocalDateTimeField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "start", "end"]
        read_only_fields = fields


class RegistrationSerializer(serializers.ModelSerializer):
    activity = ActivityBriefSerializer(read_only=True)
    position = serializers.IntegerField(
        source="waitlist_place", read_only=True, allow_null=True, help_text=WAITLIST_PLACE_HELP
    )
    offer_expires_at = LocalDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="For `offered`: accept before this time, or the seat passes on.",
    )
    created_at = LocalDateTimeField(read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "activity",
            "party_size",
            "status",
            "position",
            "offer_expires_at",
            "attended_count",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "attended_count": {"help_text": "How many of the party came; null until marked."}
        }


# --- views -------------------------------------------------------------------------------

BAD_REQUEST = error_response("Invalid input (`invalid`) or a registration rule refused it.")
BAD_FILTER = error_response("`invalid`: a filter value is malformed; `fields` names it.")
UNAUTHENTICATED = error_response("Not signed in, or the token is wrong.")
FORBIDDEN = error_response("Not allowed (or a missing CSRF token with session auth).")
ACTIVITY_NOT_FOUND = error_response("No such activity (drafts are seen by their organiser only).")
NOT_FOUND_OR_NOT_YOURS = error_response("No such registration, or it is someone else's.")


@extend_schema_view(
    list=extend_schema(
        summary="Activities",
        description="Published and finished activities, earliest first. Public.",
        parameters=[ActivityListQuerySerializer],
        responses={200: ActivitySerializer(many=True), 400: BAD_FILTER},
    ),
    retrieve=extend_schema(
        summary="One activity",
        description="Public, except drafts, which only their organiser sees.",
        responses={200: ActivityDetailSerializer, 404: ACTIVITY_NOT_FOUND},
    ),
)
class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    queryset = Activity.objects.all()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = selectors.with_seat_counts(
                queryset.select_related("organiser", "category", "space__compound", "program")
            )
        return queryset

    def get_serializer_class(self):
        return ActivityDetailSerializer if self.action == "retrieve" else ActivitySerializer

    def get_object(self):
        activity = super().get_object()
        if activity.status == Activity.Status.DRAFT and not services.can_manage(
            self.request.user, activity.organiser_id
        ):
            raise NotFound()
        return activity

    def list(self, request):
        query = ActivityListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.activity_list(**query.validated_data))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Sign up for an activity",
        description="A free seat is `confirmed`; when the activity is full (or others are "
        "already waiting) the registration is `waitlisted` with its `position` in the waitlist "
        "(null when confirmed). Refusals carry the rule's code: `registration_closed`, "
        "`registration_not_open_yet`, `invalid_party_size`, `activity_cancelled` (400); "
        "`activity_full` (409, only where the activity keeps no waitlist) and "
        "`already_registered` (409).",
        request=RegisterSerializer,
        responses={
            201: RegistrationCreatedSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: ACTIVITY_NOT_FOUND,
            409: error_response(
                "`activity_full` (no waitlist) or `already_registered` (one live "
                "registration per resident)."
            ),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def register(self, request, pk=None):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.registration_create(
            activity=self.get_object(),
            resident=request.user,
            party_size=serializer.validated_data["party_size"],
            language=translation.get_language(),
        )
        # The service knows the new registration's place in line (`waitlist_place`).
        return Response(
            RegistrationCreatedSerializer(registration).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="My registrations",
        description="The signed-in resident's own registrations, latest activity first.",
        responses={200: RegistrationSerializer(many=True), 401: UNAUTHENTICATED},
    ),
    retrieve=extend_schema(
        summary="One of my registrations",
        description="Only one's own; other people's are not found.",
        responses={
            200: RegistrationSerializer,
            401: UNAUTHENTICATED,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    ),
)
class RegistrationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated]
    serializer_class = RegistrationSerializer
    queryset = Registration.objects.all()

    def get_queryset(self):
        queryset = selectors.with_waitlist_place(super().get_queryset().select_related("activity"))
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(resident=self.request.user).order_by("-activity__start", "-pk")

    def _render(self, registration):
        return Response(self.get_serializer(self.get_queryset().get(pk=registration.pk)).data)

    @extend_schema(
        summary="Leave an activity or its waitlist",
        description="A freed seat goes to the waitlist at once, by the activity's policy. "
        "Refused with `not_active` (already cancelled or declined) or `already_started`.",
        request=None,
        responses={
            200: RegistrationSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        registration = services.registration_cancel(registration=self.get_object(), by=request.user)
        return self._render(registration)

    @extend_schema(
        summary="Accept an offered seat",
        description="For activities that offer freed seats for a limited time (`offered`). "
        "Refused with `not_offered` or `offer_expired`.",
        request=None,
        responses={
            200: RegistrationSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        registration = services.registration_accept(registration=self.get_object(), by=request.user)
        return self._render(registration)

    @extend_schema(
        summary="Decline an offered seat",
        description="The seat passes to the next person waiting. Refused with `not_offered`.",
        request=None,
        responses={
            200: RegistrationSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            404: NOT_FOUND_OR_NOT_YOURS,
        },
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        registration = services.registration_decline(
            registration=self.get_object(), by=request.user
        )
        return self._render(registration)
