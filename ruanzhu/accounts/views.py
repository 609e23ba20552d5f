from cryptography.fernet import InvalidToken
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
from ruanzhu.accounts.throttle import (
    HashBudgetExhausted,
    LoginThrottled,
    device_cookie_set,
    login_attempt_failed,
    password_hash_budget_spend,
    password_rechecked,
)
from ruanzhu.core.crypto import decrypt_text, encrypt_text
from ruanzhu.core.http import client_ip
from ruanzhu.core.masking import mask_phone
from ruanzhu.otp.services import CodeRejected, SendRefused

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
    """Send a sign-up code to the form's phone; return the message to show, or None with form errors set.

    The answer is the same for a number that already has an account (see services.signup_code_send).
    """
    phone = form.cleaned_data["phone"]
    try:
        services.signup_code_send(phone=phone, ip=client_ip(request))
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
            wait = _hash_budget_wait(request, form)
            if wait is not None:
                context = {"form": form, "kind": kind, "code_message": None}
                return _wait_response(request, "accounts/signup_form.html", context, wait)
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
# Every attempt goes through ruanzhu.accounts.throttle, inside authenticate() (accounts.backends): the
# backend leaves the attempt on the request, or ``login_wait`` when it must wait first.


def _start_session(request: HttpRequest, user: User, *, default: str) -> HttpResponse:
    login(request, user, backend="ruanzhu.accounts.backends.IdentifierBackend")  # rotates the session key
    response = redirect(_safe_next(request, default))
    device_cookie_set(response, request=request, account=user)
    return response


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _throttled(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Answer an attempt that must wait: its form, how long to wait, and 429 with Retry-After."""
    context["form"].add_error(None, request.login_wait_message)
    return _wait_response(request, template, context, request.login_wait)


def _wait_response(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _hash_budget_wait(request: HttpRequest, form: SignupForm | PasswordResetForm) -> int | None:
    """Spend a password hash of the address's budget; when none is left, say why on the form and return the wait."""
    try:
        password_hash_budget_spend(request=request)
    except HashBudgetExhausted as exhausted:
        form.add_error(None, exhausted.message)
        return exhausted.wait_seconds
    return None


def _applicant_refusal(user: User | None, tab: str) -> str | None:
    """Return why this login page does not let ``user`` in, or None."""
    if user is None:
        return _("账号或密码不正确。")
    if user.is_staff:
        return _("工作人员请使用工作人员登录入口。")
    if user.kind != KINDS[tab]:
        other = _("机构用户") if user.kind == User.Kind.INSTITUTION else _("个人用户")
        return _("该账户为%(kind)s，请切换到“%(kind)s”标签登录。") % {"kind": other}
    return None


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Log in on the 个人用户 or 机构用户 tab with a username, phone or email and a password."""
    tab = request.POST.get("tab") or request.GET.get("tab") or "individual"
    if tab not in KINDS:
        tab = "individual"
    username = request.GET.get("username", "")[:150]
    form = LoginForm(request.POST or None, initial={"identifier": username})
    # The tabs keep the username that 去登记 filled in.
    context = {"form": form, "tab": tab, "username": username}
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
        )
        if hasattr(request, "login_wait"):
            return _throttled(request, "accounts/login.html", context)
        refusal = _applicant_refusal(user, tab)
        if refusal is None:
            return _start_session(request, user, default=reverse("filings:catalog"))
        if user is not None:
            # The password was right, but no session opened: still an attempt that counts.
            login_attempt_failed(request.login_attempt)
        form.add_error(None, refusal)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def staff_login(request):
    """Log staff in with password and TOTP; staff pages refuse a session without the second factor."""
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
        )
        if hasattr(request, "login_wait"):
            return _throttled(request, "accounts/staff_login.html", {"form": form})
        device = (
            match_token(user, form.cleaned_data["otp_token"]) if user is not None and user.is_staff else None
        )
        if device is not None:
            response = _start_session(request, user, default=reverse("staff:home"))
            otp_login(request, device)
            return response
        if user is not None:
            login_attempt_failed(request.login_attempt)
        form.add_error(None, _("账号、密码或动态口令不正确。"))
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
        try:
            services.password_reset_code_send(phone=phone, ip=client_ip(request))
        except SendRefused as refusal:
            form.add_error("phone", refusal.message)
        else:
            # Encrypted: a session abandoned half-way keeps no phone number in clear (sessions live in the
            # database and in Redis).
            request.session[RESET_SESSION_KEY] = encrypt_text(phone)
            messages.info(
                request, _("如果该手机号已注册，验证码已发送至 %(phone)s。") % {"phone": mask_phone(phone)}
            )
            return redirect("accounts:password_reset_confirm")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_request.html", {"form": form}, status=status)


def _reset_phone(request) -> str:
    """Return the phone this session asked a reset code for, or "" if none (or the keys have changed since)."""
    token = request.session.get(RESET_SESSION_KEY, "")
    try:
        return decrypt_text(token) if token else ""
    except InvalidToken:
        return ""


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    """Enter the code and a new password; the browser that did it counts as one the owner logged in on."""
    phone = _reset_phone(request)
    if not phone:
        return redirect("accounts:password_reset")
    form = PasswordResetForm(request.POST or None)
    context = {"form": form, "masked_phone": mask_phone(phone)}
    if request.method == "POST" and form.is_valid():
        wait = _hash_budget_wait(request, form)
        if wait is not None:
            return _wait_response(request, "accounts/password_reset_confirm.html", context, wait)
        try:
            user = services.user_password_reset(
                phone=phone, code=form.cleaned_data["code"], new_password=form.cleaned_data["new_password"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except CodeRejected as rejection:
            form.add_error("code", rejection.message)
        else:
            request.session.pop(RESET_SESSION_KEY, None)
            messages.success(request, _("密码已重置，请使用新密码登录。"))
            tab = "institution" if user.kind == User.Kind.INSTITUTION else "individual"
            response = redirect(f"{reverse('accounts:login')}?tab={tab}")
            device_cookie_set(response, request=request, account=user)
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_confirm.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def profile(request):
    """Show the account's own details, masked."""
    return render(request, "accounts/profile.html")


@login_required
@require_http_methods(["GET", "POST"])
def phone_change(request):
    """Change the account's phone: the password again (counted as a login attempt), then a code to the new number."""
    form = PhoneChangeForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with password_rechecked(request=request, account=request.user):
                response = _phone_change_step(request, form, data)
            if response is not None:
                return response
        except LoginThrottled as throttled:
            form.add_error(None, throttled.message)
            status = 429
        except ValidationError as error:
            apply_validation_error(form, error)
        except SendRefused as refusal:
            form.add_error("new_phone", refusal.message)
        except CodeRejected as rejection:
            form.add_error("code", rejection.message)
    if status == 400 and not form.errors:
        status = 200
    return render(request, "accounts/phone_change.html", {"form": form}, status=status)


def _phone_change_step(request: HttpRequest, form: PhoneChangeForm, data: dict) -> HttpResponse | None:
    """Send the code, or change the phone with it; return where to go next, or None to show the form again."""
    if request.POST.get("action") == "send_code":
        services.phone_change_send_code(
            user=request.user, password=data["password"], new_phone=data["new_phone"], ip=client_ip(request)
        )
        messages.info(
            request, _("验证码已发送至 %(phone)s，5分钟内有效。") % {"phone": mask_phone(data["new_phone"])}
        )
        return None
    if not data.get("code"):
        form.add_error("code", _("请输入新手机号收到的验证码。"))
        return None
    services.user_phone_change(
        user=request.user, password=data["password"], new_phone=data["new_phone"], code=data["code"]
    )
    messages.success(request, _("手机号已更换。"))
    return redirect("accounts:profile")
