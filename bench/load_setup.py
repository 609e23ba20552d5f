"""Prepare a database for the mixed load of bench/locustfile.py and write the load plan it reads.

Run with the environment of the portal under load (its DATABASE_URL, keys and storage settings)::

    .venv/bin/python bench/load_setup.py --plan var/load/plan.json [--records 5000] [--staff 4]

It is idempotent and quick the second time. It creates, when missing:

- identity reviewers (实名审核员) and examiners (审查员), each with a password and a confirmed TOTP device whose
  key goes into the plan, so that the load logs them in through the staff login page with a current code;
- verified individual accounts for the logged-in page views of returning applicants;
- a public registry of ``--records`` records for the searches, and the queries to search it with;
- the files the applicants upload: ID photos, real program and documentation deposits, a signed signature page.

The plan also carries ``sequence_base``, the first unused number for the accounts the load signs up (their
usernames, phone numbers and ID numbers derive from it), so that repeated runs never collide. The plan holds
TOTP keys and passwords of load-only accounts: it stays beside the topology's data, never in the repository.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Load-Passphrase-4k8w2q"
STAFF_PREFIXES = {"reviewer": "load-reviewer-", "examiner": "load-examiner-"}
APPLICANT_PREFIX = "load-applicant-"
SIGNUP_PREFIX = "lf"  # lf<number>: the accounts the load signs up
RECORD_REFERENCE = "load-record:"
APPLICANT_PHONE_BASE = 13_700_000_000
# Regions of the ID numbers: returning applicants here, the load's sign-ups in the other (bench/locustfile.py).
APPLICANT_REGION, FILER_REGION = "110101", "440106"
WORDS = (
    "智慧",
    "园区",
    "云端",
    "数据",
    "物联",
    "财务",
    "办公",
    "医疗",
    "教育",
    "物流",
    "仓储",
    "安防",
    "视频",
    "监控",
    "电商",
    "支付",
    "能源",
    "交通",
    "农业",
    "政务",
    "文档",
    "协同",
    "客服",
    "营销",
)
KINDS = ("管理平台", "管理系统", "分析软件", "服务平台", "监测系统", "小程序", "客户端", "调度系统")
OWNER_WORDS = ("华信", "中科", "星河", "天宇", "博远", "金桥", "瑞达", "恒通", "新科", "海纳", "东方", "卓越")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", type=Path, required=True, help="where to write the load plan (JSON)")
    parser.add_argument("--records", type=int, default=5000, help="registry records to have for the searches")
    parser.add_argument("--staff", type=int, default=4, help="reviewers and examiners, each")
    parser.add_argument("--applicants", type=int, default=50, help="verified accounts for logged-in views")
    return parser.parse_args(argv)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def staff_ensure(count: int) -> dict[str, list[dict]]:
    """Create the reviewers and examiners with their TOTP devices; return their credentials."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ruanzhu.accounts.models import User
    from ruanzhu.accounts.roles import EXAMINERS, IDENTITY_REVIEWERS, staff_roles_ensure

    groups = staff_roles_ensure()
    roles = {"reviewer": groups[IDENTITY_REVIEWERS], "examiner": groups[EXAMINERS]}
    staff: dict[str, list[dict]] = {}
    for role, prefix in STAFF_PREFIXES.items():
        staff[role] = []
        for index in range(1, count + 1):
            username = f"{prefix}{index:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, email=f"{username}@load.example", is_staff=True)
                user.set_phone(f"+86{13_600_000_000 + index + (100 if role == 'examiner' else 0)}")
                user.set_password(PASSWORD)
                user.save()
                user.groups.add(roles[role])
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
            staff[role].append(
                {"username": username, "password": PASSWORD, "totp_key": device.key, "step": device.step}
            )
    return staff


def applicants_ensure(count: int) -> list[str]:
    """Create verified individual accounts for the returning applicants; return their usernames."""
    from ruanzhu.accounts.models import User
    from tests.factories import UserFactory, VerificationFactory

    usernames = []
    for index in range(1, count + 1):
        username = f"{APPLICANT_PREFIX}{index:03d}"
        if not User.objects.filter(username=username).exists():
            account = UserFactory(
                username=username,
                email=f"{username}@load.example",
                phone=f"+86{APPLICANT_PHONE_BASE + index}",
                password=PASSWORD,
            )
            VerificationFactory(
                account=account, real_name="回访用户", id_number=resident_id(index, APPLICANT_REGION)
            )
        usernames.append(username)
    return usernames


