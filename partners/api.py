"""The REST API of the partners app. Each helper's part is under its own header."""

# --- revenue and fund ---------------------------------------------------------------------

import re

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lixiong.api import error_response

from . import services as fund_services
from .models import Partner, RevenueReport


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
