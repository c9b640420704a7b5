from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("badges.css", views.badges_css, name="badges-css"),
    path("new/", views.ticket_submit, name="submit"),
    path("new/fields/", views.submit_fields, name="submit-fields"),
    path("sent/<str:reference>/", views.submission, name="sent"),
    path("sent/<str:reference>/status/", views.submission_status, name="sent-status"),
    path("sent/<str:reference>/reply/", views.submission_reply, name="sent-reply"),
    path("sent/<str:reference>/edit/", views.submission_edit, name="sent-edit"),
    path("sent/<str:reference>/discard/", views.submission_discard, name="sent-discard"),
    path("confirm/<str:token>/", views.submission_confirm, name="confirm"),
    path("lookup/", views.ticket_lookup, name="lookup"),
    path("guest/<str:token>/", views.guest_link, name="guest-link"),
    path("staged/<str:token>/<str:name>", views.staged_file, name="staged"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("<int:ticket_id>/properties/", views.ticket_properties, name="properties"),
    path("<int:ticket_id>/fields/", views.ticket_custom_values, name="custom-values"),
    path("<int:ticket_id>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
