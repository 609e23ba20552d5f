"""Path converters: each parameter of a URL matches only what its kind of value can look like.

A value that no such value can be (a NUL byte, a superscript or Arabic-Indic digit, a number past the range of
the database, a slash, a thousand characters) never reaches a view: the URL does not resolve and the visitor
gets the 404 page rather than an error from the database. Views still check that the value exists and that the
visitor may see it. Only ASCII character classes are used: ``\\d`` and ``\\w`` would let other scripts through.
"""

from django.urls import register_converter


class _TextConverter:
    regex: str

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class IdConverter:
    """A primary key: a positive integer, ASCII digits without sign or leading zero, that fits a bigint."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class RegistrationNumberConverter(_TextConverter):
    """A registration number (登记号) such as 2026SR0123456, in either case: the registry reads both."""

    regex = "[0-9]{4}[Ss][Rr][0-9]{7}"


class CertificateTokenConverter(_TextConverter):
    """The verification token printed in a certificate's QR code: URL-safe base64, as long as its column allows.

    Not a fixed length, so that a token mistyped by hand still gets the page that says the certificate is unknown.
    """

    regex = "[A-Za-z0-9_-]{1,64}"


class IdentitySlotConverter(_TextConverter):
    """A place for a document in a real-name verification (identity.models.Slot)."""

    regex = "id_front|id_back|handheld|licence|admin_id_front|admin_id_back|authorization_letter"


class SignupKindConverter(_TextConverter):
    """The kind of account being signed up for."""

    regex = "individual|institution"


class ServiceCodeConverter(_TextConverter):
    """A filing service's code (R11, R21 …); services are packages that may be added, so the shape, not a list."""

    regex = "[A-Z][0-9]{2}"


class StepSlugConverter(_TextConverter):
    """The slug of a step of a filing service's wizard."""

    regex = "[a-z][a-z0-9_-]{0,31}"


class DocumentKindConverter(_TextConverter):
    """The kind of a filing's document (program_deposit, signature_page …), as long as its column allows."""

    regex = "[a-z][a-z0-9_]{0,31}"


CONVERTERS = {
    "id": IdConverter,
    "registration_number": RegistrationNumberConverter,
    "certificate_token": CertificateTokenConverter,
    "identity_slot": IdentitySlotConverter,
    "signup_kind": SignupKindConverter,
    "service_code": ServiceCodeConverter,
    "step_slug": StepSlugConverter,
    "document_kind": DocumentKindConverter,
}


def register_converters() -> None:
    """Make the converters available to every URL conf by name (``<id:pk>``)."""
    for name, converter in CONVERTERS.items():
        register_converter(converter, name)