def resident_id(number: int, region: str) -> str:
    """Return a valid resident ID number in ``region``, distinct for every ``number`` below 16 million."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=number // 1000)
    body = f"{region}{birth:%Y%m%d}{number % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def records_ensure(count: int) -> dict[str, list[str]]:
    """Publish registry records up to ``count``; return queries that find them (names, owners, numbers)."""
    from ruanzhu.registry.models import Registration
    from ruanzhu.registry.services import registration_create

    rng = random.Random(20261130)
    existing = Registration.objects.filter(source_reference__startswith=RECORD_REFERENCE).count()
    names, owners = [], []
    for index in range(count):
        name = "".join(rng.sample(WORDS, 2)) + rng.choice(KINDS)
        owner = "".join(rng.sample(OWNER_WORDS, 2)) + "科技有限公司"
        names.append(name)
        owners.append(owner)
        if index < existing:
            continue
        registration_create(
            service="R11",
            software_name=name,
            short_name=name[:4],
            version=f"V{rng.randint(1, 5)}.{rng.randint(0, 9)}",
            owners=[owner],
            completion_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 300)),
            registered_on=datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 300)),
            category="应用软件",
            source_reference=f"{RECORD_REFERENCE}{index}",
        )
    numbers = list(
        Registration.objects.filter(source_reference__startswith=RECORD_REFERENCE)
        .order_by("?")
        .values_list("registration_number", flat=True)[:200]
    )
    # Substrings of one to four characters, as people type them into the search box.
    terms = sorted(
        {name[start : start + length] for name in names[:400] for start, length in ((0, 2), (2, 4))}
    )
    terms += [*WORDS, "云", "园", "数"]
    return {"name": terms, "owner": sorted(set(owners))[:100], "number": numbers}


def files_ensure(folder: Path) -> dict[str, str]:
    """Write the uploads (ID photos, deposits, signature page) into ``folder``; return their paths."""
    from tests.factories import NAME, VERSION, deposit_pdfs
    from tests.filings.flow import signed_page
    from tests.identity import images_fixtures as pictures

    folder.mkdir(parents=True, exist_ok=True)
    builders = {
        "id_front.jpg": lambda: pictures.jpeg_bytes(
            pictures.photo_of_card(pictures.id_card_front(), seed=11)
        ),
        "id_back.jpg": lambda: pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=12)),
        "handheld.jpg": lambda: pictures.jpeg_bytes(pictures.handheld_photo(seed=13)),
        "program.pdf": lambda: deposit_pdfs()["program"],
        "document.pdf": lambda: deposit_pdfs()["document"],
        "signed.pdf": signed_page,
    }
    paths = {}
    for name, build in builders.items():
        path = folder / name
        if not path.exists():
            path.write_bytes(build())
        paths[name.split(".")[0]] = str(path)
    paths["software_name"], paths["software_version"] = NAME, VERSION
    return paths


def sequence_base() -> int:
    """Return the first number not yet used by an account the load signed up."""
    from ruanzhu.accounts.models import User

    pattern = re.compile(rf"^{SIGNUP_PREFIX}(\d+)$")
    used = [
        int(match.group(1))
        for username in User.objects.filter(username__startswith=SIGNUP_PREFIX).values_list(
            "username", flat=True
        )
        if (match := pattern.match(username))
    ]
    # Leave room for accounts of an interrupted run that signed up without finishing.
    return (max(used) + 1000) if used else 1000


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    started = time.perf_counter()
    plan = {
        "staff": staff_ensure(args.staff),
        "applicants": applicants_ensure(args.applicants),
        "password": PASSWORD,
        "queries": records_ensure(args.records),
        "files": files_ensure(args.plan.parent / "files"),
        "sequence_base": sequence_base(),
        "signup_prefix": SIGNUP_PREFIX,
    }
    args.plan.parent.mkdir(parents=True, exist_ok=True)
    args.plan.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    args.plan.chmod(0o600)
    print(
        f"load plan {args.plan}: {args.staff} reviewers, {args.staff} examiners, {len(plan['applicants'])} "
        f"applicants, {args.records} records, sequence from {plan['sequence_base']} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
