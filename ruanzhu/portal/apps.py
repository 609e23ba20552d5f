from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal as a whole: what spans the other apps, so that none of them imports an app built on it.

    The page header's counters, an account's own data (下载我的数据, 注销账户) and the demo data; no models.
    """

    name = "ruanzhu.portal"
    label = "portal"
