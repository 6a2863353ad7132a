"""Back up the whole database to a file, with a manifest of its row counts beside it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casemgmt.backup import BackupError, backup, manifest_path, stop_cleanly_on_sigterm

from ._backup_report import key_counts, size_text


class Command(BaseCommand):
    help = ("Back up the database to FILE (PostgreSQL: a pg_dump custom-format archive; SQLite: a copy "
            "made with the online backup API) and write the manifest FILE.json beside it. National "
            "register numbers stay encrypted: keep IDENTIFIER_KEYS safe, apart from the backups. With "
            "BACKUP_KEYS set, the whole file is encrypted with the first of them.")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, metavar="FILE",
                            help="The backup file to write; it must not exist yet.")

    def handle(self, *args, output: Path, **options):
        stop_cleanly_on_sigterm()
        try:
            result = backup(output=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(_("Backed up the %(vendor)s database to %(path)s (%(size)s) in %(seconds).1f s "
                            "with %(tool)s.")
                          % {"vendor": manifest["vendor"], "path": result.path,
                             "size": size_text(manifest["size"]), "seconds": result.seconds,
                             "tool": manifest["tool"]})
        self.stdout.write(_("Manifest: %(path)s (%(tables)s tables, %(migrations)s migrations applied).")
                          % {"path": manifest_path(result.path), "tables": len(manifest["row_counts"]),
                             "migrations": len(manifest["migrations"])})
        self.stdout.write(key_counts(manifest))
        if "encryption" in manifest:
            self.stdout.write(_("Encrypted (AES-256-GCM) with the key %(id)s, the first of BACKUP_KEYS: a "
                                "restore needs that key.") % {"id": manifest["encryption"]["key_id"]})
        else:
            self.stdout.write(self.style.WARNING(
                _("Not encrypted: BACKUP_KEYS is not set, so names, contact details and notes are readable "
                  "by anyone who gets this file. Set BACKUP_KEYS (docs/operations.md).")))
        self.stdout.write(self.style.SUCCESS(
            _("Done. Identifiers in it are encrypted: reading them after a restore needs the same "
              "IDENTIFIER_KEYS, and finding people by their number the same IDENTIFIER_HASH_KEY. Keep "
              "those keys safe, and stored apart from the backups.")))
