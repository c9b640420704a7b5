"""allauth, told to keep the customer's address in step with the helpdesk and to name the site
and the customer as the rest of the portal does."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from common.site import mail_site, site_name

from .services import EmailChangeRefused, email_change


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address):
        """A verified new address becomes primary only after the helpdesk has moved the customer."""
        current = (
            EmailAddress.objects.filter(user_id=email_address.user_id, primary=True, verified=True)
            .exclude(pk=email_address.pk)
            .first()
        )
        if current is not None:
            try:
                email_change(old_email=current.email, new_email=email_address.email)
            except EmailChangeRefused as refusal:
                messages.error(request, _("Your address is still %(old)s: %(reason)s") % {
                    "old": current.email, "reason": refusal})
                return False
        return super().confirm_email(request, email_address)

    def format_email_subject(self, subject) -> str:
        return f"[{site_name()}] {force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": mail_site()})
