"""Partner pages. Thin: fetch, call a selector, render."""

# --- compliance and public pages ---
from decimal import Decimal

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from programs.views import yuan

from . import selectors
from .models import Agreement


def _percent(ratio: Decimal) -> str:
    """0.500 -> "50", 0.125 -> "12.5"."""
    return f"{(ratio * 100).normalize():f}"


def agreement_terms(agreement: Agreement) -> list[str]:
    """The three hard terms in plain words, from the agreement's data."""
    return [
        _("课程价格不超过市场价的 %(percent)s%%") % {"percent": _percent(agreement.price_cap)},
        _("营收的 %(percent)s%% 缴入社区基金") % {"percent": _percent(agreement.fund_share)},
        _("每月至少开展 %(n)s 场免费公益活动") % {"n": agreement.welfare_minimum},
    ]


def _public_view(partner):
    agreements = list(partner.agreements.all())
    partner.agreement = selectors.current_agreement(partner)
    partner.terms = agreement_terms(partner.agreement) if partner.agreement else []
    partner.results = sorted(
        (r for a in agreements for r in getattr(a, "recent_results", [])),
        key=lambda r: r.month,
        reverse=True,
    )[: selectors.PUBLIC_MONTHS]
    return partner


def partner_list(request):
    partners = [_public_view(p) for p in selectors.public_partners()]
    return render(request, "partners/public/partner_list.html", {"partners": partners})


def partner_detail(request, pk):
    partner = selectors.public_partners().filter(pk=pk).first()
    if partner is None:
        raise Http404
    partner = _public_view(partner)
    classes = selectors.partner_upcoming_classes(partner)
    for activity in classes:
        activity.price_display = yuan(activity.price_fen)
        activity.market_price_display = yuan(activity.market_price_fen)
    return render(
        request,
        "partners/public/partner_detail.html",
        {
            "partner": partner,
            "rooms": list(partner.agreement.rooms.all()) if partner.agreement else [],
            "classes": classes,
        },
    )
