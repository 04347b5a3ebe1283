from django.urls import path

from apps.feeds import live_views, views

app_name = "feeds"

urlpatterns = [
    path("feed/company/", views.company, name="company"),
    path("feed/bookmarks/", views.bookmarks, name="bookmarks"),
    path("feed/deleted/", views.deleted, name="deleted"),
    path("feed/tags/<str:name>/", views.hashtag, name="hashtag"),
    path("feed/tags/<str:name>/follow/", views.hashtag_follow, name="hashtag_follow"),
    path("feed/communities/<slug:slug>/", views.community_feed, name="community"),
    path("feed/people/<int:user_id>/", views.profile_feed, name="profile"),
    path("feed/newer/", live_views.newer, name="newer"),
    path("feed/changes/", live_views.changes, name="changes"),
    path("feed/home-sources/", live_views.home_sources, name="home_sources"),
    path("posts/new/", views.post_create, name="create"),
    path("posts/preview/", views.post_preview, name="preview"),
    path("posts/mentions/", views.mentions, name="mentions"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/card/", live_views.card, name="card"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="edit"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="delete"),
    path("posts/<int:post_id>/restore/", views.post_restore, name="restore"),
    path("posts/<int:post_id>/history/", views.post_history, name="history"),
    path("posts/<int:post_id>/pin/", views.post_pin, name="pin"),
    path("posts/<int:post_id>/bookmark/", views.post_bookmark, name="bookmark"),
    path("posts/<int:post_id>/react/", views.post_react, name="react"),
    path("posts/<int:post_id>/reactions/", views.post_reactions, name="reactions"),
    path("posts/<int:post_id>/vote/", views.post_vote, name="vote"),
    path("posts/<int:post_id>/best-answer/", views.post_best_answer, name="best_answer"),
    path("posts/<int:post_id>/share/", views.post_share, name="share"),
    path("posts/<int:post_id>/comments/", views.post_comments, name="comments"),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:comment_id>/react/", views.comment_react, name="comment_react"),
    path("comments/<int:comment_id>/reactions/", views.comment_reactions, name="comment_reactions"),
    path("attachments/<int:attachment_id>/thumbnail/", views.attachment_thumbnail, name="thumbnail"),
    path("attachments/<int:attachment_id>/<str:name>", views.attachment_download, name="download"),
]
