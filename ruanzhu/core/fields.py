"""Model fields for personal data kept encrypted at rest."""

from django.db import models

from ruanzhu.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """A text column that holds the Fernet ciphertext of its value.

    It can be neither filtered nor ordered on in a meaningful way: pair it with a blind index column
    (see ``ruanzhu.core.crypto.blind_index``) for uniqueness and look-ups.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)
