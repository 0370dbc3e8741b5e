from django.contrib import admin

from blog.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "updated_at", "comments_open"]
    list_filter = ["status", "comments_open"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body"]}),
        ("Publication", {"fields": ["status", "published_at", "updated_at"]}),
        ("Comments", {"fields": ["comments_open", "comments_close_at"]}),
    ]
