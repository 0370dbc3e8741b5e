from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import ngettext

from blog.models import Article, Author, Category, Tag
from comments.models import Comment
from pictures.html import pictures_without_alt


class ArticleForm(forms.ModelForm):
    def clean(self):
        """A published article shows no picture without alt text (or a decorative choice)."""
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED:
            missing = pictures_without_alt(cleaned.get("body", ""), cleaned.get("featured_image"))
            if missing:
                names = ", ".join(f"“{picture}” (picture {picture.pk})" for picture in missing)
                raise forms.ValidationError(
                    f"Give these pictures alt text in Pictures, or mark them decorative, "
                    f"before publishing: {names}."
                )
        return cleaned


class CommentInline(admin.TabularInline):
    """The article's comments, newest first, read-only; each links to its own page."""

    model = Comment
    template = "admin/blog/article/comments_inline.html"
    fields = ["excerpt", "author_name", "status", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = [
        "title",
        "status",
        "published_at",
        "updated_at",
        "comments_open",
        "waiting_comments",
    ]
    list_filter = ["status", "comments_open"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "featured_image", "body"]}),
        ("Topics", {"fields": ["author", "categories", "tags"]}),
        ("Publication", {"fields": ["status", "published_at", "updated_at"]}),
        ("Comments", {"fields": ["comments_open", "comments_close_at"]}),
    ]
    autocomplete_fields = ["author", "categories", "tags", "featured_image"]
    inlines = [CommentInline]

    def get_inlines(self, request, obj):
        # A new article has no comments yet: no inline, and no formset to post.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        waiting = Comment.objects.pending().count_per_article()
        return super().get_queryset(request).annotate(waiting_count=waiting)

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting_comments(self, article: Article) -> str:
        """How many comments wait for moderation, linked to them in the queue."""
        count = article.waiting_count
        if not count:
            return "0"
        return format_html(
            '<a href="{}?article__id__exact={}&amp;status=pending">{}</a>',
            reverse("admin:comments_comment_changelist"),
            article.pk,
            ngettext("%(count)d comment", "%(count)d comments", count) % {"count": count},
        )


class TopicAdmin(admin.ModelAdmin):
    """Categories, tags and authors: a name, the address of its page, a description."""

    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]

    @admin.display(description="articles")
    def article_count(self, topic) -> int:
        return topic.articles().count()


@admin.register(Category)
class CategoryAdmin(TopicAdmin):
    list_display = ["name", "slug", "parent", "article_count"]
    list_select_related = ["parent"]
    fields = ["name", "slug", "parent", "description"]
    autocomplete_fields = ["parent"]


@admin.register(Tag)
class TagAdmin(TopicAdmin):
    pass


@admin.register(Author)
class AuthorAdmin(TopicAdmin):
    pass
