from django.urls import path, re_path

from ruanzhu.filings import views

app_name = "filings"
urlpatterns = [
    path("software/", views.catalog, name="catalog"),
    path("software/verify-first/", views.verification_required, name="verification_required"),
    path("software/<str:code>/start/", views.start, name="start"),
    path("filings/", views.mine, name="mine"),
    path("filings/invitations/", views.invitations, name="invitations"),
    path(
        "filings/invitations/<int:party_id>/accept/", views.invitation_accept_view, name="invitation_accept"
    ),
    path(
        "filings/invitations/<int:party_id>/decline/",
        views.invitation_decline_view,
        name="invitation_decline",
    ),
    path("filings/<int:pk>/", views.detail, name="detail"),
    path("filings/<int:pk>/edit/<slug:slug>/", views.step, name="step"),
    path("filings/<int:pk>/delete/", views.delete, name="delete"),
    path("filings/<int:pk>/owners/", views.owner_add_view, name="owner_add"),
    path("filings/<int:pk>/owners/<int:party_id>/remove/", views.owner_remove_view, name="owner_remove"),
    path("filings/<int:pk>/documents/<slug:kind>/", views.document_download, name="document"),
    path("filings/<int:pk>/documents/<slug:kind>/upload/", views.upload, name="upload"),
    path("filings/<int:pk>/codes/send/", views.codes_send, name="codes_send"),
    path("filings/<int:pk>/codes/confirm/", views.code_confirm, name="code_confirm"),
    path("filings/<int:pk>/confirm-mine/", views.confirm_mine, name="confirm_mine"),
    path("filings/<int:pk>/form.pdf", views.form_pdf, name="form_pdf"),
    path("filings/<int:pk>/mandate-letter/", views.mandate_letter, name="mandate_letter"),
    path("filings/<int:pk>/signature-page/", views.signature_page, name="signature_page"),
    path("filings/<int:pk>/submit/", views.submit, name="submit"),
    path("filings/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
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
