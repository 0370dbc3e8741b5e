from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.post_comment, name="post"),
    path("comments/stamp/", views.stamp, name="stamp"),
    path("comments/<str:comment_id>/", views.permalink, name="permalink"),
    path("comments/<str:comment_id>/edit/", views.edit_comment, name="edit"),
    path("comments/<str:comment_id>/withdraw/", views.withdraw_comment, name="withdraw"),
]
