from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.forms.boundfield import BoundField
from django.http import HttpRequest
from django.urls import reverse

from comments.models import Comment
from comments.section.mailable import CANNOT_SEND, is_mailable
from comments.text import COMMENT_MAX_LENGTH, PlainTextEmailField, PlainTextField, PlainTextURLField
from lib.text import parse_id, strip_control_characters

PRIVACY_NOTE_ID = "email-notes"


class PrivacyNoteBoundField(BoundField):
    """Ties the email field to the sentence promising it is never published."""

    @property
    def aria_describedby(self) -> str:
        return " ".join(filter(None, [PRIVACY_NOTE_ID, super().aria_describedby]))


class CommentForm(forms.ModelForm):
    """A reader's comment: name, email, optional website, and the text."""

    author_name = PlainTextField(
        label="Name",
        max_length=100,
        error_messages={
            "required": "Please enter your name.",
            "max_length": "Please shorten your name to %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    author_email = PlainTextEmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Please enter your email address; it will not be published.",
            "invalid": "Please enter a valid email address, like name@example.com.",
            "max_length": "Please use an email address of at most %(limit_value)d characters.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        bound_field_class=PrivacyNoteBoundField,
    )
    author_url = PlainTextURLField(
        label="Website",
        max_length=200,
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": "Please enter a web address starting with http:// or https://, "
            "or leave this field empty.",
            "max_length": "Please use a web address of at most %(limit_value)d characters.",
        },
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    body = PlainTextField(
        label="Comment",
        multiline=True,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={
            "required": "Please write your comment.",
            "max_length": "Please shorten your comment to %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45}),
    )
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    # Anti-spam: the form stamp (comments/posting/stamps.py), empty on the page every
    # reader shares and filled in by comments.js or a confirmation step; and a
    # honeypot that is hidden from people, keyboards and screen readers alike.
    issued = forms.CharField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    remember = forms.BooleanField(
        label="Save my name, email, and website in this browser for the next time I comment.",
        required=False,
    )
    # Wishes for email (comments/mail/subscriptions.py), beside notify_on_approval;
    # nothing is sent until the address's owner confirms it.
    notify_replies = forms.BooleanField(label="Email me when someone replies to me", required=False)
    notify_article = forms.BooleanField(
        label="Email me about new comments on this article", required=False
    )

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "author_url", "body", "notify_on_approval"]
        labels = {"notify_on_approval": "Email me when my comment is approved"}
        help_texts = {"notify_on_approval": ""}  # The model's help is for staff.

    def __init__(self, data=None, *args, article, **kwargs):
        # The stamp sent back, kept aside: a form shown again carries a fresh one (restamp).
        self.returned_stamp = data.get("issued", "") if data is not None else ""
        super().__init__(data, *args, **kwargs)
        self.article = article
        self.helper = self.make_helper()
        # The layout is the one place the fields' order is written; the error
        # summary and anything else that walks the form follow it.
        self.order_fields(pointer.name for pointer in self.helper.layout.get_field_names())

    def make_helper(self) -> FormHelper:
        """How crispy-forms renders this form: the whole <form>, without a CSRF token."""
        helper = FormHelper(self)
        helper.form_id = "commentform"
        helper.form_class = "comment-form"
        helper.form_action = reverse("comments:post", args=[self.article.slug])
        # The browser's own validation would stop the summary of errors from being shown.
        helper.attrs = {"novalidate": True, "data_stamp_url": reverse("comments:stamp")}
        # The page is the same for every reader, so the form carries no token: the
        # comment POST is checked by where it comes from instead (comments/posting/origin.py).
        helper.disable_csrf = True
        helper.form_error_title = "Your comment was not posted. Please check the following:"
        helper.layout = Layout(
            HTML('{% include "comments/_form_notes.html" %}'),
            Field("body"),
            Field("author_name"),
            Field("author_email"),
            Field("author_url"),
            # Remembering happens in the browser (comments.js), so the box is
            # only shown where scripts run.
            Div(Field("remember"), css_class="js-only", css_id="remember-details"),
            Field("notify_on_approval"),
            Field("notify_replies"),
            Field("notify_article"),
            HTML('{% include "comments/_email_consent_note.html" %}'),
            Field("parent"),
            Field("issued"),
            Div(Field("subject"), css_class="hp", aria_hidden="true"),
            Submit("submit", "Post Comment"),
        )
        return helper

    def clean_author_email(self) -> str:
        """An address the site can write to as typed (section/mailable.py)."""
        address = self.cleaned_data["author_email"]
        if not is_mailable(address):
            raise forms.ValidationError(CANNOT_SEND, code="unmailable")
        return address

    def clean_parent(self) -> Comment | None:
        """A reply must answer an approved comment of the same article."""
        typed = self.cleaned_data.get("parent")
        if not typed:
            return None
        parent = None
        if (parent_id := parse_id(typed)) is not None:
            parent = Comment.objects.approved().filter(article=self.article, pk=parent_id).first()
        if parent is None:
            # The field is hidden, so the error goes to the summary above the form.
            self.add_error(
                None,
                "The comment you are replying to is no longer available. Your text is kept "
                "below: post it as a new comment, or choose another comment to reply to.",
            )
            return None
        # Past the deepest level, a reply joins the conversation at the last level.
        return parent.reply_target()

    def restamp(self, stamp: str) -> None:
        """Carry a fresh stamp when this form is shown again to the reader who sent it."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["issued"] = stamp
        else:
            self.initial["issued"] = stamp

    def save(self, commit: bool = True) -> Comment:
        comment = super().save(commit=False)
        comment.article = self.article
        comment.parent = self.cleaned_data.get("parent")
        if commit:
            comment.save()
        return comment


class CommentEditForm(forms.Form):
    """
    The new text of the author's own comment (comments/posting/editing.py), the text alone.

    A plain form: comments/posting/editing.py reads the comment again under a lock and
    applies the text there; the form only cleans and checks what was typed.
    """

    # The same field as a new comment's: the same cleaning, limit and messages.
    body = CommentForm.declared_fields["body"]

    def __init__(self, *args, comment: Comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "editform"
        self.helper.form_action = reverse("comments:edit", args=[comment.pk])
        self.helper.form_error_title = "Your comment was not changed. Please check the following:"
        self.helper.layout = Layout(Field("body"), Submit("save", "Save changes"))


def typed_text(request: HttpRequest) -> str:
    """
    The comment text a reader sent in this POST, cleaned: what to give back when it was not stored.

    The form's own business, asked by every page that refuses a comment or an
    edit, and by the error page when the site is down (config/errors.py); ""
    when nothing was sent, or the body cannot be read.
    """
    if request.method != "POST":
        return ""
    try:
        return strip_control_characters(request.POST.get("body", ""))
    except Exception:  # A body that cannot be parsed has nothing to give back.
        return ""
