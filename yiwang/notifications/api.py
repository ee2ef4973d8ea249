"""REST API of the inbox (thin).

GET  /api/v1/notifications/?unread=1   the signed-in user's messages, newest first, paginated,
                                      with `unread` (the count of unread messages)
POST /api/v1/notifications/<id>/read/  mark one read
POST /api/v1/notifications/read-all/   mark all read
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.api import parse_bool
from yiwang.core.pagination import Pagination
from yiwang.notifications import selectors, services
from yiwang.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sms_state_display = serializers.CharField(source="get_sms_state_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "title",
            "body",
            "link",
            "created_at",
            "read_at",
            "is_read",
            "sms_state",
            "sms_state_display",
        ]


class NotificationListView(APIView):
    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request):
        unread_only = parse_bool(request.query_params.get("unread", ""))
        qs = selectors.notification_list(user=request.user, unread_only=unread_only)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(NotificationSerializer(page, many=True).data)
        response.data["unread"] = selectors.unread_count(user=request.user)
        return response


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        row = services.notification_mark_read(actor=request.user, id=pk)
        return Response(NotificationSerializer(row).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        count = services.notification_mark_all_read(actor=request.user)
        return Response({"marked": count, "unread": 0})
