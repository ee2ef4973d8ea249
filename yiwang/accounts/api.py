"""Token login: POST /api/v1/auth/token/ {"username","password"} -> {"token"}."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.core.audit import audit_record
from yiwang.core.errors import ServiceError


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)


class LoginFailed(ServiceError):
    status = 400
    code = "invalid_credentials"


class TokenLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=TokenLoginSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise LoginFailed("用户名或密码错误。")
        token, _ = Token.objects.get_or_create(user=user)
        audit_record(actor=user, action="auth.token", target=user)
        return Response({"token": token.key})


class MeView(APIView):
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
