from django.urls import path

from ruanzhu.examination import applicant_views

app_name = "examination_applicant"
urlpatterns = [
    path("filings/<int:pk>/correction/", applicant_views.correction, name="correction"),
    path("filings/<int:pk>/certificate.pdf", applicant_views.certificate, name="certificate"),
]
