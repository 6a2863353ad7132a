"""What the backup and restore commands print about a backup: its size and its key row counts."""

from django.utils.translation import gettext as _


def size_text(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def key_counts(manifest: dict) -> str:
    counts = manifest["row_counts"]
    lines = [_("Rows in the key tables:")]
    for table, what in manifest["key_tables"]["records"].items():
        lines.append(f"  {counts.get(table) or 0:>9}  {what} ({table})")
    history = manifest["key_tables"]["history"]
    lines.append(f"  {sum(counts.get(table) or 0 for table in history):>9}  "
                 + _("history rows in %(tables)s history tables") % {"tables": len(history)})
    return "\n".join(lines)
