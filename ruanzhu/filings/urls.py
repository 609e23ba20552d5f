from django.urls import path, re_path

from ruanzhu.filings import views
from ruanzhu.filings.views import deposit_builds

app_name = "filings"
urlpatterns = [
    path("software/", views.catalog, name="catalog"),
    path("software/verify-first/", views.verification_required, name="verification_required"),
    path("software/<service_code:code>/start/", views.start, name="start"),
    path("filings/", views.mine, name="mine"),
    path("filings/invitations/", views.invitations, name="invitations"),
    path("filings/invitations/<id:party_id>/accept/", views.invitation_accept_view, name="invitation_accept"),
    path(
        "filings/invitations/<id:party_id>/decline/",
        views.invitation_decline_view,
        name="invitation_decline",
    ),
    path("filings/<id:pk>/", views.detail, name="detail"),
    path("filings/<id:pk>/edit/<step_slug:slug>/", views.step, name="step"),
    path("filings/<id:pk>/delete/", views.delete, name="delete"),
    path("filings/<id:pk>/owners/", views.owner_add_view, name="owner_add"),
    path("filings/<id:pk>/owners/<id:party_id>/remove/", views.owner_remove_view, name="owner_remove"),
    path("filings/<id:pk>/documents/<document_kind:kind>/", views.document_download, name="document"),
    path("filings/<id:pk>/documents/<document_kind:kind>/upload/", views.upload, name="upload"),
    path(
        "filings/<id:pk>/documents/<document_kind:kind>/build/",
        deposit_builds.deposit_build_start_view,
        name="deposit_build_start",
    ),
    path(
        "filings/<id:pk>/documents/<document_kind:kind>/build/status/",
        deposit_builds.deposit_build_status,
        name="deposit_build_status",
    ),
    path(
        "filings/<id:pk>/documents/<document_kind:kind>/build/accept/",
        deposit_builds.deposit_build_accept_view,
        name="deposit_build_accept",
    ),
    path(
        "filings/<id:pk>/documents/<document_kind:kind>/build/discard/",
        deposit_builds.deposit_build_discard_view,
        name="deposit_build_discard",
    ),
    path("filings/<id:pk>/codes/send/", views.codes_send, name="codes_send"),
    path("filings/<id:pk>/codes/confirm/", views.code_confirm, name="code_confirm"),
    path("filings/<id:pk>/confirm-mine/", views.confirm_mine, name="confirm_mine"),
    path("filings/<id:pk>/form.pdf", views.form_pdf, name="form_pdf"),
    path("filings/<id:pk>/mandate-letter/", views.mandate_letter, name="mandate_letter"),
    path("filings/<id:pk>/signature-page/", views.signature_page, name="signature_page"),
    path("filings/<id:pk>/submit/", views.submit, name="submit"),
    path("filings/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    # The QR code of an issued form: its flow number and its version's token (URL-safe base64).
    re_path(
        r"^forms/(?P<flow_number>[A-Za-z0-9]{1,20})/(?P<token>[A-Za-z0-9_-]{1,64})/$",
        views.form_verify,
        name="form_verify",
    ),
    re_path(
        r"^forms/(?P<flow_number>[A-Za-z0-9]{1,20})/$",
        views.form_verify_without_token,
        name="form_verify_without_token",
    ),
]
