"""What the service module tells the rest of the portal, which it does not import."""

from django.dispatch import Signal

# invalidate(namespace) moved a namespace of cached data to a new version; keyword argument `namespace`.
invalidated = Signal()
