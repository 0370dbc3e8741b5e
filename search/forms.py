from django import forms

from lib.refusal import Refusal
from search.terms import MAX_LENGTH, read_terms


class SearchForm(forms.Form):
    """The search box: its words, read by search/terms.py, or the sentence saying why not."""

    q = forms.CharField(
        label="Search the articles",
        required=False,
        strip=True,
        widget=forms.SearchInput(attrs={"maxlength": MAX_LENGTH, "spellcheck": "false"}),
    )

    def clean_q(self):
        try:
            return read_terms(self.cleaned_data["q"])
        except Refusal as refusal:
            raise forms.ValidationError(refusal.sentence) from None
