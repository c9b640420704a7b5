"""The customer's own account pages besides allauth's (email addresses, password)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import ProfileForm


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    form = ProfileForm(request.POST or None, initial={"full_name": request.user.get_full_name()})
    if form.is_bound and form.is_valid():
        services.profile_update(user=request.user, full_name=form.cleaned_data["full_name"])
        messages.success(request, _("Your profile was saved."))
        return redirect("account_profile")
    return render(request, "account/profile.html", {"form": form}, status=400 if form.is_bound else 200)
