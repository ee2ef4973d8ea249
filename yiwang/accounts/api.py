"""Sign-in over the API.

POST /api/v1/auth/token/ {"username","password"} -> {"token","expires_at"}: a new token at every
login, expiring after YIWANG_TOKEN_TTL_HOURS; throttled per client address and locked out by
django-axes after repeated failures. POST /api/v1/auth/logout/ ends the token in use;
GET /api/v1/auth/sessions/ lists the user's open sign-ins; DELETE …/sessions/<id>/ ends one.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from yiwang.accounts import sessions
from yiwang.accounts.models import LoginSession
from yiwang.core.errors import ServiceError


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(trim_whitespace=False, max_length=256)


class LoginFailed(ServiceError):
    status = 400
    code = "invalid_credentials"


class TokenLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenLoginSerializer,
        responses=inline_serializer(
            "TokenResponse",
            {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        ),
    )
    def post(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain HttpRequest: django-axes counts failures and marks lockouts on it.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise LoginFailed("用户名或密码错误。")
        session, key = sessions.token_issue(user=user, request=request)
        return Response({"token": key, "expires_at": session.expires_at})


class LoginSessionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = LoginSession
        fields = [
            "id",
            "kind",
            "kind_label",
            "key_prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "user_agent",
            "ip_address",
            "current",
        ]

    def get_current(self, obj) -> bool:
        return sessions.session_is_current(obj, self.context["request"])


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        """退出登录：注销本次请求所用的令牌（浏览器会话则退出登录）。"""
        if isinstance(request.auth, LoginSession):
            sessions.session_revoke(actor=request.user, session_id=request.auth.pk, reason="logout")
        else:
            from django.contrib.auth import logout

            logout(request._request)
        return Response(status=204)


class SessionListView(APIView):
    @extend_schema(responses=LoginSessionSerializer(many=True))
    def get(self, request):
        """我的登录会话：仍有效的 API 令牌和浏览器登录。"""
        rows = sessions.session_list(user=request.user)
        return Response(LoginSessionSerializer(rows, many=True, context={"request": request}).data)


class SessionDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        """注销一个登录会话（只能是自己的）。"""
        sessions.session_revoke(actor=request.user, session_id=pk)
        return Response(status=204)


ME_RESPONSE = inline_serializer(
    "Me",
    {
        "username": serializers.CharField(),
        "display_name": serializers.CharField(),
        "roles": serializers.ListField(child=serializers.CharField()),
        "is_global": serializers.BooleanField(),
        "regions": serializers.ListField(child=serializers.CharField()),
        "grids": serializers.ListField(child=serializers.CharField()),
        "departments": serializers.ListField(child=serializers.IntegerField()),
    },
)


class MeView(APIView):
    @extend_schema(responses=ME_RESPONSE)
    def get(self, request):
        from yiwang.accounts.scope import data_scope

        user = request.user
        scope = data_scope(user)
        return Response(
            {
                "username": user.username,
                "display_name": user.display_name,
                "roles": sorted(scope.roles),
                "is_global": scope.is_global,
                "regions": list(scope.region_prefixes),
                "grids": list(scope.grid_codes),
                "departments": list(scope.department_ids),
            }
        )
