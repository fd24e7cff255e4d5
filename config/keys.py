"""Every Redis key name the service uses, in one place, under one prefix."""

PREFIX = "encola:"


def key(*parts: object) -> str:
    return PREFIX + ":".join(map(str, parts))
