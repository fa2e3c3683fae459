"""The partners' REST API."""

# --- compliance and public pages ---
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lixiong.api import LocalDateTimeField, error_response
from lixiong.validators import validate_single_line
from programs import services as program_services
from programs.api import ActivityDetailSerializer
from programs.models import Activity, ServiceCategory
from programs.selectors import with_seat_counts
from spaces.models import Space

from . import selectors
from . import services as fund_services
from .models import Agreement, ComplianceResult, Partner, RevenueReport


class ComplianceSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="`YYYY-MM`, the community's month.")
    welfare_met = serializers.BooleanField(read_only=True)
    is_compliant = serializers.BooleanField(read_only=True)

    class Meta:
        model = ComplianceResult
        fields = [
            "month",
            "agreement",
            "welfare_held",
            "welfare_required",
            "welfare_met",
            "report_submitted",
            "contribution_paid",
            "classes_above_cap",
            "is_compliant",
        ]
        read_only_fields = fields

    def get_month(self, result) -> str:
        return f"{result.month:%Y-%m}"


class TermsSerializer(serializers.ModelSerializer):
    price_cap = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        read_only=True,
        help_text="A class's price may be at most this share of its market price (0.500 = 50%).",
    )
    fund_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        read_only=True,
        help_text="Share of the month's revenue paid into the community fund.",
    )
    # A plain string, as the other APIs do with kinds: no second enum in the schema.
    status = serializers.CharField(read_only=True, help_text="`active`, `suspended`, `expired`.")

    class Meta:
        model = Agreement
        fields = ["valid_from", "valid_to", "status", "price_cap", "fund_share", "welfare_minimum"]
        read_only_fields = fields


class PublicPartnerSerializer(serializers.ModelSerializer):
    terms = serializers.SerializerMethodField()
    compliance = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "name", "terms", "compliance"]
        read_only_fields = fields

    @extend_schema(responses=TermsSerializer(allow_null=True))
    def get_terms(self, partner) -> dict | None:
        agreement = selectors.current_agreement(partner)
        return TermsSerializer(agreement).data if agreement else None

    @extend_schema(responses=ComplianceSerializer(many=True))
    def get_compliance(self, partner) -> list:
        results = sorted(
            (r for a in partner.agreements.all() for r in getattr(a, "recent_results", [])),
            key=lambda r: r.month,
            reverse=True,
        )[: selectors.PUBLIC_MONTHS]
        return ComplianceSerializer(results, many=True).data


class PublicPartnerList(generics.ListAPIView):
    """Every partner with its agreement's terms and its last six months of compliance (public
    accountability)."""

    permission_classes = [AllowAny]
    serializer_class = PublicPartnerSerializer

    def get_queryset(self):
        return selectors.public_partners()


class OwnComplianceList(generics.ListAPIView):
    """The signed-in partner's own monthly compliance, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = ComplianceSerializer

    @extend_schema(
        responses={
            200: ComplianceSerializer(many=True),
            401: error_response("Not signed in."),
            404: error_response("The account belongs to no partner."),
        }
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        partner = Partner.objects.filter(organiser__members=self.request.user).first()
        if partner is None:
            raise NotFound()
        return ComplianceResult.objects.filter(agreement__partner=partner).order_by("-month", "-pk")


class RevenueReportInputSerializer(serializers.Serializer):
    month = serializers.CharField(
        max_length=7, help_text="The ended month reported, `YYYY-MM` (community time)."
    )
    revenue_fen = serializers.IntegerField(
        min_value=0,
        max_value=fund_services.MAX_AMOUNT_FEN,
        help_text="Gross revenue of the month in fen (integer).",
    )

    def validate_month(self, value):
        if not re.fullmatch(r"\d{4}-\d{2}", value):
            raise serializers.ValidationError(fund_services.FUND_MESSAGES["invalid_month"])
        try:
            return fund_services.parse_month(value)
        except fund_services.FundError as error:
            raise serializers.ValidationError(error.message) from None


class RevenueReportSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="`YYYY-MM`.")
    under_declared = serializers.BooleanField(
        read_only=True, help_text="Declared revenue is below the paid registrations' revenue."
    )

    class Meta:
        model = RevenueReport
        fields = [
            "id",
            "month",
            "revenue_fen",
            "implied_revenue_fen",
            "contribution_fen",
            "under_declared",
        ]
        read_only_fields = fields

    def get_month(self, report) -> str:
        return f"{report.month:%Y-%m}"


class PartnerRevenueReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="partner_revenue_report_create",
        request=RevenueReportInputSerializer,
        responses={
            201: RevenueReportSerializer,
            400: error_response(
                "`invalid`, `not_a_partner`, `report_exists`, `month_in_future`, "
                "`invalid_month`, `no_agreement`, `invalid_amount`."
            ),
            401: error_response("Not signed in, or the token is wrong."),
        },
        tags=["partner"],
    )
    def post(self, request):
        data = RevenueReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = Partner.objects.filter(organiser__members=request.user).first()
        if partner is None:
            raise fund_services.FundError("not_a_partner")
        report = fund_services.revenue_report_submit(
            partner=partner,
            month=data.validated_data["month"],
            revenue_fen=data.validated_data["revenue_fen"],
            by=request.user,
        )
        return Response(RevenueReportSerializer(report).data, status=status.HTTP_201_CREATED)


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
