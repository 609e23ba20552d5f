import itertools

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.models import User

PASSWORD = "Correct-Horse-Battery-9"
_phones = itertools.count(1)


def next_phone() -> str:
    """Return a fresh, valid China mobile number."""
    return f"139{next(_phones):08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    kind = User.Kind.INDIVIDUAL
    identity_status = User.IdentityStatus.VERIFIED

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        self.set_phone(extracted or next_phone())
        if create:
            self.save(update_fields=["phone", "phone_index"])

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class StaffFactory(UserFactory):
    is_staff = True


def totp_device(user: User) -> TOTPDevice:
    """Give ``user`` a confirmed TOTP device."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def totp_now(device: TOTPDevice) -> str:
    """Return the device's current TOTP code."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def staff_session(client, user: User):
    """Log ``client`` in as ``user`` with a verified TOTP device, as the staff login would."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.filter(user=user).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def verify(user, id_number: str, name: str):
    """Give ``user`` an approved verification with this ID number."""
    from ruanzhu.identity.models import Verification, VerifiedIdentity
    from ruanzhu.identity.validators import person_identity_index

    verification = Verification.objects.create(
        account=user,
        kind="individual",
        status="approved",
        real_name=name,
        id_type="resident_id",
        id_number=id_number,
        nationality="中国",
        province="北京市",
        city="北京市",
        identity_index=person_identity_index("resident_id", id_number),
    )
    VerifiedIdentity.objects.create(
        index=verification.identity_index, account=user, verification=verification
    )
    return verification
