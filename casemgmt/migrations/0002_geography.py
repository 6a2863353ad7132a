"""Belgian geography as data: the five Flemish provinces (NIS codes), Brussels, outside Flanders,
and which postcodes lie where, including 2070 moving to Oost-Vlaanderen on 2025-01-01."""

import datetime

from django.db import migrations

REGIONS = [
    # code, NIS, name, kind, order
    ("antwerpen", "10000", "Antwerpen", "province", 1),
    ("oost-vlaanderen", "40000", "Oost-Vlaanderen", "province", 2),
    ("west-vlaanderen", "30000", "West-Vlaanderen", "province", 3),
    ("vlaams-brabant", "20001", "Vlaams-Brabant", "province", 4),
    ("limburg", "70000", "Limburg", "province", 5),
    ("brussel", "04000", "Brussel", "brussels", 6),
    ("buiten-vlaanderen", "", "Buiten Vlaanderen", "outside", 7),
]

POSTCODES = [
    # first, last, region, valid_from, valid_until
    (1000, 1299, "brussel", None, None),
    (1300, 1499, "buiten-vlaanderen", None, None),  # Walloon Brabant
    (1500, 1999, "vlaams-brabant", None, None),
    (2000, 2999, "antwerpen", None, None),
    (2070, 2070, "antwerpen", None, datetime.date(2024, 12, 31)),
    (2070, 2070, "oost-vlaanderen", datetime.date(2025, 1, 1), None),
    (3000, 3499, "vlaams-brabant", None, None),
    (3500, 3999, "limburg", None, None),
    (4000, 7999, "buiten-vlaanderen", None, None),  # Wallonia
    (8000, 8999, "west-vlaanderen", None, None),
    (9000, 9999, "oost-vlaanderen", None, None),
]


def load(apps, schema_editor):
    Region = apps.get_model("casemgmt", "Region")
    PostcodeRange = apps.get_model("casemgmt", "PostcodeRange")
    regions = {}
    for code, nis, name, kind, order in REGIONS:
        regions[code], _ = Region.objects.update_or_create(
            code=code, defaults={"nis_code": nis, "name": name, "kind": kind, "sort_order": order}
        )
    for first, last, region, valid_from, valid_until in POSTCODES:
        PostcodeRange.objects.get_or_create(
            first=first, last=last, region=regions[region], valid_from=valid_from,
            valid_until=valid_until,
        )


class Migration(migrations.Migration):
    dependencies = [("casemgmt", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
