from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruanzhu.core.backups import BackupError, RestoreSummary, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database and private storage. Every checksum "
        "is verified first; a damaged backup, or a target database or storage that is not empty, is refused "
        "before anything changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR", help="a folder written by `backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="empty a non-empty target first: drop every table of the database and delete every object of "
            "the storage, so that what remains is exactly the backup",
        )

    def handle(self, *args, directory: Path, force=False, verbosity=1, **options):
        progress = self.stdout.write if verbosity > 1 else None
        try:
            summary = backup_restore(directory=directory, force=force, progress=progress)
        except BackupError as error:
            raise CommandError(f"Nothing restored: {error}") from error
        self._report(summary)

    def _report(self, summary: RestoreSummary) -> None:
        for warning in summary.key_warnings:
            self.stderr.write(f"WARNING: {warning}")
        self.stdout.write(f"Restored {summary.engine} database: {len(summary.table_rows)} tables")
        for table, rows in summary.table_rows.items():
            self.stdout.write(f"  {table}: {rows}")
        self.stdout.write(f"Restored {summary.objects} objects ({summary.object_bytes} bytes)")
        for table, (recorded, found) in summary.rows_differing_from_manifest.items():
            self.stderr.write(f"WARNING: {table} has {found} rows; the manifest recorded {recorded}")
        if summary.migrations_to_apply:
            self.stderr.write(
                f"WARNING: {len(summary.migrations_to_apply)} migration(s) to apply "
                f"({', '.join(summary.migrations_to_apply)}): run `manage.py migrate`"
            )
        if summary.migrations_unknown:
            self.stderr.write(
                "WARNING: migrations applied but unknown to this code: "
                + ", ".join(summary.migrations_unknown)
            )
        if not summary.migrations_to_apply and not summary.migrations_unknown:
            self.stdout.write("Migrations: the restored database matches the code")
        self.stdout.write(f"Objects with no row: {len(summary.objects_without_row)}")
        for name in summary.objects_without_row:
            self.stdout.write(f"  {name}")
        self.stdout.write(f"Rows whose object is missing: {len(summary.rows_without_object)}")
        for name in summary.rows_without_object:
            self.stdout.write(f"  {name}")
