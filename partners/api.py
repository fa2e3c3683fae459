"""The partners' REST API."""

# --- compliance and public pages ---
import re

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lixiong.api import error_response

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
