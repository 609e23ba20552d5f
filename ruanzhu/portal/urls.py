from django.urls import path

from ruanzhu.api import views as api_views
from ruanzhu.portal import views

# Account pages, included by config.urls under the "accounts" namespace next to ruanzhu.accounts.urls: they read
# and erase the account's data in the apps that build on accounts.
account_urlpatterns = [
    path("me/export/", views.data_export, name="data_export"),
    path("me/close/", views.close_account, name="close_account"),
    path("me/api-tokens/", api_views.api_token_create, name="api_token_create"),
    path("me/api-tokens/revoke/", api_views.api_token_revoke, name="api_token_revoke"),
]
