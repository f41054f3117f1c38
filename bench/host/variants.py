"""Which variant is the default and which is each suite's baseline.

A variant is "<frame>-<slab>-<shootdown>". The default uses the new
mechanism in all three parts; each mechanism's baseline differs from it in
that mechanism's part only. A suite's mechanism comes from its name prefix.
"""

DEFAULT = "pcp-magazine-batched"
BASELINES = {
    "frame": "buddy-magazine-batched",
    "slab": "pcp-locked-batched",
    "shootdown": "pcp-magazine-sync",
}
PREFIX_MECHANISM = {
    "frame": "frame",
    "slab": "slab",
    "shootdown": "shootdown",
    "mapper": "shootdown",
    "syscall": "shootdown",
    "vm": "shootdown",
}


def mechanism(suite):
    """The mechanism a suite measures, or None for an unknown prefix."""
    return PREFIX_MECHANISM.get(suite.split(".", 1)[0])


def baseline(suite):
    """The variant the default is compared with on this suite, or None."""
    return BASELINES.get(mechanism(suite))


def role(variant, suite):
    """'default', '<mechanism> baseline' or '' for a variant on a suite."""
    if variant == DEFAULT:
        return "default"
    if variant == baseline(suite):
        return f"{mechanism(suite)} baseline"
    return ""


def label(variant, suite):
    """A variant's name with its role on this suite, for legends."""
    r = role(variant, suite)
    return f"{variant} ({r})" if r else variant


def order(variants, suite):
    """Variants in display order: default, the suite's baseline, the rest."""
    first = [v for v in (DEFAULT, baseline(suite)) if v in variants]
    return first + sorted(v for v in set(variants) if v not in first)
