"""On PostgreSQL, search the registry through a GIN index of grams instead of the token table.

The token table held dozens of B-tree rows per record (about 5.5 times the records at ten million); a GIN index
of the one to three character substrings of each line of the search texts keeps its posting lists compressed
and answers the rare matches that the walk over the newest records does not fill a page with
(registry.selectors). Each gram is keyed by the year of registration, so that a search reads the newest year's
matches first and an older year only when the newer ones do not fill the page. The indexes are built
concurrently, so a registry in service keeps taking new records while they are made; the token table is emptied
once they exist. SQLite keeps the token table.
"""

from django.db import migrations, models

GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION registry_search_grams(search_text text, registered_on date) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    grams text[] := '{}';
    -- A newline never occurs in a line, so the year and the gram cannot be confused.
    year_key text := extract(year FROM registered_on)::integer::text || E'\n';
    line text;
    line_length integer;
    start_at integer;
BEGIN
    -- Every substring of one to three characters of each line, after the year (tokens.year_grams in Python).
    FOREACH line IN ARRAY string_to_array(search_text, E'\n') LOOP
        line_length := char_length(line);
        FOR start_at IN 1..line_length LOOP
            grams := grams || (year_key || substr(line, start_at, 1));
            IF start_at < line_length THEN
                grams := grams || (year_key || substr(line, start_at, 2));
            END IF;
            IF start_at < line_length - 1 THEN
                grams := grams || (year_key || substr(line, start_at, 3));
            END IF;
        END LOOP;
    END LOOP;
    RETURN grams;
END
$$
"""
INDEXES = {
    "registry_name_grams_idx": "search_name",
    "registry_owner_grams_idx": "search_owners",
}


def grams_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GRAMS_FUNCTION)
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON registry_registration USING gin (registry_search_grams({column}, registered_on))"
        )
    schema_editor.execute("TRUNCATE registry_registrationsearchtoken")


def grams_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Give the token table its rows back before the indexes that replaced it go.
    from ruanzhu.registry.tokens import texts_tokens

    Registration = apps.get_model("registry", "Registration")
    RegistrationSearchToken = apps.get_model("registry", "RegistrationSearchToken")
    for registration in Registration.objects.only(
        "id", "registered_on", "software_name", "short_name", "owners"
    ).iterator(chunk_size=2000):
        texts = {"n": [registration.software_name, registration.short_name], "o": list(registration.owners)}
        RegistrationSearchToken.objects.bulk_create(
            [
                RegistrationSearchToken(
                    scope=scope, token=token, registered_on=registration.registered_on, registration=registration
                )
                for scope, values in texts.items()
                for token in sorted(texts_tokens(values))
            ],
            batch_size=500,
        )
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_search_grams(text, date)")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("registry", "0004_owners_of_record_from_json"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["-registered_on", "-id"], name="registry_newest_idx"),
        ),
        migrations.RunPython(grams_indexes_create, grams_indexes_drop, elidable=False),
    ]
