"""
Pictures in the admin: upload one, describe it, copy the line that places it.

The list shows a thumbnail and the Markdown reference (``![alt](picture:ID)``)
to paste into an article; an article's featured image is chosen by search.
"""

from django.contrib import admin
from django.core.files.storage import default_storage
from django.utils.html import format_html

from pictures.forms import PictureChangeForm, PictureUploadForm
from pictures.models import Picture


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "alt_text", "reference_to_copy", "uploaded_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["decorative", "format"]
    search_fields = ["title", "alt", "caption"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["preview", "reference_to_copy", "dimensions", "uploaded_at"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = PictureUploadForm if obj is None else PictureChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", "alt", "decorative", "caption", "title"]
        return [
            "preview",
            "reference_to_copy",
            "alt",
            "decorative",
            "caption",
            "title",
            "dimensions",
            "uploaded_at",
        ]

    def save_model(self, request, obj, form, change):
        # A new picture was stored by the form (pictures/store.py); an edit saves its fields.
        if change:
            obj.save()

    @admin.display(description="picture")
    def thumbnail(self, picture: Picture) -> str:
        small = min(picture.sizes, key=lambda size: size["width"], default=None)
        name = small["name"] if small else picture.original
        return format_html(
            '<img src="{}" alt="" width="80" style="height:auto">', default_storage.url(name)
        )

    @admin.display(description="preview")
    def preview(self, picture: Picture) -> str:
        return format_html('<img src="{}" alt="" style="max-width:24rem;height:auto">', picture.url)

    @admin.display(description="alt text")
    def alt_text(self, picture: Picture) -> str:
        if picture.decorative:
            return "(decorative)"
        return picture.alt or "⚠ missing: add it before the picture is published"

    @admin.display(description="place it in an article with")
    def reference_to_copy(self, picture: Picture) -> str:
        return format_html(
            '<input type="text" readonly value="{}" size="40" aria-label="Markdown for picture {}"'
            ' class="picture-reference">',
            picture.reference,
            picture.pk,
        )

    @admin.display(description="size")
    def dimensions(self, picture: Picture) -> str:
        return f"{picture.width} × {picture.height} ({picture.format})"
