from django.urls import path

from ruanzhu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup_terms, name="signup"),
    path("signup/kind/", views.signup_kind, name="signup_kind"),
    path("signup/code/", views.signup_code, name="signup_code"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("signup/<signup_kind:kind>/", views.signup_details, name="signup_details"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("staff/login/", views.staff_login, name="staff_login"),
    path("password/reset/", views.password_reset_request, name="password_reset"),
    path("password/reset/confirm/", views.password_reset_confirm, name="password_reset_confirm"),
    path("me/", views.profile, name="profile"),
    path("me/phone/", views.phone_change, name="phone_change"),
]
