"""The fediverse's addresses: /.well-known/ discovery, NodeInfo, the actor and its inbox."""

from django.urls import path

from federation import views

app_name = "federation"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("fediverse/actor", views.actor, name="actor"),
    path("fediverse/inbox", views.receive, name="inbox"),
    path("fediverse/outbox", views.outbox, name="outbox"),
    path("fediverse/followers", views.followers, name="followers"),
]
