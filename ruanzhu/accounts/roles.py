"""Staff roles as groups with their permissions, so that staff are managed in the admin by group."""

from django.contrib.auth.models import Group, Permission

IDENTITY_REVIEWERS = "实名审核员"
EXAMINERS = "审查员"
ROLE_PERMISSIONS = {
    IDENTITY_REVIEWERS: ["identity.review_verification"],
    EXAMINERS: ["examination.examine_filing"],
}


def staff_roles_ensure() -> dict[str, Group]:
    """Create the staff groups and give them their permissions (idempotent)."""
    groups = {}
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        groups[name] = group
    return groups
