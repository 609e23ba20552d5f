from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token

from ruanzhu.accounts import services
from ruanzhu.accounts.forms import (
    LoginForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    PhoneChangeForm,
    SendCodeForm,
    SignupForm,
    StaffLoginForm,
    apply_validation_error,
)
from ruanzhu.accounts.models import User
from ruanzhu.accounts.selectors import user_find_by_identifier, user_find_by_phone
from ruanzhu.core.http import client_ip
from ruanzhu.core.masking import mask_phone
from ruanzhu.otp.models import Purpose
from ruanzhu.otp.services import CodeRejected, SendRefused, code_send

TERMS_VERSION = "2026-11"
TERMS_SESSION_KEY = "signup_terms"
RESET_SESSION_KEY = "password_reset_user"
KINDS = {"individual": User.Kind.INDIVIDUAL, "institution": User.Kind.INSTITUTION}


# --- Sign-up: terms → kind → details -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup_terms(request):
    """Show the terms; 同意并继续 records the accepted version and moves on."""
    if request.method == "POST":
        request.session[TERMS_SESSION_KEY] = TERMS_VERSION
        return redirect("accounts:signup_kind")
    return render(request, "accounts/signup_terms.html", {"terms_version": TERMS_VERSION})


@require_http_methods(["GET"])
def signup_kind(request):
    """Choose 个人 or 机构."""
    if request.session.get(TERMS_SESSION_KEY) != TERMS_VERSION:
        return redirect("accounts:signup")
    return render(request, "accounts/signup_kind.html")


def _send_signup_code(request: HttpRequest, form: SendCodeForm | SignupForm) -> str | None:
    """Send a sign-up code to the form's phone; return the message to show, or None with form errors set."""
    phone = form.cleaned_data["phone"]
    if user_find_by_phone(phone) is not None:
        form.add_error("phone", services.PHONE_TAKEN)
        return None
    try:
        code_send(phone=phone, purpose=Purpose.SIGNUP, ip=client_ip(request))
    except SendRefused as refusal:
        form.add_error("phone", refusal.message)
        return None
    return _("验证码已发送至 %(phone)s，5分钟内有效。") % {"phone": mask_phone(phone)}


