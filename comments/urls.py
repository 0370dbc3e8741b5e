from django.urls import path

from comments.following.views import follow_by_email
from comments.mail import views as mail_views
from comments.posting import views
from comments.section.views import permalink

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.post_comment, name="post"),
    path("comments/stamp/", views.stamp, name="stamp"),
    # The links in readers' emails (comments/mail/views.py).
    path("comments/email/confirm/<str:token>/", mail_views.confirm_email, name="confirm-email"),
    path("comments/email/unsubscribe/<str:token>/", mail_views.unsubscribe, name="unsubscribe"),
    # "Email me new articles" (comments/following/views.py).
    path("follow/", follow_by_email, name="follow"),
    path("comments/<str:comment_id>/", permalink, name="permalink"),
    path("comments/<str:comment_id>/edit/", views.edit_comment, name="edit"),
    path("comments/<str:comment_id>/withdraw/", views.withdraw_comment, name="withdraw"),
]
