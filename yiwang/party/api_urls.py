from django.urls import path

from yiwang.party import api

urlpatterns = [
    path("party/topics/", api.TopicListView.as_view(), name="party-topic-list"),
    path("party/topics/<int:pk>/", api.TopicDetailView.as_view(), name="party-topic-detail"),
    path("party/topics/<int:pk>/vote/", api.TopicVoteView.as_view(), name="party-topic-vote"),
    path(
        "party/topics/<int:pk>/comments/",
        api.TopicCommentView.as_view(),
        name="party-topic-comments",
    ),
    path(
        "party/topics/<int:pk>/<slug:action>/",
        api.TopicActionView.as_view(),
        name="party-topic-action",
    ),
    path("party/organisations/", api.OrganisationTreeView.as_view(), name="party-organisations"),
    path(
        "party/organisations/<int:pk>/meetings/",
        api.MeetingCreateView.as_view(),
        name="party-organisation-meetings",
    ),
    path(
        "party/members/<int:pk>/transfer/",
        api.MemberTransferView.as_view(),
        name="party-member-transfer",
    ),
    path("party/alliance/", api.AllianceView.as_view(), name="party-alliance"),
    path(
        "party/projects/<int:pk>/progress/",
        api.ProjectProgressView.as_view(),
        name="party-project-progress",
    ),
    path("party/wishes/", api.WishListView.as_view(), name="party-wishes"),
    path(
        "party/wishes/<int:pk>/<slug:action>/",
        api.WishActionView.as_view(),
        name="party-wish-action",
    ),
    path("party/activities/", api.ActivityListView.as_view(), name="party-activities"),
    path(
        "party/activities/<int:pk>/signup/",
        api.ActivitySignupView.as_view(),
        name="party-activity-signup",
    ),
    path("party/volunteers/record/", api.VolunteerRecordView.as_view(), name="party-record"),
    path("party/colours/", api.GridColourView.as_view(), name="party-colours"),
    path(
        "party/colours/compute/",
        api.GridColourComputeView.as_view(),
        name="party-colours-compute",
    ),
]
