"""A query compiled once reads what the same query built each time reads, whatever the values."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from ruanzhu.accounts.models import User
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery
from tests.factories import UserFactory


def _users(*, pk):
    return User.objects.filter(pk=pk)


def test_objects_are_those_the_query_gives(db):
    shape = CompiledQuery(_users, {"pk": (User._meta.pk, *STAND_IN_IDS)})
    first, second = UserFactory(username="first", phone="13800000011"), UserFactory(username="second")
    for user in (first, second):
        (read,) = shape.objects(connection.alias, pk=user.pk)
        (expected,) = _users(pk=user.pk)
        assert type(read) is User and not read._state.adding and read._state.db == connection.alias
        assert {f.attname: getattr(read, f.attname) for f in User._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
        }
    assert read.phone == expected.phone  # decrypted, as the field reads it
    assert shape.objects(connection.alias, pk=second.pk + 1000) == []
    assert shape.compiled[connection.alias] is not None


def test_rows_are_those_of_the_values_query(db):
    def build(*, user):
        return Group.objects.filter(user=user).order_by("name").values_list("name")

    shape = CompiledQuery(build, {"user": (User._meta.pk, *STAND_IN_IDS)})
    user = UserFactory(username="grouped")
    user.groups.add(Group.objects.create(name="b"), Group.objects.create(name="a"))
    assert shape.rows(connection.alias, user=user.pk) == [("a",), ("b",)] == list(build(user=user.pk))


def test_a_query_of_other_columns_is_not_read_as_objects(db):
    shape = CompiledQuery(
        lambda *, pk: User.objects.filter(pk=pk).select_related(None).values_list("pk"),
        {"pk": (User._meta.pk, *STAND_IN_IDS)},
    )
    with pytest.raises(ValueError):
        shape.objects(connection.alias, pk=UserFactory().pk)
