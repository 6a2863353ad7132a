"""The hand-written Select gives the markup Django's templated Select gives, for every case a form has."""

import pytest
from django import forms
from django.test.html import parse_html

from casemgmt.widgets import Select

CHOICES = [("", "all <provinces>"), ("VAN", "Antwerpen"), (2, "Oost-Vlaanderen & co"), (None, "none")]
GROUPED = [("Vlaanderen", [("VAN", "Antwerpen"), ("VLI", "Limburg")]), ("BRU", "Brussel")]


def pair(choices, **options):
    """A form with the same field twice: Django's widget and ours."""
    return type("PairForm", (forms.Form,), {
        "django": forms.ChoiceField(choices=choices, **options),
        "ours": forms.ChoiceField(choices=choices, widget=Select, **options),
    })


@pytest.mark.parametrize(("choices", "options", "data"), [
    (CHOICES, {"required": False, "help_text": "Where the person lives"}, {}),
    (CHOICES, {"required": False}, {"django": "2", "ours": "2"}),
    (CHOICES, {"required": True}, {"django": "XX", "ours": "XX"}),  # invalid: aria-invalid, the error's id
    (GROUPED, {"required": True}, {"django": "VLI", "ours": "VLI"}),
])
def test_the_markup_is_djangos(choices, options, data):
    form = pair(choices, **options)(data or None)
    form.is_valid()

    ours = str(form["ours"]).replace("ours", "django")

    assert parse_html(ours) == parse_html(str(form["django"]))


def test_labels_and_values_are_escaped_and_the_value_is_selected():
    form = pair(CHOICES, required=False)({"ours": "2"})

    html = str(form["ours"])

    assert "all &lt;provinces&gt;" in html and "<provinces>" not in html
    assert '<option value="2" selected>Oost-Vlaanderen &amp; co</option>' in html
    assert html.count(" selected") == 1
