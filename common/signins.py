"""Which sign-ins django-axes throttles: those of staff, on any admin site (the portal's /admin/ and
the staff desk). Customers sign in through allauth, which has limits of its own."""


def is_not_staff_sign_in(request, credentials=None) -> bool:
    """axes' AXES_WHITELIST_CALLABLE: True (not counted, never locked out) unless an admin site's view
    (whatever its namespace: `admin`, `desk`) is signing someone in."""
    match = getattr(request, "resolver_match", None)
    return match is None or match.app_name != "admin"
