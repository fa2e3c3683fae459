"""The REST API of the partners app. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from lixiong.api import LocalDateTimeField, error_response
from lixiong.validators import validate_single_line
from programs import services as program_services
from programs.api import ActivityDetailSerializer
from programs.models import Activity, ServiceCategory
from programs.selectors import with_seat_counts
from spaces.models import Space

from . import selectors

MAX_FEN = 2**31 - 1  # what the activity's price columns hold
# What a partner may post an activity as (named PartnerActivityStatusEnum in the schema).
PARTNER_ACTIVITY_STATUSES = [Activity.Status.DRAFT, Activity.Status.PUBLISHED]


class IsPartnerMember(BasePermission):
    """A member of an admitted partner's organiser (its token or session)."""

    message = "Only the accounts of an admitted partner enterprise may use this endpoint."

    def has_permission(self, request, view) -> bool:
        request.partner = selectors.partner_of(request.user)
        return request.partner is not None


class PartnerActivityInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, validators=[validate_single_line])
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=ServiceCategory.objects.filter(is_active=True), help_text="A category id."
    )
    space = serializers.PrimaryKeyRelatedField(
        queryset=Space.objects.all(), help_text="A room of the partner's agreement."
    )
    start = LocalDateTimeField(help_text="ISO 8601; without an offset, community time.")
    end = LocalDateTimeField(help_text="ISO 8601; after `start`.")
    capacity = serializers.IntegerField(min_value=1, max_value=10000)
    price_fen = serializers.IntegerField(
        min_value=0, max_value=MAX_FEN, help_text="Price in fen (1/100 yuan)."
    )
    market_price_fen = serializers.IntegerField(
        min_value=0,
        max_value=MAX_FEN,
        default=0,
        help_text="Market price in fen; the price may be at most the agreement's cap of it.",
    )
    is_public_welfare = serializers.BooleanField(
        default=False, help_text="A free public-welfare activity (price 0)."
    )
    max_party_size = serializers.IntegerField(min_value=1, max_value=100, default=1)
    status = serializers.ChoiceField(
        choices=PARTNER_ACTIVITY_STATUSES,
        default=Activity.Status.PUBLISHED,
        help_text="`draft` (not seen by residents) or `published`.",
    )

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("结束时间必须晚于开始时间。")]})
        return attrs


REFUSED = error_response(
    "`invalid` input, or the agreement refused it: `price_above_cap`, `room_not_assigned`, "
    "`outside_partner_window`, `outside_agreement_dates`, `agreement_inactive`, "
    "`welfare_not_free`; or the room's own rules (`outside_hours`, `closed`, `over_capacity`, "
    "`in_past`...)."
)


class PartnerActivitiesView(generics.GenericAPIView):
    """The partner's own activities: list them, or post a class or a welfare activity."""

    permission_classes = [IsAuthenticated, IsPartnerMember]
    serializer_class = ActivityDetailSerializer

    def get_queryset(self):
        return with_seat_counts(
            Activity.objects.filter(organiser_id=self.request.partner.organiser_id)
            .select_related("organiser", "category", "space__compound", "program")
            .order_by("-start")
        )

    @extend_schema(
        summary="The partner's own activities",
        description="Every activity of the signed-in partner, drafts and cancelled ones "
        "too, latest first, in the shape of `GET /api/v1/activities/{id}/`.",
        responses={
            200: ActivityDetailSerializer(many=True),
            401: error_response("Not signed in."),
            403: error_response("Not an admitted partner's account."),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Post a class or a public-welfare activity",
        description="Holds the room and creates the activity. The agreement is checked first "
        "(price at most the cap × market price, in the partner's rooms and weekly windows, "
        "with an agreement in force); refusals carry the rule's `code`.",
        request=PartnerActivityInputSerializer,
        responses={
            201: ActivityDetailSerializer,
            400: REFUSED,
            401: error_response("Not signed in."),
            403: error_response("Not an admitted partner's account."),
            409: error_response("`slot_taken`: the room is held at that time."),
        },
    )
    def post(self, request):
        data = PartnerActivityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        activity = program_services.activity_create(
            organiser=request.partner.organiser,
            by=request.user,
            space=fields.pop("space"),
            start=fields.pop("start"),
            end=fields.pop("end"),
            publish=fields.pop("status") == Activity.Status.PUBLISHED,
            **fields,
        )
        activity = self.get_queryset().get(pk=activity.pk)
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)
