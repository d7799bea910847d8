"""`make bench`: each benchmark prints its figures and ends each target's line with `verdict`."""


def verdict(ok: bool) -> str:
    """The word a target's line ends with: PASS when the figure meets the target, else FAIL."""
    return "PASS" if ok else "FAIL"
