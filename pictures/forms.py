"""
The admin's upload form: the file, its alt text or the "decorative" choice.

The file is checked here (``store.create_picture`` through ``processing``), so a
refusal is a sentence beside the file field and the alt text typed is kept.
"""

from django import forms

from pictures.models import Picture
from pictures.processing import ACCEPTED
from pictures.store import NotAPicture, create_picture

NAME_LIMIT = 255


class PictureUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label="Picture file",
        help_text=f"{ACCEPTED}. Camera details, location and comments are removed from it.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    class Meta:
        model = Picture
        fields = ["upload", "alt", "decorative", "caption", "title"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        if len(upload.name) > NAME_LIMIT or "\x00" in upload.name:
            raise forms.ValidationError(
                f"The file's name is longer than {NAME_LIMIT} characters or unreadable: "
                "rename it and try again."
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if not cleaned.get("decorative") and not cleaned.get("alt", "").strip():
            # Before anything is stored: the model's own check would come too late.
            self.add_error("alt", Picture.ALT_REQUIRED)
        if upload is None or self.errors:
            return cleaned
        try:
            picture, created = create_picture(
                upload,
                upload.name,
                size=upload.size,
                alt=cleaned.get("alt", ""),
                decorative=cleaned.get("decorative", False),
                title=cleaned.get("title", ""),
                caption=cleaned.get("caption", ""),
            )
        except NotAPicture as refused:
            self.add_error("upload", refused.sentence)
            return cleaned
        if not created:
            self.add_error(
                "upload",
                f"This picture is here already, as “{picture}” (picture {picture.pk}).",
            )
            return cleaned
        self.instance = picture
        return cleaned

    def save(self, commit=True):
        # create_picture stored it; the fields typed are the ones it was given.
        return self.instance

    def save_m2m(self):
        """A picture has no many-to-many fields; the admin asks all the same."""


class PictureChangeForm(forms.ModelForm):
    class Meta:
        model = Picture
        fields = ["alt", "decorative", "caption", "title"]
