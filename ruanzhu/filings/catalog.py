"""The software services offered under 版权登记 → 软件登记."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Service:
    code: str
    title: Promise
    description: Promise


SOFTWARE_SERVICES = (
    Service(
        "R11",
        _("计算机软件著作权登记申请"),
        _("为原始取得或从其他方继受取得的电脑软件、嵌入式软件、APP等软件申请著作权登记"),
    ),
    Service(
        "R21", _("计算机软件著作权转让或专有许可合同登记申请"), _("仅针对著作权转让合同或专有许可合同的登记")
    ),
    Service("R41", _("软件登记事项变更或补充申请"), _("对已登记的事项做变更或补充登记")),
)
SERVICES_BY_CODE = {service.code: service for service in SOFTWARE_SERVICES}
