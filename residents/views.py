from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm
from .services import profile_for, profile_update


@login_required
def profile(request):
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=profile_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("资料已保存。"))
        return redirect("profile")
    return render(request, "residents/profile.html", {"form": form})
