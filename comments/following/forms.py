from django import forms

from comments.section.mailable import CANNOT_SEND, is_mailable
from comments.text import PlainTextEmailField


class FollowForm(forms.Form):
    """The address to email new articles to: one the site can write to as typed."""

    email = PlainTextEmailField(
        label="Your email address",
        max_length=254,
        help_text="Only to send you new articles; never shown, never shared.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        address = self.cleaned_data["email"]
        if not is_mailable(address):
            raise forms.ValidationError(CANNOT_SEND, code="unmailable")
        return address
