"""The hand-written Select gives the markup Django's templated Select gives: plain and grouped choices,
a value chosen, an invalid one, labels that are not text."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.test.html import parse_html
from django.utils import translation

from casemgmt.widgets import Select

CHOICES = [("", "all <provinces>"), ("VAN", "Antwerpen"), (2, "Oost-Vlaanderen & co"), (None, "none")]
GROUPED = [("Vlaanderen", [("VAN", "Antwerpen"), ("VLI", "Limburg")]), ("BRU", "Brussel")]
NOT_TEXT = [("1", Decimal("1.5")), ("2", datetime.date(2017, 10, 20)), (2017, [("3", 3000)])]


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
    (NOT_TEXT, {"required": False}, {}),
])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_markup_is_djangos(choices, options, data, language):
    form = pair(choices, **options)(data or None)
    form.is_valid()

    with translation.override(language):
        ours = str(form["ours"]).replace("ours", "django")
        theirs = str(form["django"])

    assert parse_html(ours) == parse_html(theirs)


def test_labels_and_values_are_escaped_and_the_value_is_selected():
    form = pair(CHOICES, required=False)({"ours": "2"})

    html = str(form["ours"])

    assert "all &lt;provinces&gt;" in html and "<provinces>" not in html
    assert '<option value="2" selected>Oost-Vlaanderen &amp; co</option>' in html
    assert html.count(" selected") == 1
