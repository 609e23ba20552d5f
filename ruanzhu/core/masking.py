"""Masked display of personal data: what every screen shows unless a staff member unmasks it."""


def mask_phone(phone: str) -> str:
    """Return a phone number with its middle digits hidden: +8613812345678 -> 138****5678."""
    if not phone:
        return ""
    digits = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str) -> str:
    """Return an ID number with all but the first three and last four characters hidden."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"


def mask_email(email: str) -> str:
    """Return an email address with most of its local part hidden: alice@example.com -> a***e@example.com."""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    shown = local[0] + "***" + local[-1] if len(local) > 2 else local[:1] + "***"
    return f"{shown}@{domain}"


def mask_username(username: str) -> str:
    """Return a username with all but its first and last characters hidden: carol -> c***l."""
    if len(username) <= 2:
        return username[:1] + "*" * (len(username) - 1)
    return f"{username[0]}{'*' * (len(username) - 2)}{username[-1]}"
