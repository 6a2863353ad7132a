"""Importing participants from a file: reading it, checking it row by row, saving it all or nothing,
and the import jobs that run it in the background for the upload page."""

from trajectories.imports.columns import COLUMNS, template_headers
from trajectories.imports.jobs import import_job_create, import_job_run
from trajectories.imports.participants import ImportReport, RefusedRow, participants_import

__all__ = [
    "COLUMNS", "ImportReport", "RefusedRow", "import_job_create", "import_job_run", "participants_import",
    "template_headers",
]
