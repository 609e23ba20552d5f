from django.urls import path

from ruanzhu.examination import applicant_views

app_name = "examination_applicant"
urlpatterns = [
    path("filings/<id:pk>/correction/", applicant_views.correction, name="correction"),
    path("filings/<id:pk>/correction/codes/", applicant_views.correction_codes, name="correction_codes"),
    path(
        "filings/<id:pk>/correction/signature-page/",
        applicant_views.correction_signature_page,
        name="correction_signature_page",
    ),
    path("filings/<id:pk>/certificate.pdf", applicant_views.certificate, name="certificate"),
]
