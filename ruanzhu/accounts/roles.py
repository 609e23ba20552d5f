"""Staff roles as groups with their permissions, so that staff are managed in the admin by group."""

from django.contrib.auth.models import Group, Permission

IDENTITY_REVIEWERS = "实名审核员"
EXAMINERS = "审查员"
# Named here, below the apps that define them, so that an app may ask for a permission of an app built on it.
REVIEW_VERIFICATION = "identity.review_verification"
EXAMINE_FILING = "examination.examine_filing"
ROLE_PERMISSIONS = {
    IDENTITY_REVIEWERS: [REVIEW_VERIFICATION],
    EXAMINERS: [EXAMINE_FILING],
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
