"""The desk's forms: a comment's own page, a reply written for the site, a search by email."""

from django import forms

from comments.desk.sentences import parent_first
from comments.models import Comment
from comments.moderation import is_refused
from comments.text import COMMENT_MAX_LENGTH, PlainTextField

Status = Comment.Status


class CommentAdminForm(forms.ModelForm):
    """The change form: the status goes through the same rule as the bulk actions."""

    class Meta:
        model = Comment
        fields = ["status", "body", "author_name", "author_url"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status != self.instance.status and is_refused(self.instance, status):
            raise forms.ValidationError(parent_first(self.instance))
        return status


class SiteReplyForm(forms.Form):
    """A reply written at the desk: plain text, cleaned like readers' comments."""

    body = PlainTextField(
        label="Your reply",
        multiline=True,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={
            "required": "Please write your reply; nothing was published.",
            "max_length": "Please shorten your reply to %(limit_value)d characters "
            "(it has %(show_value)d); nothing was published.",
        },
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
    # The status the moderator saw the comment in, and its text, for the stale-page check.
    seen = forms.ChoiceField(choices=Status.choices, required=False, widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.HiddenInput)


class FindCommenterForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Please enter the commenter's email address.",
            "invalid": "Please enter a whole email address, like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "size": 30}),
    )
