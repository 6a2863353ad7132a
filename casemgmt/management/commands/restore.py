"""Restore a backup made by `manage.py backup`, then prove the restored rows match its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casemgmt.backup import BackupError, Database, restore, stop_cleanly_on_sigterm

from ._backup_report import key_counts, size_text


class Command(BaseCommand):
    help = ("Restore FILE (written by `manage.py backup`) into the configured database, or into "
            "--database-url. Refuses a missing or corrupt file, and a database that already holds data "
            "unless --force; afterwards checks every table's row count against the manifest.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE", help="The backup file; FILE.json beside it.")
        parser.add_argument("--database-url", metavar="URL",
                            help="Restore into this database instead of the configured one, e.g. "
                                 "postgres://user@host:5432/casemgmt_restore (it must exist).")
        parser.add_argument("--force", action="store_true",
                            help="Overwrite a database that already holds data.")
        parser.add_argument("--allow-unencrypted", action="store_true",
                            help="Restore an unencrypted backup where BACKUP_KEYS is set (refused "
                                 "otherwise).")
        parser.add_argument("--allow-unsigned", action="store_true",
                            help="Restore an encrypted backup whose manifest is not signed: one made before "
                                 "manifests were signed (manifest version 2). Its manifest is then trusted "
                                 "unchecked.")

    def handle(self, *args, file: Path, database_url: str | None = None, force: bool = False,
               allow_unencrypted: bool = False, allow_unsigned: bool = False, **options):
        stop_cleanly_on_sigterm()
        try:
            database = Database.of_url(database_url) if database_url else Database.of_alias("default")
            result = restore(path=Path(file), database=database, force=force,
                             allow_unencrypted=allow_unencrypted, allow_unsigned=allow_unsigned)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(_("Restored %(path)s (%(size)s, made %(created)s from a %(vendor)s %(version)s "
                            "database) into %(database)s in %(seconds).1f s.")
                          % {"path": result.path, "size": size_text(manifest["size"]),
                             "created": manifest.get("created_at", "?"), "vendor": manifest["vendor"],
                             "version": manifest.get("server_version", "?"), "database": database,
                             "seconds": result.seconds})
        self.stdout.write(_("Checked: all %(tables)s tables hold the row counts of the manifest, and the "
                            "%(migrations)s applied migrations match.")
                          % {"tables": len(manifest["row_counts"]),
                             "migrations": len(manifest["migrations"])})
        self.stdout.write(key_counts(manifest))
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(
            _("Done. Identifiers are restored encrypted: this installation reads them only with the "
              "IDENTIFIER_KEYS (and finds people by their number only with the IDENTIFIER_HASH_KEY) of "
              "the installation that made the backup.")))