@require_http_methods(["GET", "POST"])
def signup_details(request, kind: str):
    """Fill in the account details; the form can ask for a code and create the account."""
    if kind not in KINDS:
        raise Http404
    if request.session.get(TERMS_SESSION_KEY) != TERMS_VERSION:
        return redirect("accounts:signup")
    code_message = None
    if request.method == "POST" and request.POST.get("action") == "send_code":
        phone_form = SendCodeForm(request.POST)
        form = SignupForm(initial=request.POST.dict(), kind=KINDS[kind])
        if phone_form.is_valid():
            code_message = _send_signup_code(request, phone_form)
        for error in phone_form.errors.get("phone", []):
            form.phone_error = error
    elif request.method == "POST":
        form = SignupForm(request.POST, kind=KINDS[kind])
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_signup(
                    kind=KINDS[kind],
                    username=data["username"],
                    password=data["password"],
                    phone=data["phone"],
                    code=data["code"],
                    email=data["email"],
                    institution_name=data.get("institution_name", ""),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except CodeRejected as rejection:
                form.add_error("code", rejection.message)
            else:
                request.session.pop(TERMS_SESSION_KEY, None)
                request.session["signup_done"] = user.username
                return redirect("accounts:signup_done")
    else:
        form = SignupForm(kind=KINDS[kind])
    return render(
        request, "accounts/signup_form.html", {"form": form, "kind": kind, "code_message": code_message}
    )


@require_POST
def signup_code(request):
    """Send a sign-up code (htmx); answer with the status line to put under the phone field."""
    if request.session.get(TERMS_SESSION_KEY) != TERMS_VERSION:
        return HttpResponse(_("请先阅读并同意注册协议。"), status=400)
    form = SendCodeForm(request.POST)
    message = _send_signup_code(request, form) if form.is_valid() else None
    if message is None:
        return render(request, "accounts/_code_status.html", {"error": form.errors["phone"][0]}, status=400)
    return render(request, "accounts/_code_status.html", {"message": message})


@require_http_methods(["GET"])
def signup_done(request):
    """Confirm the new account and offer 去登记."""
    username = request.session.get("signup_done")
    if not username:
        return redirect("accounts:signup")
    user = User.objects.filter(username=username).first()
    if user is None:
        return redirect("accounts:signup")
    return render(request, "accounts/signup_done.html", {"new_user": user})


# --- Login ------------------------------------------------------------------------------------------------------


def _start_session(request: HttpRequest, user: User) -> None:
    login(request, user, backend="ruanzhu.accounts.backends.IdentifierBackend")  # rotates the session key
    services.user_login_succeeded(user=user)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def render_throttled_login(request: HttpRequest, wait: timedelta) -> HttpResponse:
    """Answer a throttled login attempt with the form and how long to wait."""
    form = LoginForm(request.POST or None)
    minutes = max(1, int(wait.total_seconds() // 60))
    form.errors.clear()
    form.add_error(
        None,
        _("登录失败次数过多，请在%(minutes)s分钟后重试，或通过短信验证码重置密码。") % {"minutes": minutes},
    )
    tab = request.POST.get("tab", "individual")
    return render(request, "accounts/login.html", {"form": form, "tab": tab}, status=429)


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Log in on the 个人用户 or 机构用户 tab with a username, phone or email and a password."""
    tab = request.POST.get("tab") or request.GET.get("tab") or "individual"
    if tab not in KINDS:
        tab = "individual"
    form = LoginForm(request.POST or None, initial={"identifier": request.GET.get("username", "")})
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        user = authenticate(request, identifier=identifier, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            # The response comes from AxesMiddleware (see throttle.lockout_response).
            return render_throttled_login(request, timedelta(minutes=1))
        if user is None:
            known = user_find_by_identifier(identifier)
            if known is not None and not known.is_locked:
                services.user_login_failed(user=known)
                known.refresh_from_db(fields=["locked_at"])
            if known is not None and known.is_locked:
                form.add_error(None, _("该账户因连续登录失败已被锁定，请通过短信验证码重置密码。"))
            else:
                form.add_error(None, _("账号或密码不正确。"))
        elif user.is_staff:
            form.add_error(None, _("工作人员请使用工作人员登录入口。"))
        elif user.kind != KINDS[tab]:
            other = _("机构用户") if user.kind == User.Kind.INSTITUTION else _("个人用户")
            form.add_error(None, _("该账户为%(kind)s，请切换到“%(kind)s”标签登录。") % {"kind": other})
        else:
            _start_session(request, user)
            return redirect(_safe_next(request, reverse("filings:catalog")))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/login.html", {"form": form, "tab": tab}, status=status)


@require_http_methods(["GET", "POST"])
def staff_login(request):
    """Log staff in with password and TOTP; staff pages refuse a session without the second factor."""
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return render_throttled_login(request, timedelta(minutes=1))
        device = (
            match_token(user, form.cleaned_data["otp_token"]) if user is not None and user.is_staff else None
        )
        if device is None:
            known = user_find_by_identifier(form.cleaned_data["identifier"])
            if known is not None and known.is_staff:
                services.user_login_failed(user=known)
            form.add_error(None, _("账号、密码或动态口令不正确。"))
        else:
            _start_session(request, user)
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("staff:home")))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/staff_login.html", {"form": form}, status=status)


@require_POST
def logout_view(request):
    """End the session on the server."""
    logout(request)
    messages.info(request, _("您已退出登录。"))
    return redirect("home")


# --- Password reset by SMS --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_reset_request(request):
    """Ask for the account's phone and send it a reset code; the answer never says whether it is registered."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        user = user_find_by_phone(phone)
        try:
            if user is not None:
                code_send(
                    phone=phone,
                    purpose=Purpose.PASSWORD_RESET,
                    subject=f"user:{user.pk}",
                    ip=client_ip(request),
                    account=user,
                )
        except SendRefused as refusal:
            form.add_error("phone", refusal.message)
        else:
            request.session[RESET_SESSION_KEY] = phone
            messages.info(
                request, _("如果该手机号已注册，验证码已发送至 %(phone)s。") % {"phone": mask_phone(phone)}
            )
            return redirect("accounts:password_reset_confirm")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_request.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    """Enter the code and a new password."""
    phone = request.session.get(RESET_SESSION_KEY)
    if not phone:
        return redirect("accounts:password_reset")
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_find_by_phone(phone)
        try:
            if user is None:
                raise CodeRejected(_("验证码不正确。"))
            services.user_password_reset(
                user=user, code=form.cleaned_data["code"], new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except CodeRejected as rejection:
            form.add_error("code", rejection.message)
        else:
            request.session.pop(RESET_SESSION_KEY, None)
            messages.success(request, _("密码已重置，请使用新密码登录。"))
            return redirect(
                f"{reverse('accounts:login')}?tab={'institution' if user.kind == User.Kind.INSTITUTION else 'individual'}"
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form, "masked_phone": mask_phone(phone)},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def profile(request):
    """Show the account's own details, masked."""
    return render(request, "accounts/profile.html")


@login_required
@require_http_methods(["GET", "POST"])
def phone_change(request):
    """Change the account's phone: the password again, then a code sent to the new number."""
    form = PhoneChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "send_code":
                services.phone_change_send_code(
                    user=request.user,
                    password=data["password"],
                    new_phone=data["new_phone"],
                    ip=client_ip(request),
                )
                messages.info(
                    request,
                    _("验证码已发送至 %(phone)s，5分钟内有效。") % {"phone": mask_phone(data["new_phone"])},
                )
            elif not data.get("code"):
                form.add_error("code", _("请输入新手机号收到的验证码。"))
            else:
                services.user_phone_change(
                    user=request.user,
                    password=data["password"],
                    new_phone=data["new_phone"],
                    code=data["code"],
                )
                messages.success(request, _("手机号已更换。"))
                return redirect("accounts:profile")
        except ValidationError as error:
            apply_validation_error(form, error)
        except SendRefused as refusal:
            form.add_error("new_phone", refusal.message)
        except CodeRejected as rejection:
            form.add_error("code", rejection.message)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "accounts/phone_change.html", {"form": form}, status=status)
