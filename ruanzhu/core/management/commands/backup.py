from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ruanzhu.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and every object of the private storage into DIR (new or empty), with a manifest "
        "of checksums. Keys are never included: keep them apart, restoring needs the same ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR", help="a new or empty folder")

    def handle(self, *args, directory: Path, verbosity=1, **options):
        progress = self.stdout.write if verbosity > 1 else None
        try:
            manifest = backup_create(directory=directory, progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {directory}: {manifest['database']['engine']} database "
            f"({manifest['database']['size']} bytes, {counts['tables']} tables, {counts['rows']} rows), "
            f"{counts['objects']} objects ({counts['object_bytes']} bytes)"
        )
