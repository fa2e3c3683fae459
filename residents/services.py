from django.db import transaction

from .models import Profile


def profile_for(user) -> Profile:
    """Every signed-in resident has a profile; it is made on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, user, **fields) -> Profile:
    profile = profile_for(user)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile
