"""POST /filings/batch: start up to 100 drafts in one request, each answered on its own.

Each item is what POST /filings takes, validated and created by the same code in a transaction of its own: an
item refused (bad input, no mandate …) leaves no draft and does not stop the others.
"""

import json
from typing import Any

import pydantic
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import ValidationError

from ruanzhu.api.auth import FILE
from ruanzhu.api.errors import ProblemOut, handle, invalid
from ruanzhu.api.routers.filings import ERRORS, FilingCreateIn, FilingOut, filing_create_from, filing_out

router = Router(tags=["filings"])

BATCH_MAX = 100


class FilingBatchIn(Schema):
    # Each item is a POST /filings body (FilingCreateIn), validated on its own.
    items: list[dict[str, Any]]


class FilingBatchItemOut(Schema):
    index: int
    # 201 with the draft, or the status of the problem that refused the item.
    status: int
    filing: FilingOut | None = None
    problem: ProblemOut | None = None


class FilingBatchOut(Schema):
    created: int
    refused: int
    items: list[FilingBatchItemOut]


def _problem_body(request, exc: Exception) -> dict[str, Any]:
    response = handle(request, exc)
    return json.loads(response.content)


def _item(item: dict[str, Any]) -> FilingCreateIn:
    try:
        return FilingCreateIn.model_validate(item)
    except pydantic.ValidationError as error:
        raise ValidationError(
            [{**detail, "loc": ("body", "item", *detail["loc"])} for detail in error.errors()]
        ) from None


@router.post(
    "/filings/batch",
    auth=FILE,
    response={200: FilingBatchOut, **ERRORS},
    operation_id="filings_batch_create",
    url_name="filings_batch",
    summary="Start up to 100 drafts at once; each item is answered on its own (201 or a problem)",
)
def filings_batch_create(request, payload: FilingBatchIn):
    if not payload.items:
        raise invalid([{"field": "items", "code": "required", "message": _("请至少提交一项。")}])
    if len(payload.items) > BATCH_MAX:
        raise invalid(
            [
                {
                    "field": "items",
                    "code": "too_many",
                    "message": _("一次最多提交%(count)d项。") % {"count": BATCH_MAX},
                }
            ]
        )
    user = request.auth.user
    items = []
    for index, item in enumerate(payload.items):
        try:
            filing = filing_create_from(user, _item(item))
        except Exception as exc:  # every item gets its own answer, as POST /filings would give it
            body = _problem_body(request, exc)
            items.append({"index": index, "status": body["status"], "problem": body})
        else:
            items.append({"index": index, "status": 201, "filing": filing_out(user, filing)})
    created = sum(1 for item in items if item["status"] == 201)
    return {"created": created, "refused": len(items) - created, "items": items}
