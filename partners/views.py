from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lixiong.validators import parse_id

from . import selectors, services
from .forms import ApplicationForm, document_kind

# --- admission ---


@login_required
@require_http_methods(["GET", "POST"])
def partner_apply(request):
    """The public application form; anonymous visitors sign in or sign up first and return."""
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                applicant=request.user,
                application=form.save(commit=False),
                language=translation.get_language(),
            )
        except services.ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("申请已提交，社区工作人员审核后会通知您。"))
            return redirect("partner_application")
    return render(request, "partners/admission/apply.html", {"form": form})


@login_required
def partner_application(request):
    """我的进驻申请: each application's status and, once decided, the reason."""
    return render(
        request,
        "partners/admission/mine.html",
        {"applications": selectors.applications_of(request.user)},
    )


@login_required
def application_licence(request, pk):
    """The uploaded licence, to its applicant and to staff who may view applications."""
    application = selectors.application_licence_for(request.user, parse_id(str(pk)) or 0)
    if application is None or not application.licence:
        raise Http404
    try:
        handle = application.licence.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    kind = document_kind(handle.read(16))
    handle.seek(0)
    extension, content_type = kind or (".bin", "application/octet-stream")
    response = FileResponse(
        handle,
        content_type=content_type,
        # PDFs and images open in the browser; anything else (never stored by the form) is
        # downloaded rather than rendered.
        as_attachment=kind is None,
        filename=f"licence-{application.pk}{extension}",
    )
    # A licence names people and numbers: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response
